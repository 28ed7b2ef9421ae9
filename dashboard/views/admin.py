"""Người dùng / Users & audit (admins): accounts and roles, and who exported or changed what."""

from __future__ import annotations

import streamlit as st

from dashboard import auth, data
from dashboard.i18n import t
from dashboard.tables import show_table
from warehouse.access import ROLES, UserError

viewer = auth.current_viewer()
st.title(t("admin"))
if not viewer.can("manage_users"):
    st.warning(t("not_allowed"))
    st.stop()

users = data.users(viewer)
users["role_label"] = users["role"].map(lambda role: t(f"role_{role}", office="").strip())
users["state"] = users["active"].map(lambda active: t("active") if active else t("disabled"))
st.subheader(t("users"))
show_table(
    users,
    {
        "username": "text",
        "role_label": "text",
        "office_code": "text",
        "email": "text",
        "state": "text",
        "created_at": "datetime",
    },
    "users.csv",
    "admin_users",
)

offices = data.offices(viewer)
with st.form("admin_add", clear_on_submit=True):
    st.markdown(f"**{t('add_user')}**")
    cols = st.columns(5)
    username = cols[0].text_input(t("username"), key="admin_add_username")
    password = cols[1].text_input(t("password"), type="password", key="admin_add_password")
    role = cols[2].selectbox(
        t("role"), ROLES, format_func=lambda r: t(f"role_{r}", office="").strip(), key="admin_add_role"
    )
    office = cols[3].selectbox(
        t("office"),
        [None, *offices["code"]],
        format_func=lambda c: "—" if c is None else c,
        key="admin_add_office",
    )
    email = cols[4].text_input(t("email"), key="admin_add_email")
    if st.form_submit_button(t("add_user"), type="primary"):
        try:
            data.add_user(viewer, username, password, role, office, email or None)
        except UserError as error:
            st.error(str(error))
        else:
            st.session_state["admin_added"] = username
            st.rerun()
if added := st.session_state.pop("admin_added", None):
    st.success(t("user_added", user=added))

active_users = list(users.loc[users["active"], "username"])
disabled_users = list(users.loc[~users["active"], "username"])
cols = st.columns(2)
with cols[0].form("admin_disable"):
    who = st.selectbox(
        t("disable_user"), [u for u in active_users if u != viewer.username], key="admin_disable_user"
    )
    if st.form_submit_button(t("disable_user")) and who:
        data.set_active(viewer, who, False)
        st.rerun()
with cols[1].form("admin_enable"):
    who = st.selectbox(t("enable_user"), disabled_users, key="admin_enable_user")
    if st.form_submit_button(t("enable_user")) and who:
        data.set_active(viewer, who, True)
        st.rerun()

with st.form("admin_reset_password"):
    who = st.selectbox(t("reset_password"), list(users["username"]), key="admin_reset_user")
    if st.form_submit_button(t("reset_password")) and who:
        st.session_state["admin_one_time"] = (who, auth.reset_password(viewer, who))
        st.rerun()
if one_time := st.session_state.pop("admin_one_time", None):
    st.success(t("one_time_password", user=one_time[0], password=one_time[1]))
with st.form("admin_subscribe"):  # who `cashless report send` mails the weekly review (needs an e-mail)
    st.markdown(f"**{t('subscribed')}**")
    subscribed = data.subscriptions(viewer)
    wanted = {
        row.username: st.checkbox(
            f"{row.username} <{row.email}>",
            value=subscribed.get(row.username, False),
            key=f"admin_subscribe_{row.username}",
        )
        for row in users[users["email"].notna()].itertuples()
    }
    if st.form_submit_button(t("subscribe_save")):
        data.save_subscriptions(viewer, wanted)
        st.success(t("subscribe_saved"))

st.subheader(t("audit"))
audit = data.audit_entries(viewer)
show_table(
    audit,
    {
        "at": "datetime",
        "username": "text",
        "action": "text",
        "office_code": "text",
        "rows": "int",
        "detail": "text",
    },
    "audit.csv",
    "admin_audit",
)

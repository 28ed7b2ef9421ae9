"""Sign-in for the app: local accounts (hashed passwords in the warehouse), or the company's OIDC
provider through st.login when `[auth]` is configured in .streamlit/secrets.toml (DESIGN §8).

The signed-in viewer lives in the session; every loader gets it, and the warehouse applies its scope.
"""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.i18n import t
from warehouse.access import Viewer

SESSION_KEY = "auth_viewer"


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def current_viewer() -> Viewer | None:
    """The signed-in viewer, after an OIDC sign-in is mapped to its account if need be."""
    viewer = st.session_state.get(SESSION_KEY)
    if viewer is None and oidc_configured() and st.user.is_logged_in:
        viewer = data.viewer_for_email(str(st.user.get("email", "")))
        if viewer is None:
            st.error(t("no_account_for_email", email=st.user.get("email", "?")))
            st.button(t("sign_out"), on_click=st.logout)
            st.stop()
        st.session_state[SESSION_KEY] = viewer
    return viewer


def sign_in_form() -> None:
    """The sign-in page; stops the script until someone signs in."""
    st.title(t("app_title"))
    if not data.has_users():
        st.warning(t("no_users"))
        st.stop()
    if oidc_configured():
        st.button(t("sign_in_sso"), on_click=st.login, type="primary")
    with st.form("auth_form"):
        username = st.text_input(t("username"), key="auth_username")
        password = st.text_input(t("password"), type="password", key="auth_password")
        submitted = st.form_submit_button(t("sign_in"), type="primary")
    if submitted:
        viewer = data.sign_in(username, password)
        if viewer is None:
            st.error(t("bad_login"))
        else:
            st.session_state[SESSION_KEY] = viewer
            st.rerun()
    st.stop()


def sign_out() -> None:
    st.session_state.pop(SESSION_KEY, None)
    if oidc_configured() and st.user.is_logged_in:
        st.logout()


def role_label(viewer: Viewer) -> str:
    return t(f"role_{viewer.role}", office=viewer.office_code or "")

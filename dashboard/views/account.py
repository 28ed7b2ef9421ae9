"""Tài khoản / My account: change one's own password."""

from __future__ import annotations

import streamlit as st

from dashboard import auth
from dashboard.i18n import t

viewer = auth.current_viewer()
st.title(t("account"))
st.caption(t("signed_in_as", user=viewer.username, role=auth.role_label(viewer)))
auth.password_changed_notice()
st.subheader(t("change_password"))
auth.password_form(viewer)

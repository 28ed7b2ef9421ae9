"""Streamlit entry: page config, shared sidebar (language, office, as-of date), then the pages."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `streamlit run` does not install us

from dashboard import data  # noqa: E402
from dashboard.i18n import t  # noqa: E402

st.set_page_config(page_title="Cashless", page_icon="⚡", layout="wide")

with st.sidebar:
    st.radio(
        "Ngôn ngữ / Language",
        ["vi", "en"],
        key="lang",
        horizontal=True,
        format_func=lambda v: {"vi": "Tiếng Việt", "en": "English"}[v],
    )

state = data.schema_state()
if state != "ok":
    st.title(t("app_title"))
    st.warning(t(state, url=data.engine().url.render_as_string(hide_password=True)))
    st.stop()

pages = [
    st.Page(Path(__file__).parent / "views" / "overview.py", title=t("overview"), icon="📊", default=True)
]
st.navigation(pages).run()

"""Streamlit entry: page config, sign-in, the sidebar shared by all pages (language, office, as-of day),
then the pages."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `streamlit run` does not install us

from cashless.formatting import fmt_date  # noqa: E402
from dashboard import auth, data, filters  # noqa: E402
from dashboard.i18n import LANGUAGES, lang, t  # noqa: E402
from warehouse.access import Viewer  # noqa: E402
from warehouse.db import shown_url  # noqa: E402

VIEWS = Path(__file__).parent / "views"

st.set_page_config(page_title="Cashless", page_icon="⚡", layout="wide")
filters.read_link()  # before the language switch and the sign-in: a link's view survives the form

with st.sidebar:
    st.radio(
        "Ngôn ngữ / Language",
        LANGUAGES,
        key=filters.LANG_KEY,
        horizontal=True,
        format_func=lambda v: {"vi": "Tiếng Việt", "en": "English"}[v],
    )

state = data.schema_state()
if state != "ok":
    st.title(t("app_title"))
    st.warning(t(state, url=shown_url(data.engine())))
    st.stop()

viewer = auth.require_viewer()  # re-read on every run; draws the sign-in and stops when signed out

with st.sidebar:
    st.caption(t("signed_in_as", user=viewer.username, role=auth.role_label(viewer)))
    st.button(t("sign_out"), on_click=auth.sign_out, key="auth_sign_out")
filters.draw(viewer)
if stale := data.stale_from():
    st.sidebar.warning(t("stale", day=fmt_date(stale, lang())))


def page(name: str, icon: str, **options) -> st.Page:
    return st.Page(VIEWS / f"{name}.py", title=t(name), icon=icon, url_path=name, **options)


def pages_for(viewer: Viewer) -> dict[str, list[st.Page]]:
    """The pages by section that `viewer` may open."""
    return {
        t("section_tracking"): [
            page("overview", ":material/monitoring:", default=True),
            page("targets", ":material/flag:"),
            page("channels", ":material/account_balance:"),
            page("weekly", ":material/summarize:"),
        ],
        t("section_outreach"): [page("model", ":material/model_training:")]
        + ([page("outreach", ":material/groups:")] if viewer.can("outreach") else []),
        t("section_data"): [page("data_quality", ":material/fact_check:")]
        + ([page("admin", ":material/manage_accounts:")] if viewer.can("manage_users") else [])
        + [page("account", ":material/password:")],
    }


current = st.navigation(pages_for(viewer))
if current.url_path not in filters.COMMUNE_PAGES:
    filters.set_params(commune=None)  # only a page that picks a commune keeps one in the address
current.run()

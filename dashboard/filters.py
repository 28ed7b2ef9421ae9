"""The sidebar filters shared by all pages (office, as-of day), set by the router, read by the pages."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import data
from dashboard.auth import current_viewer
from dashboard.i18n import t
from warehouse.access import Viewer

OFFICE_KEY = "filter_office"
AS_OF_KEY = "filter_as_of"
PROVINCE = "ALL"


def draw(viewer: Viewer) -> None:
    """Office and as-of pickers in the sidebar; a manager's office is fixed to their own."""
    names = data.office_names(viewer)
    choices = list(names) if viewer.office_code else [PROVINCE, *names]
    if st.session_state.get(OFFICE_KEY) not in choices:
        st.session_state[OFFICE_KEY] = choices[0]
    st.sidebar.selectbox(
        t("office"),
        choices,
        key=OFFICE_KEY,
        format_func=lambda code: t("all_offices") if code == PROVINCE else f"{names[code]} ({code})",
        disabled=len(choices) == 1,
    )
    first, last = data.data_period()
    if last is None:
        return
    if not first <= st.session_state.get(AS_OF_KEY, last) <= last:
        st.session_state[AS_OF_KEY] = last
    st.session_state.setdefault(AS_OF_KEY, last)
    st.sidebar.date_input(t("as_of"), min_value=first, max_value=last, format="DD/MM/YYYY", key=AS_OF_KEY)


def office() -> str | None:
    """The picked office code, or None for the whole province."""
    code = st.session_state.get(OFFICE_KEY, PROVINCE)
    return None if code == PROVINCE else code


def as_of() -> dt.date | None:
    """The picked day (default: the last day with data); None when nothing is loaded."""
    return st.session_state.get(AS_OF_KEY) or data.data_period()[1]


def start_page(title_key: str) -> tuple[Viewer, dt.date, dt.date]:
    """The page title, and the viewer with the data's first and last day; stops with a hint when
    nothing is loaded yet."""
    st.title(t(title_key))
    first, last = data.data_period()
    if last is None:
        st.info(t("no_data"))
        st.stop()
    return current_viewer(), first, last

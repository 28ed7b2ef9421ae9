"""The sidebar filters shared by all pages (office, as-of day), set by the router, read by the pages,
and the address that links to a view: ?office=CODE&as_of=YYYY-MM-DD&lang=vi|en, plus &commune=NAME on
the pages that pick communes (the overview of one office: one; outreach: one or more, repeated). The address is read once per session, kept through the sign-in form, applied
within the viewer's scope (a manager's own office wins), then kept in step with the filters."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from cashless.texts import LANGUAGES
from dashboard import data
from dashboard.auth import current_viewer
from dashboard.i18n import t
from warehouse.access import Viewer

OFFICE_KEY = "filter_office"
AS_OF_KEY = "filter_as_of"
LINK_KEY = "filter_link"  # the view the address asked for, until it is applied once signed in
COMMUNE_LINK_KEY = "filter_link_commune"  # the commune it asked for, for the page of this run only
LANG_KEY = "lang"  # the language switch's widget key (set by the router)
PARAMS = ("office", "as_of", "commune", "lang")
COMMUNE_PAGES = {"overview", "outreach"}  # the pages that read and write ?commune=
PROVINCE = "ALL"


def read_link() -> None:
    """On a session's first run, keep the view its address asks for; the language applies at once
    (the sign-in page has the switch too), the rest once someone has signed in."""
    if LINK_KEY in st.session_state:
        return
    link = {name: st.query_params[name] for name in PARAMS if name in st.query_params}
    link["commune"] = st.query_params.get_all("commune")
    if link.get("lang") in LANGUAGES:
        st.session_state[LANG_KEY] = link["lang"]
    st.session_state[LINK_KEY] = link


def _day(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:  # a mistyped address: the default day
        return None


def set_params(**values: str | list[str] | None) -> None:
    """Write `values` to the address (None or [] removes one; a list repeats it), touching only those
    that changed."""
    for name, value in values.items():
        if not value:
            if name in st.query_params:
                del st.query_params[name]
        elif st.query_params.get_all(name) != ([value] if isinstance(value, str) else value):
            st.query_params[name] = value


def draw(viewer: Viewer) -> None:
    """Office and as-of pickers in the sidebar, first set from the address if it asked for a view;
    a manager's office is fixed to their own. The address then follows the pickers."""
    link = st.session_state.get(LINK_KEY) or {}
    st.session_state[LINK_KEY] = {}  # applied now, in this viewer's scope
    st.session_state[COMMUNE_LINK_KEY] = link.get("commune", [])
    names = data.office_names(viewer)
    choices = list(names) if viewer.office_code else [PROVINCE, *names]
    if link.get("office") in choices:
        st.session_state[OFFICE_KEY] = link["office"]
    if st.session_state.get(OFFICE_KEY) not in choices:
        st.session_state[OFFICE_KEY] = choices[0]
    st.sidebar.selectbox(
        t("office"),
        choices,
        key=OFFICE_KEY,
        format_func=lambda code: t("all_offices") if code == PROVINCE else f"{names[code]} ({code})",
        disabled=len(choices) == 1,
    )
    picked = office()
    set_params(office=picked, lang=st.session_state.get(LANG_KEY, "vi"))
    if picked is None:
        set_params(commune=None)  # communes are picked within one office
    first, last = data.data_period()
    if last is None:
        return
    if (wanted := _day(link.get("as_of"))) is not None:
        st.session_state[AS_OF_KEY] = min(max(wanted, first), last)
    if not first <= st.session_state.get(AS_OF_KEY, last) <= last:
        st.session_state[AS_OF_KEY] = last
    st.session_state.setdefault(AS_OF_KEY, last)
    st.sidebar.date_input(t("as_of"), min_value=first, max_value=last, format="DD/MM/YYYY", key=AS_OF_KEY)
    set_params(as_of=st.session_state[AS_OF_KEY].isoformat())


def linked_communes() -> list[str]:
    """The commune names the address asked for, on the run that applies it (else none)."""
    return list(st.session_state.get(COMMUNE_LINK_KEY) or [])


def linked_commune(names: dict[int, str]) -> int | None:
    """The id of the first commune the address asked for (by name, in `names`), on the run that applies it."""
    wanted = linked_communes()
    return next((cid for cid, name in names.items() if name and name in wanted), None)


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

"""The app's language: the sidebar's choice applied to the one text table (cashless.texts)."""

from __future__ import annotations

import streamlit as st

from cashless.texts import LANGUAGES, TEXT, text

__all__ = ["LANGUAGES", "TEXT", "lang", "t"]


def lang() -> str:
    """The language picked in the sidebar (Vietnamese unless switched)."""
    return st.session_state.get("lang", "vi")


def t(key: str, language: str | None = None, **values) -> str:
    """Text for `key` in `language` (default: the sidebar's), with {placeholders} filled."""
    return text(TEXT, key, language or lang(), **values)

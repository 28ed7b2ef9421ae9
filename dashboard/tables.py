"""Tables and charts drawn the same way on every page: Vietnamese number formats, sortable, downloadable."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cashless.formatting import (
    fmt_date,
    fmt_datetime,
    fmt_decimal,
    fmt_int,
    fmt_month,
    fmt_points,
    fmt_rate,
    fmt_signed_int,
)
from dashboard.i18n import lang, t

FORMATS = {
    "int": fmt_int,
    "signed": fmt_signed_int,
    "rate": fmt_rate,
    "points": fmt_points,
    "date": fmt_date,
    "datetime": fmt_datetime,
    "month": fmt_month,
    "decimal": fmt_decimal,
}


def show_table(frame: pd.DataFrame, columns: dict[str, str], file_name: str, key: str) -> None:
    """Show `columns` (name -> a FORMATS key or text) with translated headers and a CSV download.

    Cells are formatted for the language, while sorting and the download keep the real values.
    """
    shown = frame[list(columns)].rename(columns={c: t(c) for c in columns})
    texts = [t(c) for c, kind in columns.items() if kind == "text"]
    shown[texts] = shown[texts].astype(object).where(shown[texts].notna(), "")
    formatters = {
        t(c): (lambda v, f=FORMATS[kind]: "" if pd.isna(v) else f(v, lang()))
        for c, kind in columns.items()
        if kind in FORMATS
    }
    st.dataframe(shown.style.format(formatters), hide_index=True, key=f"{key}_table")
    st.download_button(
        t("download_csv"),
        shown.to_csv(index=False).encode("utf-8-sig"),
        file_name=file_name,
        mime="text/csv",
        key=f"{key}_download",
    )

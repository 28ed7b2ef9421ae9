"""Tables and charts drawn the same way on every page: Vietnamese number formats, sortable, downloadable
as Excel (real numbers, number formats, frozen header) and as CSV for Vietnamese Excel."""

from __future__ import annotations

import io
import re

import pandas as pd
import streamlit as st
import xlsxwriter

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

# Excel number formats for the same kinds. Format codes are written in Excel's own notation (`,` groups
# thousands, `.` marks decimals) and Excel shows them with the reader's regional separators: Vietnamese
# Excel shows 209.581 and 76,64%. Rates and points stay fractions (sums and charts work on them).
EXCEL_FORMATS = {
    "int": "#,##0",
    "signed": "+#,##0;-#,##0;0",
    "rate": "0.00%",
    "points": "+0.00%;-0.00%;0.00%",
    "decimal": "#,##0.000",
}
EXCEL_DATES = {  # (Vietnamese, English) like fmt_date, fmt_datetime, fmt_month
    "date": ("dd/mm/yyyy", "yyyy-mm-dd"),
    "datetime": ("dd/mm/yyyy hh:mm", "yyyy-mm-dd hh:mm"),
    "month": ("mm/yyyy", "yyyy-mm"),
}
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes(
    shown: pd.DataFrame, kinds: dict[str, str], language: str = "vi", sheet: str = "Sheet1"
) -> bytes:
    """An Excel workbook of `shown` (header -> kind in `kinds`): real numbers and dates with number
    formats, text as text (never a formula), a frozen header row with filters."""
    buffer = io.BytesIO()
    options = {
        "in_memory": True,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "remove_timezone": True,
    }
    with xlsxwriter.Workbook(buffer, options) as book:
        worksheet = book.add_worksheet(re.sub(r"[\[\]:*?/\\]", "_", sheet)[:31] or "Sheet1")
        header = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "bottom": 1})
        for number, name in enumerate(shown.columns):
            kind = kinds.get(name, "text")
            code = EXCEL_FORMATS.get(kind) or EXCEL_DATES.get(kind, ("@", "@"))[language != "vi"]
            column = shown[name]
            values = column.astype(object).where(column.notna(), None).tolist()
            text_width = column.astype(str).str.len().max() if kind == "text" and len(column) else 0
            worksheet.set_column(number, number, min(max(len(str(name)) + 2, 12, text_width + 2), 60))
            worksheet.write_string(0, number, str(name), header)
            worksheet.write_column(1, number, values, book.add_format({"num_format": code}))
        worksheet.freeze_panes(1, 0)
        worksheet.autofilter(0, 0, len(shown), max(len(shown.columns) - 1, 0))
    return buffer.getvalue()


def csv_bytes(shown: pd.DataFrame) -> bytes:
    """CSV that Excel with Vietnamese regional settings opens in columns: there `,` is the decimal mark,
    so the list separator is `;`; decimals are written with `,`; UTF-8 with a BOM so that Excel reads the
    accents. (Dates stay ISO, which Excel reads in any locale; the Excel download is locale-proof.)"""
    return shown.to_csv(index=False, sep=";", decimal=",").encode("utf-8-sig")


def show_table(frame: pd.DataFrame, columns: dict[str, str], file_name: str, key: str) -> None:
    """Show `columns` (name -> a FORMATS key or text) with translated headers, and Excel and CSV downloads.

    Cells are formatted for the language, while sorting and the downloads keep the real values; the
    files are built only when their button is clicked.
    """
    shown = frame[list(columns)].rename(columns={c: t(c) for c in columns})
    texts = [t(c) for c, kind in columns.items() if kind == "text"]
    shown[texts] = shown[texts].astype(object).where(shown[texts].notna(), "")
    language = lang()
    formatters = {
        t(c): (lambda v, f=FORMATS[kind]: "" if pd.isna(v) else f(v, language))
        for c, kind in columns.items()
        if kind in FORMATS
    }
    st.dataframe(shown.style.format(formatters), hide_index=True, key=f"{key}_table")
    kinds = {t(c): kind for c, kind in columns.items()}
    stem = file_name.rsplit(".", 1)[0]
    excel, csv, _ = st.columns([1, 1, 4])
    excel.download_button(
        t("download_xlsx"),
        lambda: xlsx_bytes(shown, kinds, language, stem),
        file_name=f"{stem}.xlsx",
        mime=XLSX_MIME,
        on_click="ignore",
        key=f"{key}_xlsx",
    )
    csv.download_button(
        t("download_csv"),
        lambda: csv_bytes(shown),
        file_name=file_name,
        mime="text/csv",
        on_click="ignore",
        key=f"{key}_download",
    )

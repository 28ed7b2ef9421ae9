"""The table downloads: the Excel file holds real numbers with number formats under a frozen header,
and the CSV opens in columns in Excel set to Vietnamese."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import openpyxl
import pandas as pd

from dashboard.tables import csv_bytes, xlsx_bytes

SHOWN = pd.DataFrame(
    {
        "Điện lực": ["Điện lực Yên Sơn", "=1+1"],  # a formula-looking name stays text
        "Khách hàng": [209581, 12],
        "Tỷ lệ": [0.7664, np.nan],
        "Thay đổi": [-3, 5],
        "Ngày": [dt.date(2025, 2, 28), dt.date(2025, 1, 31)],
    }
)
KINDS = {"Điện lực": "text", "Khách hàng": "int", "Tỷ lệ": "rate", "Thay đổi": "signed", "Ngày": "date"}


def _sheet(language: str = "vi"):
    return openpyxl.load_workbook(io.BytesIO(xlsx_bytes(SHOWN, KINDS, language, "kpi_PA1102"))).active


def test_excel_holds_numbers_with_number_formats():
    sheet = _sheet()
    assert sheet.title == "kpi_PA1102"
    assert [c.value for c in sheet[1]] == list(SHOWN.columns)
    customers, rate, change, day = sheet["B2"], sheet["C2"], sheet["D2"], sheet["E2"]
    assert (customers.value, customers.data_type, customers.number_format) == (209581, "n", "#,##0")
    assert (rate.value, rate.number_format) == (0.7664, "0.00%")  # Vietnamese Excel shows 76,64%
    assert (change.value, change.number_format) == (-3, "+#,##0;-#,##0;0")
    assert day.value == dt.datetime(2025, 2, 28) and day.number_format == "dd/mm/yyyy"
    assert sheet["C3"].value is None  # a missing rate is an empty cell, not NaN or 0
    assert (sheet["A3"].value, sheet["A3"].data_type) == ("=1+1", "s")
    assert _sheet("en")["E2"].number_format == "yyyy-mm-dd"


def test_excel_header_is_frozen_bold_and_filtered():
    sheet = _sheet()
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.auto_filter.ref == "A1:E3"


def test_csv_is_semicolon_separated_utf8_with_bom_and_decimal_commas():
    content = csv_bytes(SHOWN)
    assert content.startswith(b"\xef\xbb\xbf")  # Excel reads the accents only with the BOM
    lines = content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Điện lực;Khách hàng;Tỷ lệ;Thay đổi;Ngày"
    assert lines[1] == "Điện lực Yên Sơn;209581;0,7664;-3;2025-02-28"
    assert pd.read_csv(io.BytesIO(content), sep=";", decimal=",", encoding="utf-8-sig")["Tỷ lệ"][0] == 0.7664

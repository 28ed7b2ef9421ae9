"""The value parsers of DESIGN §3: accepted forms load, everything else gets a reason."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cashless.text import fold_text
from etl.parse import parse_amounts, parse_customer_types, parse_dates, parse_periods


def _one(parser, value, **kwargs):
    values, errors = parser(pd.Series([value], dtype=object), **kwargs)
    return values.iloc[0], errors.iloc[0]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("05/03/2025", dt.date(2025, 3, 5)),  # dd/mm, never mm/dd
        ("5/3/2025", dt.date(2025, 3, 5)),
        ("13/01/2025", dt.date(2025, 1, 13)),
        ("2025-03-05", dt.date(2025, 3, 5)),
        (" 05/03/2025 ", dt.date(2025, 3, 5)),
        ("05/03/2025 14:30:00", dt.date(2025, 3, 5)),
        (dt.datetime(2025, 3, 5, 0, 0), dt.date(2025, 3, 5)),  # an Excel date cell
        (dt.date(2025, 3, 5), dt.date(2025, 3, 5)),
    ],
)
def test_accepted_dates(text, expected):
    value, error = _one(parse_dates, text, required=True)
    assert error is None
    assert value.date() == expected


@pytest.mark.parametrize("text", ["31/02/2024", "01/13/2025", "2025/03/05", "abc", "05-03-2025", "45000"])
def test_rejected_dates_name_the_value(text):
    value, error = _one(parse_dates, text, required=True)
    assert pd.isna(value)
    assert text in error


@pytest.mark.parametrize("value", ["0000-01-01", "01/01/0202", "31/12/2101", dt.datetime(1899, 12, 30)])
def test_dates_outside_1900_2100_are_rejected(value):
    parsed, error = _one(parse_dates, value, required=False)
    assert pd.isna(parsed)
    assert error == f"date outside 1900-2100: '{value}'"


def test_empty_date_is_an_error_only_when_required():
    assert _one(parse_dates, "", required=True)[1] == "required date is empty"
    assert _one(parse_dates, "", required=False)[1] is None


@pytest.mark.parametrize("text", ["1234567", "1.234.567", "1,234,567", "1 234 567", "1\u00a0234\u00a0567"])
def test_accepted_amounts(text):
    assert _one(parse_amounts, text) == (1_234_567, None)


@pytest.mark.parametrize(
    "text, reason",
    [
        ("-50.000", "not a VND amount"),
        ("abc", "not a VND amount"),
        ("12.34", "not a VND amount"),
        ("1.234,567", "not a VND amount"),  # mixed separators
        ("1.23.456", "not a VND amount"),
        ("0", "greater than 0"),
        ("", "required amount is empty"),
        ("=1+1", "not a VND amount"),
    ],
)
def test_rejected_amounts(text, reason):
    assert reason in _one(parse_amounts, text)[1]


@pytest.mark.parametrize("text", ["202503", "2025-03", "03/2025", "3/2025", "2025-3"])
def test_accepted_periods(text):
    assert _one(parse_periods, text) == (202503, None)


def test_an_excel_date_cell_is_the_month_it_shows():
    assert _one(parse_periods, dt.datetime(2025, 3, 1)) == (202503, None)
    assert _one(parse_periods, dt.date(2025, 3, 15)) == (202503, None)
    assert "'1999-12-01'" in _one(parse_periods, dt.date(1999, 12, 1))[1]


@pytest.mark.parametrize("text", ["202513", "2025", "13/2025", "march", ""])
def test_rejected_periods(text):
    assert "not a bill period" in _one(parse_periods, text)[1]


def test_customer_types_in_both_languages():
    values, errors = parse_customer_types(
        pd.Series(["sinh hoạt", "Sinh hoat", "kinh doanh", "cơ quan", "", "public", "xyz"])
    )
    assert values.tolist() == ["residential", "residential", "business", "public", "other", "public", "other"]
    assert errors.iloc[-1] == "unknown customer type: 'xyz'"
    assert errors.iloc[:-1].isna().all()


def test_channel_names_fold_case_accents_and_spaces():
    assert fold_text("  Thu  tại QUẦY ") == fold_text("thu tai quay") == "thu tai quay"
    assert fold_text("Trích nợ tự động") == "trich no tu dong"
    assert fold_text("Bưu điện") == fold_text("BUU DIEN")

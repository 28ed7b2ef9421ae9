"""Number and date formats for people: Vietnamese first (209.581, 76,64%, 28/02/2025), English on request."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

LOCALES = {"vi": "vi_VN", "en": "en_US"}


def fmt_int(value: float | int, lang: str = "vi") -> str:
    return format_decimal(int(round(value)), format="#,##0", locale=LOCALES[lang])


def fmt_rate(value: float, lang: str = "vi") -> str:
    """A fraction as a percentage with two decimals (Babel's default pattern would round to 77%)."""
    return format_percent(value, format="#,##0.00%", locale=LOCALES[lang])


def fmt_date(value: dt.date, lang: str = "vi") -> str:
    return format_date(value, format="dd/MM/yyyy" if lang == "vi" else "yyyy-MM-dd", locale=LOCALES[lang])


def fmt_datetime(value: dt.datetime, lang: str = "vi") -> str:
    """A moment to the minute: 25/11/2026 09:39."""
    return f"{fmt_date(value, lang)} {value:%H:%M}"


def fmt_month(value: dt.date, lang: str = "vi") -> str:
    """A month: 02/2025 (Vietnamese) or 2025-02."""
    return f"{value:%m/%Y}" if lang == "vi" else f"{value:%Y-%m}"


def fmt_signed_int(value: float | int, lang: str = "vi") -> str:
    """A change in a count: +309, −12, 0."""
    number = int(round(value))
    return ("+" if number > 0 else "") + fmt_int(number, lang)


def fmt_points(value: float, lang: str = "vi") -> str:
    """A change in a rate, in percentage points with two decimals: +0,06 điểm % / +0.06 pts."""
    rounded = round(value * 100, 2) or 0.0  # no "-0,00"
    points = format_decimal(rounded, format="+#,##0.00;-#,##0.00", locale=LOCALES[lang])
    return f"{points} {'điểm %' if lang == 'vi' else 'pts'}"


def fmt_decimal(value: float, lang: str = "vi", digits: int = 3) -> str:
    """A plain number with `digits` decimals: 0,732 (Vietnamese) or 0.732."""
    return format_decimal(value, format="#,##0." + "0" * digits, locale=LOCALES[lang])

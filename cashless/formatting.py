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

"""Epoch days: dates as integers counted from 1970-01-01, the one day arithmetic of the project.

Snapshots, metrics, the loader and the model's features work on these integers (cheap to sort, pack
and compare); this module turns dates into them and back, in Python, numpy and SQL alike.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # numpy and pandas only at run time: the loader's helper process imports this
    from sqlalchemy import Connection

EPOCH = dt.date(1970, 1, 1)
NO_END = np.int64(10**7)  # epoch day far beyond any contract: "still active"


def epoch(day: dt.date) -> int:
    """A date as days since 1970-01-01."""
    return (day - EPOCH).days


def from_epoch(day) -> dt.date:
    """Days since 1970-01-01 (any integer, numpy's too) -> a date."""
    return EPOCH + dt.timedelta(days=int(day))


def to_epoch_days(values: pd.Series, missing: int = NO_END) -> np.ndarray:
    """Dates as read from either driver (ISO text or date objects) -> epoch-day integers; NULL -> `missing`."""
    days = pd.to_datetime(values).to_numpy().astype("datetime64[D]")
    out = days.astype(np.int64)
    out[np.isnat(days)] = missing
    return out


def _short_range(days: np.ndarray) -> tuple[int, int] | None:
    """First day and span of `days` when the range is short enough to index (a monthly file's
    chunk, a refresh's days): then a lookup or a count over it is linear where np.unique sorts."""
    if not len(days):
        return None
    first = int(days.min())
    span = int(days.max()) - first + 1
    return (first, span) if span <= max(len(days), 4096) else None


def distinct_days(days: np.ndarray) -> np.ndarray:
    """The distinct epoch days among `days`, sorted."""
    days = np.asarray(days, dtype=np.int64)
    short = _short_range(days)
    if short is None:
        return np.unique(days)
    first, span = short
    return np.flatnonzero(np.bincount(days - first, minlength=span)) + first


def iso_days(days: np.ndarray) -> np.ndarray:
    """Epoch-day integers -> 'YYYY-MM-DD' text objects, each day formatted once."""
    days = np.asarray(days, dtype=np.int64)
    short = _short_range(days)
    if short is None:
        distinct, positions = np.unique(days, return_inverse=True)
        return distinct.astype("datetime64[D]").astype(str).astype(object)[positions]
    first, span = short
    every_day = np.arange(first, first + span).astype("datetime64[D]").astype(str).astype(object)
    return every_day[days - first]


def epoch_day_sql(conn: Connection, column: str) -> str:
    """SQL expression: the date `column` as days since 1970-01-01 (an integer on both databases)."""
    if conn.dialect.name == "sqlite":
        return f"CAST(julianday({column}) - 2440587.5 AS INTEGER)"
    return f"({column} - DATE '1970-01-01')"


def month_sql(conn: Connection, column: str) -> str:
    """SQL expression: the month of the date `column` as 'YYYY-MM' text, on both databases."""
    if conn.dialect.name == "sqlite":
        return f"substr({column}, 1, 7)"
    return f"to_char({column}, 'YYYY-MM')"

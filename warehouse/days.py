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


def iso_days(days: np.ndarray) -> np.ndarray:
    """Epoch-day integers -> 'YYYY-MM-DD' text objects, formatted once per distinct day."""
    distinct, positions = np.unique(np.asarray(days, dtype=np.int64), return_inverse=True)
    return distinct.astype("datetime64[D]").astype(str).astype(object)[positions]


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

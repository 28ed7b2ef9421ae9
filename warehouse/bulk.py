"""Bulk writes through the database driver: sqlite3 executemany of tuples, PostgreSQL COPY (DESIGN §2)."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from warehouse.db import driver_connection, is_sqlite


def iso_dates(values: pd.Series) -> pd.Series:
    """datetime64 -> 'YYYY-MM-DD' text (None for NaT), formatted once per distinct day."""
    days = values.dt.normalize()
    distinct = pd.unique(days.dropna())
    mapping = {day: pd.Timestamp(day).strftime("%Y-%m-%d") for day in distinct}
    return days.map(mapping).astype(object).where(days.notna(), None)


def bulk_insert(conn: Connection, table: str, frame: pd.DataFrame, on_conflict: str = "") -> None:
    """Append `frame` (columns named as the table's; dates already ISO text) to `table`.

    `on_conflict` (an ON CONFLICT clause) is only possible on SQLite, whose path is an INSERT.
    """
    if frame.empty:
        return
    columns = list(frame.columns)
    raw = driver_connection(conn)
    if is_sqlite(conn):
        placeholders = ", ".join("?" for _ in columns)
        rows = zip(*(_python_values(frame[c]) for c in columns))
        raw.cursor().executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders}) {on_conflict}", rows
        )
        return
    if on_conflict:
        raise ValueError("COPY cannot resolve conflicts: stage the rows and merge them")
    with raw.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT text)") as copy:
        copy.write(copy_text(frame))


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(frame: pd.DataFrame) -> str:
    """`frame` in COPY's text format: tab-separated lines, \\N for NULL, backslash escapes in the data.

    Data with no backslash, tab or line break (the usual case) is written as it is, checked cheaply.
    """
    try:
        text = _tab_separated(frame)
        if "\r" not in text and text.count("\\") == frame.isna().to_numpy().sum():  # only the \\N
            return text
    except csv.Error:  # a tab or a line break in the data
        pass
    return _tab_separated(frame.apply(_copy_escaped))


def _tab_separated(frame: pd.DataFrame) -> str:
    return frame.to_csv(
        sep="\t", header=False, index=False, na_rep="\\N", lineterminator="\n", quoting=csv.QUOTE_NONE
    )


def _copy_escaped(values: pd.Series) -> pd.Series:
    if values.dtype.kind in "iufbmM" or pd.api.types.infer_dtype(values, skipna=True) != "string":
        return values
    return values.str.translate(_COPY_ESCAPES)


def _python_values(values: pd.Series) -> list:
    """Plain Python objects for sqlite3 (it cannot bind numpy scalars); NaN/None -> None."""
    if values.dtype.kind in "iub":
        return values.tolist()
    out = values.astype(object)
    return out.where(values.notna(), None).tolist() if values.hasnans else out.tolist()


def fetch_frame(
    conn: Connection, sql: str, params: dict | None = None, columns: list[str] | None = None
) -> pd.DataFrame:
    """Run a raw SQL query through the driver and return a DataFrame (fast path for big reads).

    `sql` uses SQLAlchemy-style :name parameters; they are translated for the driver.
    """
    from sqlalchemy import text

    statement = text(sql)
    used = {name: value for name, value in (params or {}).items() if name in statement._bindparams}
    compiled = statement.bindparams(**used).compile(
        dialect=conn.dialect, compile_kwargs={"literal_binds": False}
    )
    cursor = driver_connection(conn).cursor()
    values = compiled.params
    if is_sqlite(conn):
        values = {name: _sqlite_value(value) for name, value in values.items()}
    if compiled.positional:
        cursor.execute(str(compiled), [values[name] for name in compiled.positiontup])
    else:
        cursor.execute(str(compiled), values)
    names = columns or [d[0] for d in cursor.description]
    chunks = []
    while True:
        rows = cursor.fetchmany(500_000)
        if not rows:
            break
        chunks.append(pd.DataFrame.from_records(rows, columns=names))
    cursor.close()
    if not chunks:
        return pd.DataFrame(columns=names)
    return pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]


def _sqlite_value(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def epoch_day(conn: Connection, column: str) -> str:
    """SQL expression: the date `column` as days since 1970-01-01 (an integer on both databases)."""
    if is_sqlite(conn):
        return f"CAST(julianday({column}) - 2440587.5 AS INTEGER)"
    return f"({column} - DATE '1970-01-01')"


def days_to_dates(days: pd.Series | np.ndarray) -> pd.Series:
    """Epoch-day integers -> datetime64[s]."""
    return pd.Series(np.asarray(days, dtype="int64").astype("datetime64[D]").astype("datetime64[s]"))


def to_epoch_days(values: pd.Series, missing: int = 10**7) -> np.ndarray:
    """Dates as read from either driver (ISO text or date objects) -> epoch-day integers; NULL -> `missing`."""
    days = pd.to_datetime(values).to_numpy().astype("datetime64[D]")
    out = days.astype(np.int64)
    out[np.isnat(days)] = missing
    return out

"""Bulk writes through the database driver: sqlite3 executemany of tuples, PostgreSQL COPY (DESIGN §2)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals
from sqlalchemy import Connection

from warehouse.days import iso_days
from warehouse.db import driver_connection, is_sqlite


def iso_dates(values: pd.Series) -> pd.Series:
    """datetime64 -> 'YYYY-MM-DD' text (None for NaT), formatted once per distinct day."""
    days = values.dt.normalize()
    distinct = pd.unique(days.dropna())
    mapping = {day: pd.Timestamp(day).strftime("%Y-%m-%d") for day in distinct}
    return days.map(mapping).astype(object).where(days.notna(), None)


def bulk_days(conn: Connection, days: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Epoch days as the bulk path writes a date column: ISO text objects for sqlite3 (kept as
    objects, which pandas would make Arrow text), Arrow dates for COPY (which formats them itself,
    with no Python object per row)."""
    if is_sqlite(conn):
        return pd.array(iso_days(days), dtype=object)
    import pyarrow as pa

    return pd.arrays.ArrowExtensionArray(pa.array(np.asarray(days, dtype=np.int32)).view(pa.date32()))


TUPLES_AT_ONCE = 500_000  # rows turned into Python tuples per executemany (bounds their memory)


def bulk_insert(conn: Connection, table: str, frame: pd.DataFrame) -> None:
    """Append `frame` (columns named as the table's; dates already ISO text) to `table`."""
    if frame.empty:
        return
    with closing(driver_connection(conn).cursor()) as cursor:
        _write(conn, cursor, table, frame)


def _write(conn: Connection, cursor, table: str, frame: pd.DataFrame) -> None:
    """executemany of plain Python tuples on SQLite, COPY on PostgreSQL."""
    if is_sqlite(conn):
        columns = list(frame.columns)
        placeholders = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"
        for start in range(0, len(frame), TUPLES_AT_ONCE):  # Python objects for a slice at a time
            part = frame.iloc[start : start + TUPLES_AT_ONCE]
            cursor.executemany(sql, zip(*(_python_values(part[c]) for c in columns)))
    else:
        _copy(cursor, table, frame)


def insert_if_new(conn: Connection, table: str, frame: pd.DataFrame) -> bool:
    """Append `frame` to `table` unless one of its keys exists: then write nothing and return False.

    The insert (executemany or COPY) runs under a savepoint, so a unique violation only undoes this
    attempt and the caller can fall back to staging and merging.
    """
    driver = driver_connection(conn)
    unique_violation = _unique_violation(conn)
    with closing(driver.cursor()) as cursor:
        cursor.execute("SAVEPOINT insert_if_new")
        try:
            _write(conn, cursor, table, frame)
        except unique_violation as error:
            if is_sqlite(conn) and "UNIQUE" not in str(error):
                raise
            cursor.execute("ROLLBACK TO SAVEPOINT insert_if_new")
            cursor.execute("RELEASE SAVEPOINT insert_if_new")
            return False
        cursor.execute("RELEASE SAVEPOINT insert_if_new")
    return True


def _unique_violation(conn: Connection) -> type[Exception]:
    if is_sqlite(conn):
        import sqlite3

        return sqlite3.IntegrityError
    from psycopg import errors

    return errors.UniqueViolation


@dataclass(frozen=True)
class CopyRows:
    """A frame made into PostgreSQL COPY data, apart from sending it (so it can be made on a thread)."""

    columns: tuple[str, ...]
    data: io.BytesIO


def copy_rows(frame: pd.DataFrame) -> CopyRows:
    """COPY data in CSV written by Arrow (an order of magnitude faster than DataFrame.to_csv).

    Arrow quotes every string, so an empty string stays '' and only a missing value is NULL. Arrow
    writes without Python's lock, so a thread can make one chunk's data while the server takes another.
    """
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    buffer = io.BytesIO()
    options = pa_csv.WriteOptions(include_header=False, quoting_style="needed")
    pa_csv.write_csv(pa.Table.from_pandas(frame, preserve_index=False), buffer, options)
    return CopyRows(tuple(frame.columns), buffer)


def send_copy(conn: Connection, table: str, rows: CopyRows) -> None:
    """Append rows made by `copy_rows` to `table` (PostgreSQL)."""
    with closing(driver_connection(conn).cursor()) as cursor:
        _send(cursor, table, rows)


def _copy(cursor, table: str, frame: pd.DataFrame) -> None:
    _send(cursor, table, copy_rows(frame))


def _send(cursor, table: str, rows: CopyRows) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(rows.columns)}) FROM STDIN WITH (FORMAT csv)") as copy:
        copy.write(rows.data.getbuffer())


def _python_values(values: pd.Series) -> list:
    """Plain Python objects for sqlite3 (it cannot bind numpy scalars); NaN/None -> None."""
    if values.dtype.kind in "iub":
        return values.tolist()
    out = values.astype(object)
    return out.where(values.notna(), None).tolist() if values.hasnans else out.tolist()


def fetch_frame(
    conn: Connection,
    sql: str,
    params: dict | None = None,
    columns: list[str] | None = None,
    categorical: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Run a raw SQL query through the driver and return a DataFrame (fast path for big reads).

    `sql` uses SQLAlchemy-style :name parameters; they are translated for the driver. `categorical`
    columns (a few distinct texts over many rows) are made categories chunk by chunk, so their
    text objects never all live at once.
    """
    with driver_cursor(conn, sql, params) as cursor:
        names = columns or [d[0] for d in cursor.description]
        chunks = [
            _categorised(pd.DataFrame.from_records(rows, columns=names), categorical)
            for rows in fetch_chunks(cursor)
        ]
    if not chunks:
        return pd.DataFrame(columns=names)
    if len(chunks) == 1:
        return chunks[0]
    # concat would turn categories that differ between chunks back into text objects
    frame = pd.concat([chunk.drop(columns=list(categorical)) for chunk in chunks], ignore_index=True)
    for column in categorical:
        frame[column] = union_categoricals([chunk[column] for chunk in chunks])
    return frame[names]


def _categorised(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    for column in columns:
        frame[column] = frame[column].astype("category")
    return frame


@contextmanager
def driver_cursor(conn: Connection, sql: str, params: dict | None = None) -> Iterator:
    """A driver cursor that has run `sql` (SQLAlchemy-style :name parameters, bound for the driver)."""
    from sqlalchemy import text

    statement = text(sql)
    used = {name: value for name, value in (params or {}).items() if name in statement._bindparams}
    compiled = statement.bindparams(**used).compile(
        dialect=conn.dialect, compile_kwargs={"literal_binds": False}
    )
    values = compiled.params
    if is_sqlite(conn):
        values = {name: _sqlite_value(value) for name, value in values.items()}
    with closing(driver_connection(conn).cursor()) as cursor:
        if compiled.positional:
            cursor.execute(str(compiled), [values[name] for name in compiled.positiontup])
        else:
            cursor.execute(str(compiled), values)
        yield cursor


def fetch_chunks(cursor, size: int = 500_000) -> Iterator[list]:
    """The cursor's rows, `size` at a time (bounds the Python tuples alive at once)."""
    while rows := cursor.fetchmany(size):
        yield rows


def _sqlite_value(value):
    return value.isoformat() if hasattr(value, "isoformat") else value

"""Bulk writes through the database driver: sqlite3 executemany of tuples, PostgreSQL COPY (DESIGN §2)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals
from sqlalchemy import BigInteger, Boolean, Connection, Date, Integer, SmallInteger, String

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
    format: str  # "binary" or "csv"
    blocks: tuple[bytes, ...]


def copy_rows(frame: pd.DataFrame, table: str) -> CopyRows:
    """COPY data for `table`: PostgreSQL's binary format where every column has an exact binary
    type in the warehouse's schema (the server then parses no text: measured 15-20 % less of its time
    per payment), else CSV. Both are written by Arrow libraries, with no Python object per row."""
    import pyarrow as pa

    arrow = pa.Table.from_pandas(frame, preserve_index=False)
    binary = _exact_cast(arrow, _binary_schema(table, tuple(frame.columns)))
    if binary is None:
        return CopyRows(tuple(frame.columns), "csv", (_csv(arrow),))
    from pgpq import ArrowToPostgresBinaryEncoder

    encoder = ArrowToPostgresBinaryEncoder(binary.schema)
    blocks = [
        encoder.write_header(),
        *(encoder.write_batch(b) for b in binary.to_batches()),
        encoder.finish(),
    ]
    return CopyRows(tuple(frame.columns), "binary", tuple(blocks))


def _exact_cast(arrow, schema):
    """`arrow` cast to `schema` where every value keeps its meaning; None where there is no schema or
    a value cannot be held exactly (2.5 for an integer, say): then the server parses it as text."""
    import pyarrow as pa

    if schema is None or not all(map(_same_meaning, arrow.schema.types, schema.types)):
        return None
    try:
        return arrow.cast(schema)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None


def _csv(arrow) -> bytes:
    """CSV by Arrow (an order of magnitude faster than DataFrame.to_csv). Arrow quotes every string,
    so an empty string stays '' and only a missing value is NULL."""
    import pyarrow.csv as pa_csv

    buffer = io.BytesIO()
    pa_csv.write_csv(arrow, buffer, pa_csv.WriteOptions(include_header=False, quoting_style="needed"))
    return buffer.getvalue()


@cache
def _binary_schema(table: str, columns: tuple[str, ...]):
    """The Arrow schema whose binary COPY form is `table`'s columns' on the server; None where the
    warehouse does not declare the table (a temporary one) or a column has no exact counterpart."""
    import pyarrow as pa

    from warehouse.schema import metadata

    declared = metadata.tables.get(table)
    if declared is None or not set(columns) <= set(declared.columns.keys()):
        return None
    fields = []
    for name in columns:
        kind = _arrow_type(declared.columns[name].type)
        if kind is None:
            return None
        fields.append(pa.field(name, kind, nullable=True))
    return pa.schema(fields)


def _same_meaning(source, target) -> bool:
    """Whether Arrow's cast keeps what a value means: it would also turn 2 into true, a date into a
    day count and '0x10' into 16, which the server refuses as text."""
    import pyarrow as pa

    if source == target or pa.types.is_null(source) or pa.types.is_string(target):
        return True
    if pa.types.is_integer(target):
        return pa.types.is_integer(source) or pa.types.is_floating(source)
    if pa.types.is_date(target):
        text = pa.types.is_string(source) or pa.types.is_large_string(source)
        return pa.types.is_date(source) or pa.types.is_timestamp(source) or text
    return False  # booleans from booleans only


def _arrow_type(column_type):
    """The Arrow type whose binary form PostgreSQL reads as `column_type` (int4, int8, date, text...);
    None for the rest, timestamps included (they keep the server's text rules for time zones)."""
    import pyarrow as pa

    for declared, arrow in (
        (BigInteger, pa.int64()),
        (SmallInteger, pa.int16()),
        (Integer, pa.int32()),
        (Date, pa.date32()),
        (String, pa.string()),
        (Boolean, pa.bool_()),
    ):
        if isinstance(column_type, declared):
            return arrow
    return None


def send_copy(conn: Connection, table: str, rows: CopyRows) -> None:
    """Append rows made by `copy_rows` to `table` (PostgreSQL)."""
    with closing(driver_connection(conn).cursor()) as cursor:
        _send(cursor, table, rows)


def _copy(cursor, table: str, frame: pd.DataFrame) -> None:
    _send(cursor, table, copy_rows(frame, table))


def _send(cursor, table: str, rows: CopyRows) -> None:
    columns = ", ".join(rows.columns)
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT {rows.format})") as copy:
        for block in rows.blocks:
            copy.write(block)


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

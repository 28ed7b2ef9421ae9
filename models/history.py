"""What the model reads from the warehouse: customers, payments by date range, status changes.

The I/O edge of the model. Payments are read by date range only (they have no customer index,
on purpose). Every query returns integers only, several packed into one BIGINT per row (see
_pack_sql): the drivers hand each value to Python as an object, so a payment read as two numbers
instead of five reads about twice as fast; the rows are unpacked chunk by chunk into compact numpy
columns (a 10x province's year of payments: 30 M rows, about 0.7 GB). Days are epoch-day integers.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from warehouse.bulk import driver_cursor, fetch_chunks, fetch_frame
from warehouse.channels import CATEGORIES
from warehouse.days import NO_END, epoch_day_sql
from warehouse.days import epoch as epoch  # re-exported: History's days are epoch days
from warehouse.db import is_sqlite
from warehouse.status import channel_lookup

CUSTOMER_TYPES = ("residential", "business", "public", "other")  # as the ETL stores them
ROWS_AT_ONCE = 100_000  # rows fetched as Python objects at a time (bounds their memory)
# Channel categories (DESIGN §3) are small integers in the payments array, their position in
# warehouse.channels.CATEGORIES; -1 = not in the catalog.


# How a row's integers are packed (_pack_sql): (SQL expression, bits), the first field in the highest
# bits and the only one that may be negative. The widths bound the data: customer keys below 2^29 in
# payments (2^31 elsewhere), commune ids below 2^29, payment days 1970-2149, channel ids below 65536.
@dataclass(frozen=True)
class History:
    """Everything the features and labels are computed from, as plain frames with epoch days.

    customers: customer_key, office_code, commune_id, customer_type, has_phone, start_day, end_day
    payments: customer_key, day, bill_period (YYYYMM), amount, category (index in CATEGORIES), cashless,
    in day order (a history built unsorted is sorted here), so a cut-off or a window is a slice
    changes: customer_key, day, cashless (the day-level flag changes; see warehouse.snapshots)
    payers: the customers whose payments were read (None: every customer's); features are only
    computed for them
    """

    customers: pd.DataFrame
    payments: pd.DataFrame
    changes: pd.DataFrame
    payers: np.ndarray | None = None

    def __post_init__(self) -> None:
        days = self.payments["day"].to_numpy()
        if (days[1:] < days[:-1]).any():
            ordered = self.payments.sort_values("day", kind="stable", ignore_index=True)
            object.__setattr__(self, "payments", ordered)

    def until(self, day: int) -> History:
        """Only what was known at the end of `day`: later payments, changes and contracts dropped.

        Contract ends after `day` are forgotten too (a contract still running at `day` has no known end).
        """
        people = self.customers
        if (people["start_day"] > day).any():
            people = people[people["start_day"] <= day]
        people = people.assign(end_day=people["end_day"].where(people["end_day"] <= day, NO_END))
        return replace(
            self,
            customers=people,
            payments=self.payments.iloc[: self.paid_by(day)],
            changes=self.changes[self.changes["day"] <= day],
        )

    def paid_by(self, day: int) -> int:
        """How many payments were made up to the end of `day` (the payments are in day order)."""
        return int(np.searchsorted(self.payments["day"].to_numpy(), day, side="right"))


def read_history(
    conn: Connection,
    payments_from: dt.date | None,
    until: dt.date,
    payments_until: dt.date | None = None,
    payments_of: Callable[[pd.DataFrame, pd.DataFrame], np.ndarray] | None = None,
) -> History:
    """Customers, payments with paid_at in [payments_from, payments_until or until], status changes up to `until`.

    Training needs labels up to the last day but features only up to the last cut-off, hence two
    ends. `payments_of(customers, changes)`, if given, names the only customers whose payments are
    needed (scoring reads those of the households it scores, a quarter of all; training on a large
    province a sample), or None for everyone's.
    """
    customers = read_customers(conn)
    changes = read_changes(conn, until)
    keys = None if payments_of is None else payments_of(customers, changes)
    keys = None if keys is None else np.asarray(keys, dtype=np.int64)
    payments = read_payments(conn, payments_from, payments_until or until, keys)
    if is_sqlite(conn):  # hand back the page cache the scans filled: nothing reads those pages again
        conn.exec_driver_sql("PRAGMA shrink_memory")
    return History(customers=customers, payments=payments, changes=changes, payers=keys)


def read_changes(conn: Connection, until: dt.date) -> pd.DataFrame:
    """customer_key, day, cashless of every status change up to `until`."""
    fields = [
        ("customer_key", 31),
        (epoch_day_sql(conn, "day"), 31),
        ("CASE WHEN cashless THEN 1 ELSE 0 END", 1),
    ]
    # nearly every change is wanted: a unary + keeps SQLite off the day index, whose walk with a
    # table lookup per change takes twice as long as scanning the table
    day = "+day" if is_sqlite(conn) else "day"
    sql = f"SELECT {_pack_sql(conn, fields)} FROM customer_status_changes WHERE {day} <= :until"
    key, day, cashless = _fetch_packed(conn, sql, {"until": until}, [[bits for _, bits in fields]])
    return pd.DataFrame({"customer_key": key, "day": day, "cashless": cashless}).astype(np.int64)


def read_customers(conn: Connection) -> pd.DataFrame:
    """Every customer: key, office, commune, type, has_phone, contract start and end (NO_END: none)."""
    types = " ".join(f"WHEN '{name}' THEN {i}" for i, name in enumerate(CUSTOMER_TYPES))
    who = [
        ("customer_key", 31),
        ("commune_id", 29),
        (f"CASE customer_type {types} ELSE {len(CUSTOMER_TYPES) - 1} END", 2),
        ("CASE WHEN phone IS NULL OR TRIM(phone) = '' THEN 0 ELSE 1 END", 1),
    ]
    when = [
        (epoch_day_sql(conn, "contract_start"), 31),
        (f"COALESCE({epoch_day_sql(conn, 'contract_end')}, {NO_END})", 32),
    ]
    sql = f"SELECT {_pack_sql(conn, who)}, {_pack_sql(conn, when)} FROM customers ORDER BY customer_key"
    key, commune, type_index, phone, start, end = (
        values.astype(np.int64)
        for values in _fetch_packed(conn, sql, {}, [[bits for _, bits in who], [bits for _, bits in when]])
    )
    communes = fetch_frame(conn, "SELECT id, office_code FROM communes")
    office_of = np.full(int(max(communes["id"].max(), commune.max(initial=0))) + 1, None, dtype=object)
    office_of[communes["id"].to_numpy(dtype=np.int64)] = communes["office_code"].to_numpy(dtype=object)
    return pd.DataFrame(
        {
            "customer_key": key,
            "office_code": pd.Series(office_of[commune], dtype=object),
            "commune_id": commune,
            "customer_type": np.array(CUSTOMER_TYPES, dtype=object)[type_index],
            "has_phone": phone,
            "start_day": start,
            "end_day": end,
        }
    )


def read_payments(
    conn: Connection, start: dt.date | None, end: dt.date, keys: np.ndarray | None = None
) -> pd.DataFrame:
    """Payments with paid_at in [start, end] (of the customers `keys` only, if given), in day order:
    customer_key, day, bill_period, amount, category, cashless."""
    cashless_of, categories = channel_lookup(conn)
    category_of = np.array(
        [CATEGORIES.index(c) if c in CATEGORIES else -1 for c in categories], dtype=np.int8
    )

    where = "p.paid_at <= :end" if start is None else "p.paid_at >= :start AND p.paid_at <= :end"
    params = {"start": start, "end": end}
    if keys is not None:
        # the scan stays on the date index; each row's customer is looked up in a byte per customer
        # key (1: wanted), passed as one parameter: twice as cheap as joining a table of the keys
        members = np.zeros(int(keys.max(initial=0)) + 1, dtype=np.uint8)
        members[keys] = 1
        params |= {"members": members.tobytes(), "size": len(members)}
        where += (
            " AND substr(:members, p.customer_key + 1, 1) = x'01'"
            if is_sqlite(conn)
            else " AND CASE WHEN p.customer_key < :size THEN get_byte(:members, p.customer_key) = 1 END"
        )
    who = [("p.customer_key", 29), (epoch_day_sql(conn, "p.paid_at"), 16), ("p.bill_period", 18)]
    what = [("p.amount", 47), ("p.channel_name_id", 16)]
    sql = f"SELECT {_pack_sql(conn, who)}, {_pack_sql(conn, what)} FROM payments p WHERE {where}"
    key, day, period, amount, channel = _fetch_packed(
        conn, sql, params, [[bits for _, bits in who], [bits for _, bits in what]]
    )
    return pd.DataFrame(
        {
            "customer_key": key,
            "day": day,
            "bill_period": period,
            "amount": amount,
            "category": category_of[channel],
            "cashless": cashless_of[channel],
        }
    )


def _pack_sql(conn: Connection, fields: list[tuple[str, int]]) -> str:
    """SQL: the integer expressions of `fields` ((expression, bits), highest first) as one 64-bit integer.

    SQLite's integers are all 64-bit; PostgreSQL's INTEGER columns are cast so the products cannot overflow.
    """
    terms, shift = [], sum(bits for _, bits in fields)
    for expression, bits in fields:
        shift -= bits
        term = f"({expression})" if is_sqlite(conn) else f"CAST({expression} AS BIGINT)"
        terms.append(f"{term} * {2**shift}" if shift else term)
    return " + ".join(terms)


def _unpack(packed: np.ndarray, widths: list[int]) -> list[np.ndarray]:
    """The fields of _pack_sql back out of int64 values (the first keeps its sign), each in the
    smallest integer type that holds it."""
    fields, shift = [], sum(widths)
    for i, bits in enumerate(widths):
        shift -= bits
        field = packed >> shift if i == 0 else (packed >> shift) & ((1 << bits) - 1)
        fields.append(field.astype(np.min_scalar_type(-(2 ** (bits if i == 0 else bits + 1)))))
    return fields


def _fetch_packed(conn: Connection, sql: str, params: dict, layout: list[list[int]]) -> list[np.ndarray]:
    """A packed query's fields as columns: `layout` holds each selected column's field widths.

    Unpacked a chunk of rows at a time and joined a field at a time, so neither the Python rows nor
    int64 copies of the whole result are ever alive at once.
    """
    parts: list[list[np.ndarray]] = [[] for widths in layout for _ in widths]
    with driver_cursor(conn, sql, params) as cursor:
        for rows in fetch_chunks(cursor, ROWS_AT_ONCE):
            flat = itertools.chain.from_iterable(rows)  # 2.5x faster than np.array(rows)
            values = np.fromiter(flat, dtype=np.int64, count=len(rows) * len(layout)).reshape(-1, len(layout))
            fields = [f for column, widths in enumerate(layout) for f in _unpack(values[:, column], widths)]
            for part, field in zip(parts, fields):
                part.append(field)
    if not parts[0]:
        return [f for widths in layout for f in _unpack(np.empty(0, dtype=np.int64), widths)]
    return [np.concatenate(parts.pop(0)) for _ in range(len(parts))]

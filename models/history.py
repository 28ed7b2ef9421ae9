"""What the model reads from the warehouse: customers, payments by date range, status changes.

The I/O edge of the model. Payments are read by date range only (they have no customer index,
on purpose) straight into integer arrays through the driver, which is about twice as fast as
building tuples into a DataFrame; everything else is small. Days are epoch-day integers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from warehouse.bulk import bulk_insert, driver_cursor, fetch_chunks, fetch_frame
from warehouse.channels import CATEGORIES
from warehouse.days import NO_END, epoch_day_sql
from warehouse.days import epoch as epoch  # re-exported: History's days are epoch days
from warehouse.status import channel_lookup

CUSTOMER_TYPES = ("residential", "business", "public", "other")  # as the ETL stores them
KEYS_TABLE = "model_payment_keys"  # temporary, for the duration of one read
# Channel categories (DESIGN §3) are small integers in the payments array, their position in
# warehouse.channels.CATEGORIES; -1 = not in the catalog.


@dataclass(frozen=True)
class History:
    """Everything the features and labels are computed from, as plain frames with epoch days.

    customers: customer_key, office_code, commune_id, customer_type, has_phone, start_day, end_day
    payments: customer_key, day, bill_period (YYYYMM), amount, category (index in CATEGORIES), cashless
    changes: customer_key, day, cashless (the day-level flag changes; see warehouse.snapshots)
    """

    customers: pd.DataFrame
    payments: pd.DataFrame
    changes: pd.DataFrame

    def until(self, day: int) -> History:
        """Only what was known at the end of `day`: later payments, changes and contracts dropped.

        Contract ends after `day` are forgotten too (a contract still running at `day` has no known end).
        """
        people = self.customers[self.customers["start_day"] <= day]
        people = people.assign(end_day=people["end_day"].where(people["end_day"] <= day, NO_END))
        return replace(
            self,
            customers=people,
            payments=self.payments[self.payments["day"] <= day],
            changes=self.changes[self.changes["day"] <= day],
        )


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
    needed (scoring reads those of the households it scores, a quarter of all).
    """
    customers = read_customers(conn)
    changes = read_changes(conn, until)
    keys = None if payments_of is None else payments_of(customers, changes)
    payments = read_payments(conn, payments_from, payments_until or until, keys)
    return History(customers=customers, payments=payments, changes=changes)


def read_changes(conn: Connection, until: dt.date) -> pd.DataFrame:
    """customer_key, day, cashless of every status change up to `until`."""
    values = _fetch_integers(
        conn,
        f"SELECT customer_key, {epoch_day_sql(conn, 'day')}, CASE WHEN cashless THEN 1 ELSE 0 END "
        f"FROM customer_status_changes WHERE day <= :until",
        {"until": until},
        3,
    )
    return _frame(values, ["customer_key", "day", "cashless"])


def read_customers(conn: Connection) -> pd.DataFrame:
    """Every customer: key, office, commune, type, has_phone, contract start and end (NO_END: none)."""
    types = " ".join(f"WHEN '{name}' THEN {i}" for i, name in enumerate(CUSTOMER_TYPES))
    values = _fetch_integers(
        conn,
        f"SELECT customer_key, commune_id, CASE customer_type {types} ELSE {len(CUSTOMER_TYPES) - 1} END, "
        f"CASE WHEN phone IS NULL OR TRIM(phone) = '' THEN 0 ELSE 1 END, "
        f"{epoch_day_sql(conn, 'contract_start')}, COALESCE({epoch_day_sql(conn, 'contract_end')}, {NO_END}) "
        f"FROM customers ORDER BY customer_key",
        {},
        6,
    )
    frame = _frame(values, ["customer_key", "commune_id", "type_index", "has_phone", "start_day", "end_day"])
    offices = fetch_frame(conn, "SELECT id, office_code FROM communes").set_index("id")["office_code"]
    frame.insert(1, "office_code", frame["commune_id"].map(offices).astype(object))
    names = np.array(CUSTOMER_TYPES, dtype=object)
    frame.insert(3, "customer_type", names[frame.pop("type_index").to_numpy()])
    return frame


def _frame(values: np.ndarray, columns: list[str]) -> pd.DataFrame:
    """Columns of an integer array as a DataFrame."""
    return pd.DataFrame({name: values[:, i] for i, name in enumerate(columns)})


def read_payments(
    conn: Connection, start: dt.date | None, end: dt.date, keys: np.ndarray | None = None
) -> pd.DataFrame:
    """Payments with paid_at in [start, end] (of the customers `keys` only, if given):
    customer_key, day, bill_period, amount, category, cashless."""
    cashless_of, categories = channel_lookup(conn)
    category_of = np.array(
        [CATEGORIES.index(c) if c in CATEGORIES else -1 for c in categories], dtype=np.int8
    )

    where = "paid_at <= :end" if start is None else "paid_at >= :start AND paid_at <= :end"
    columns = ["customer_key", "day", "bill_period", "amount", "channel_name_id"]
    sql = (
        f"SELECT p.customer_key, {epoch_day_sql(conn, 'p.paid_at')}, p.bill_period, p.amount, p.channel_name_id "
        f"FROM payments p WHERE {where}"
    )
    if keys is not None:
        # a temporary table of the keys, joined: the scan stays on the date index, fewer rows come back
        conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {KEYS_TABLE} (customer_key INTEGER PRIMARY KEY)")
        bulk_insert(conn, KEYS_TABLE, pd.DataFrame({"customer_key": np.asarray(keys, dtype=np.int64)}))
        sql = sql.replace(
            "FROM payments p", f"FROM payments p JOIN {KEYS_TABLE} k ON k.customer_key = p.customer_key"
        )
    try:
        values = _fetch_integers(conn, sql, {"start": start, "end": end}, len(columns))
    finally:
        if keys is not None:
            conn.exec_driver_sql(f"DROP TABLE {KEYS_TABLE}")
    frame = _frame(values, columns)
    channel = frame.pop("channel_name_id").to_numpy()
    frame["category"] = category_of[channel]
    frame["cashless"] = cashless_of[channel]
    return frame


def _fetch_integers(conn: Connection, sql: str, params: dict, width: int) -> np.ndarray:
    """An integer-only query's rows as one int64 array, fetched in chunks through the driver."""
    with driver_cursor(conn, sql, params) as cursor:
        chunks = [np.array(rows, dtype=np.int64) for rows in fetch_chunks(cursor)]
    return np.concatenate(chunks) if chunks else np.empty((0, width), dtype=np.int64)

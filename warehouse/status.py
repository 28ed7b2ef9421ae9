"""A customer's status on a day (DESIGN §4), defined once for snapshots, metrics, the reference SQL and the model.

Active on D: contract_start <= D and (no contract end, or end > D).
Cashless on D: the latest day <= D on which the customer paid used a cashless channel (several
payments that day: cashless if any was). Each rule is here in the forms its users need: on epoch-day
arrays in memory (warehouse.days) and as SQL.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from warehouse.bulk import fetch_frame
from warehouse.days import epoch_day_sql


def channel_lookup(conn: Connection) -> tuple[np.ndarray, np.ndarray]:
    """Arrays indexed by channel_name_id: cashless flag (int8, 0 for names not in the catalog) and category (None there)."""
    catalog = fetch_frame(
        conn,
        "SELECT n.id, c.category, CASE WHEN c.is_cashless THEN 1 ELSE 0 END AS cashless "
        "FROM channel_names n LEFT JOIN channels c ON c.key = n.key",
    )
    size = int(catalog["id"].max()) + 1 if len(catalog) else 1
    cashless = np.zeros(size, dtype=np.int8)
    category = np.full(size, None, dtype=object)
    ids = catalog["id"].to_numpy(dtype=np.int64)
    cashless[ids] = pd.to_numeric(catalog["cashless"]).fillna(0).to_numpy(dtype=np.int8)
    category[ids] = catalog["category"].to_numpy(dtype=object)
    return cashless, category


# --- active ------------------------------------------------------------------------------------


def active_on(start_day, end_day, day):
    """True where a contract runs at the end of `day` (epoch days; arrays, Series or numbers)."""
    return (start_day <= day) & (end_day > day)


def active_sql(day: str, customers: str = "c") -> str:
    """SQL condition: the customer row `customers` is active at the end of the date `day` (e.g. ':as_of')."""
    return (
        f"{customers}.contract_start <= {day} AND "
        f"({customers}.contract_end IS NULL OR {customers}.contract_end > {day})"
    )


# --- cashless ----------------------------------------------------------------------------------


def status_changes(paid: pd.DataFrame, prior: pd.Series) -> pd.DataFrame:
    """Days on which a customer's day-level flag (any cashless payment that day) differs from before.

    `paid` has customer_key, day, cashless; `prior` is the flag in force before the first day of
    `paid`. Returns customer_key, day, cashless, previous (-1 = no payment before).
    """
    if paid.empty:
        return pd.DataFrame({"customer_key": [], "day": [], "cashless": [], "previous": []}, dtype="int64")
    keys, days, flags = day_flags(paid)
    previous = np.empty_like(flags)
    previous[1:] = flags[:-1]
    first = np.ones(len(keys), dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    previous[first] = prior.reindex(keys[first]).fillna(-1).to_numpy(dtype=np.int64)
    changed = flags != previous
    return pd.DataFrame(
        {
            "customer_key": keys[changed],
            "day": days[changed],
            "cashless": flags[changed],
            "previous": previous[changed],
        }
    )


def day_flags(paid: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Customer, day and day-level flag (max of the day's payments), sorted by customer then day.

    One sort of (customer, day, flag) packed into an integer: the last of each (customer, day) run
    carries the day's maximum flag.
    """
    days = paid["day"].to_numpy(dtype=np.int64)
    first, span = days.min(), days.max() - days.min() + 1
    packed = paid["customer_key"].to_numpy(dtype=np.int64, copy=True)  # worked on in place
    packed *= span
    packed += days
    del days
    packed -= first
    packed *= 2
    packed += paid["cashless"].to_numpy()
    packed.sort()
    slot = packed >> 1
    last = np.ones(len(slot), dtype=bool)
    last[:-1] = slot[1:] != slot[:-1]
    flags = packed[last] & 1
    del packed
    slot = slot[last]
    keys = slot // span
    slot %= span
    slot += first
    return keys, slot, flags


def status_on(changes: pd.DataFrame, day: int) -> pd.Series:
    """Each customer's day-level cashless flag at the end of `day` (customers with a change so far).

    `changes`: customer_key, day, cashless (status_changes). The flag of the latest change is the
    parity of max(day * 2 + flag), as in latest_status_sql.
    """
    upto = changes["day"].to_numpy() <= day
    keys = changes["customer_key"].to_numpy(dtype=np.int64)[upto]
    packed = (
        changes["day"].to_numpy(dtype=np.int64)[upto] * 2 + changes["cashless"].to_numpy(dtype=np.int64)[upto]
    )
    latest = np.full(int(keys.max()) + 1 if len(keys) else 0, -1, dtype=np.int64)  # keys are small integers
    np.maximum.at(latest, keys, packed)
    changed = np.flatnonzero(latest >= 0)
    return pd.Series(latest[changed] % 2, index=changed)


def latest_status_sql(conn: Connection, bound: str, among: str | None = None) -> str:
    """SQL: each customer's flag from their last status change with `day {bound}` (e.g. '<= :end').

    One pass: the latest (day, flag) pair is the maximum of day * 2 + flag, so no self-join.
    `among`: a query of customer_key values to limit it to, read through the key's index (a list's
    members among millions of customers).
    """
    day = epoch_day_sql(conn, "s.day")
    source = "customer_status_changes s WHERE"
    if among is not None:  # CROSS JOIN: SQLite keeps the few keys outer and seeks each one
        source = f"({among}) k CROSS JOIN customer_status_changes s WHERE s.customer_key = k.customer_key AND"
    return (
        f"SELECT s.customer_key, MAX({day} * 2 + CASE WHEN s.cashless THEN 1 ELSE 0 END) % 2 AS cashless "
        f"FROM {source} s.day {bound} GROUP BY s.customer_key"
    )


def payment_status_sql(day: str) -> str:
    """SQL: each customer's flag at the end of `day` straight from payments (the reference's slow path).

    Both reads of payments say `paid_at <= day`, so PostgreSQL skips the months after it.
    """
    return f"""
    SELECT p.customer_key,
           MAX(CASE WHEN ch.is_cashless THEN 1 ELSE 0 END) AS cashless
    FROM payments p
    JOIN (SELECT customer_key, MAX(paid_at) AS paid_at FROM payments
          WHERE paid_at <= {day} GROUP BY customer_key) last
      ON last.customer_key = p.customer_key AND last.paid_at = p.paid_at
    JOIN channel_names n ON n.id = p.channel_name_id
    LEFT JOIN channels ch ON ch.key = n.key
    WHERE p.paid_at <= {day}
    GROUP BY p.customer_key
"""

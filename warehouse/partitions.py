"""Where payments are kept: one table, or (PostgreSQL from migration 0011) one partition per month.

The loader asks which layout a database has, since a database may still be at an older revision
(tests and the benchmark load into those), and adds the month partitions a chunk needs before
writing it, inside the file's transaction: a load that rolls back leaves no partition behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection, text

from warehouse.days import distinct_days
from warehouse.db import is_sqlite
from warehouse.schema import PAYMENT_PARTITION, PAYMENTS_POSTGRES_KEY


@dataclass(frozen=True)
class PaymentLayout:
    """The tables payments are written to.

    id_table: the table whose primary key is payment_id, which tells a re-sent id and its owner
    (payments itself, or payment_ids beside a partitioned payments); key: payments' primary key.
    """

    partitioned: bool
    id_table: str
    key: tuple[str, ...]


ONE_TABLE = PaymentLayout(partitioned=False, id_table="payments", key=("payment_id",))
BY_MONTH = PaymentLayout(partitioned=True, id_table="payment_ids", key=PAYMENTS_POSTGRES_KEY)


def payment_layout(conn: Connection) -> PaymentLayout:
    """The layout of this database's payments: by month once PostgreSQL has partitioned them."""
    if is_sqlite(conn):
        return ONE_TABLE
    partitioned = conn.scalar(
        text("SELECT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass('payments'))")
    )
    return BY_MONTH if partitioned else ONE_TABLE


def partition_name(month: dt.date) -> str:
    """payments_2025_02 for any day of February 2025."""
    return f"payments_{month.year:04d}_{month.month:02d}"


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    """First day of the month and of the next one: the partition's FROM and TO."""
    first = month.replace(day=1)
    return first, (first + dt.timedelta(days=32)).replace(day=1)


def partition_months(conn: Connection) -> set[dt.date]:
    """First days of the months payments has a partition for."""
    names = conn.scalars(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass('payments')"
        )
    )
    months = set()
    for name in names:
        if match := PAYMENT_PARTITION.fullmatch(name):
            months.add(dt.date(int(match[1]), int(match[2]), 1))
    return months


def add_partitions(conn: Connection, months: Iterable[dt.date]) -> None:
    """A partition of payments for each month (see partition_statements)."""
    for month in sorted(set(months)):
        for statement in partition_statements(month):
            conn.exec_driver_sql(statement)


def partition_statements(month: dt.date) -> list[str]:
    """The SQL that adds the month's partition: the table created apart, then attached.

    ATTACH PARTITION locks payments only against other schema changes (SHARE UPDATE EXCLUSIVE),
    where CREATE TABLE ... PARTITION OF would block its readers until the load commits. There is
    no default partition, so attaching scans nothing; the primary key's index comes with it.
    """
    name = partition_name(month)
    first, following = month_bounds(month)
    return [
        f"CREATE TABLE {name} (LIKE payments INCLUDING DEFAULTS INCLUDING CONSTRAINTS)",
        f"ALTER TABLE payments ATTACH PARTITION {name} "
        f"FOR VALUES FROM ('{first.isoformat()}') TO ('{following.isoformat()}')",
    ]


class MonthPartitions:
    """The month partitions of one write transaction: those there are, and those a chunk adds."""

    def __init__(self, conn: Connection, layout: PaymentLayout) -> None:
        self.conn = conn
        self.months = partition_months(conn) if layout.partitioned else None

    def make_room(self, days: np.ndarray) -> None:
        """Partitions for the months of these epoch days, where missing (nothing to do unpartitioned)."""
        if self.months is None or not len(days):
            return
        distinct = np.unique(distinct_days(days).astype("datetime64[D]").astype("datetime64[M]"))
        needed = {month.astype("datetime64[D]").astype(dt.date) for month in distinct} - self.months
        if needed:
            add_partitions(self.conn, needed)
            self.months |= needed

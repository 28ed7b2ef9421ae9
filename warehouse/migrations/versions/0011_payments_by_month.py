"""payments partitioned by month on PostgreSQL, payment ids owned in payment_ids

Revision ID: 0011
Revises: 0010

At national volume payments grows by ~20 GB a year. On PostgreSQL it becomes a table partitioned
by range of paid_at, one partition per calendar month (payments_2025_02 holds February 2025; no
default partition, loads add the months they need). Its primary key becomes (payment_id,
customer_key, paid_at): a partitioned table's unique keys must hold the partition key, and Citus
wants the distribution column (customer_key) in them too. The global uniqueness of payment_id and
the owner of each id move to payment_ids (payment_id primary key, customer_key, paid_at). The
date index goes: a date range now prunes to whole months.

The rows are moved, not rebuilt: the months present are found through the old date index, their
partitions made, the rows copied with INSERT ... SELECT, the keys built after the copy (one sort
per partition instead of a row-at-a-time index insert), the old table dropped. It all runs in the
upgrade's transaction and needs room for a second copy of payments meanwhile.

SQLite keeps one table keyed by payment_id: nothing changes there.
"""

import datetime as dt

from alembic import op
from sqlalchemy import text

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

COLUMNS = "payment_id, customer_key, bill_period, paid_at, amount, channel_name_id, load_run_id"
TABLE = """
CREATE TABLE {name} (
    payment_id VARCHAR(64) NOT NULL,
    customer_key INTEGER NOT NULL,
    bill_period INTEGER NOT NULL,
    paid_at DATE NOT NULL,
    amount BIGINT NOT NULL,
    channel_name_id INTEGER NOT NULL,
    load_run_id INTEGER NOT NULL
){partitioning}
"""
# The first day of each month with payments: one index probe per month, not a scan of payments.
MONTHS = """
WITH RECURSIVE months(month) AS (
    SELECT CAST(date_trunc('month', MIN(paid_at)) AS DATE) FROM payments_one_table
  UNION ALL
    SELECT (SELECT CAST(date_trunc('month', MIN(paid_at)) AS DATE) FROM payments_one_table
            WHERE paid_at >= CAST(months.month + INTERVAL '1 month' AS DATE))
    FROM months WHERE months.month IS NOT NULL
)
SELECT month FROM months WHERE month IS NOT NULL
"""


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE payments RENAME TO payments_one_table")
    op.execute("ALTER TABLE payments_one_table RENAME CONSTRAINT pk_payments TO pk_payments_one_table")
    op.execute(TABLE.format(name="payments", partitioning=" PARTITION BY RANGE (paid_at)"))
    for (month,) in conn.execute(text(MONTHS)).all():
        following = (month + dt.timedelta(days=32)).replace(day=1)
        op.execute(
            f"CREATE TABLE payments_{month:%Y_%m} PARTITION OF payments "
            f"FOR VALUES FROM ('{month.isoformat()}') TO ('{following.isoformat()}')"
        )
    op.execute(f"INSERT INTO payments ({COLUMNS}) SELECT {COLUMNS} FROM payments_one_table")
    op.execute(
        "ALTER TABLE payments ADD CONSTRAINT pk_payments PRIMARY KEY (payment_id, customer_key, paid_at)"
    )
    op.execute(
        "CREATE TABLE payment_ids (payment_id VARCHAR(64) NOT NULL, customer_key INTEGER NOT NULL, "
        "paid_at DATE NOT NULL)"
    )
    op.execute(
        "INSERT INTO payment_ids (payment_id, customer_key, paid_at) "
        "SELECT payment_id, customer_key, paid_at FROM payments_one_table"
    )
    op.execute("ALTER TABLE payment_ids ADD CONSTRAINT pk_payment_ids PRIMARY KEY (payment_id)")
    op.execute("DROP TABLE payments_one_table")
    # autovacuum never analyses a partitioned parent: without this its planner statistics stay empty
    op.execute("ANALYZE payments")
    op.execute("ANALYZE payment_ids")


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    op.execute(TABLE.format(name="payments_one_table", partitioning=""))
    op.execute(f"INSERT INTO payments_one_table ({COLUMNS}) SELECT {COLUMNS} FROM payments")
    op.execute("DROP TABLE payments")  # its partitions with it
    op.execute("DROP TABLE payment_ids")
    op.execute("ALTER TABLE payments_one_table RENAME TO payments")
    op.execute("ALTER TABLE payments ADD CONSTRAINT pk_payments PRIMARY KEY (payment_id)")
    op.execute("CREATE INDEX ix_payments_paid_at ON payments (paid_at)")

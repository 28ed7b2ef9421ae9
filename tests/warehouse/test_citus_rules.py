"""The PostgreSQL schema can be distributed with Citus as warehouse/schema.py plans it (issue 15).

Citus enforces a unique key of a distributed table only if it holds the distribution column; a
partitioned table's unique keys must also hold its partition key. Read from the catalog, so any
key added later by a migration (or by hand) is checked too, on the tables and on each partition.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from warehouse.partitions import add_partitions
from warehouse.schema import DISTRIBUTION_COLUMNS, PAYMENTS_PARTITION_KEY, REFERENCE_TABLES

pytestmark = pytest.mark.postgres

# Every unique or exclusion index of a table or of its partitions, with its key columns (an
# expression in the key reads as NULL: it holds no column by name).
UNIQUE_KEYS = """
SELECT c.relname, i.relname, ARRAY(
         SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, n)
         LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
         ORDER BY k.n) AS columns,
       x.indisprimary
FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
WHERE (x.indisunique OR x.indisexclusion)
  AND (x.indrelid = to_regclass(:table)
       OR x.indrelid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = to_regclass(:table)))
"""
PARTITION_KEY = """
SELECT a.attname FROM pg_partitioned_table p
CROSS JOIN LATERAL unnest(p.partattrs) WITH ORDINALITY AS k(attnum, n)
JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = k.attnum
WHERE p.partrelid = to_regclass(:table) ORDER BY k.n
"""
FOREIGN_KEYS = """
SELECT c.conname, c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c
WHERE c.contype = 'f'
"""


def citus_violations(conn) -> list[str]:
    """What would stop the declared distribution plan, one line each ([] when nothing does)."""
    found = []
    for table, column in DISTRIBUTION_COLUMNS.items():
        partition_key = conn.execute(text(PARTITION_KEY), {"table": table}).scalars().all()
        needed = {column, *partition_key}
        keys = conn.execute(text(UNIQUE_KEYS), {"table": table}).all()
        if not any(primary for relation, _, _, primary in keys if relation == table):
            found.append(f"{table} has no primary key")
        for relation, index, columns, _ in keys:
            missing = needed - set(columns)
            if missing:
                found.append(
                    f"{index} on {relation} ({', '.join(map(str, columns))}) lacks {sorted(missing)}"
                )
    distributed = set(DISTRIBUTION_COLUMNS)
    for name, source, target in conn.execute(text(FOREIGN_KEYS)).all():
        if (source in distributed or target in distributed) and target not in REFERENCE_TABLES:
            found.append(f"foreign key {name} from {source} to {target} joins a distributed table")
    return found


@pytest.fixture
def engine(postgres_engine):
    return postgres_engine


def test_the_schema_meets_the_distribution_plan(engine):
    with engine.begin() as conn:
        add_partitions(conn, [dt.date(2025, 1, 1), dt.date(2025, 2, 1)])  # their keys are checked too
        tables = set(
            conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars()
        )
        assert {*DISTRIBUTION_COLUMNS, *REFERENCE_TABLES} <= tables
        partition_key = conn.execute(text(PARTITION_KEY), {"table": "payments"}).scalars().all()
        assert partition_key == [PAYMENTS_PARTITION_KEY]
        assert citus_violations(conn) == []


BREAKING = {
    "a unique id on payments by date": "ALTER TABLE payments ADD CONSTRAINT uq_payments_id UNIQUE (payment_id, paid_at)",
    "a unique id on one partition": "CREATE UNIQUE INDEX ix_payments_2025_01_id ON payments_2025_01 (payment_id)",
    "a key on an expression of the customer": "CREATE UNIQUE INDEX ix_day ON customer_status_changes "
    "(day, (customer_key + 0))",
    "owners unique by customer": "ALTER TABLE payment_ids ADD CONSTRAINT uq_owner UNIQUE (customer_key, paid_at)",
    "a foreign key to customers": "ALTER TABLE payments ADD CONSTRAINT fk_customer FOREIGN KEY (customer_key) "
    "REFERENCES customers (customer_key)",
}


@pytest.mark.parametrize("statement", BREAKING.values(), ids=BREAKING.keys())
def test_the_check_catches_a_key_that_breaks_the_plan(engine, statement):
    with engine.connect() as conn, conn.begin():
        add_partitions(conn, [dt.date(2025, 1, 1)])
        assert citus_violations(conn) == []
        conn.exec_driver_sql(statement)
        assert len(citus_violations(conn)) >= 1
        conn.rollback()


def test_postgres_itself_refuses_a_unique_payment_id_on_partitioned_payments(engine):
    with engine.connect() as conn, conn.begin(), pytest.raises(DBAPIError, match="partition"):
        conn.exec_driver_sql("ALTER TABLE payments ADD CONSTRAINT uq_payments_id UNIQUE (payment_id)")

"""The readers of payments touch only the months they need on PostgreSQL (EXPLAIN, issue 15).

Each query is the one the code runs: the SQL the snapshot refresh exposes, and what the reference
and the model's payment read hand to the driver (caught on its way there). psycopg binds parameters
on the server, so each plan is asked for twice: with the values bound, as the code runs it (the
planner prunes), and as a generic prepared plan that knows no value (pruned when the executor
starts: "Subplans Removed").
"""

from __future__ import annotations

import datetime as dt
import json
import re

import numpy as np
import pytest
from sqlalchemy import text

from cashless.settings import LoadSettings
from etl.load import load_files
from models import history
from tests.conftest import fresh_postgres
from warehouse import reference
from warehouse.bulk import driver_cursor
from warehouse.migrate import upgrade
from warehouse.partitions import add_partitions, partition_name
from warehouse.snapshots import held_since_sql, paid_since_sql
from warehouse.status import payment_status_sql

from .province_fixture import write_fixture

pytestmark = pytest.mark.postgres

# The fixture's payments are in January to March 2025; empty months around them make pruning visible.
MONTHS = [dt.date(2024, 10, 1), dt.date(2024, 11, 1), dt.date(2024, 12, 1)] + [
    dt.date(2025, month, 1) for month in range(4, 8)
]
ALL = sorted(partition_name(month) for month in [*MONTHS, *(dt.date(2025, m, 1) for m in (1, 2, 3))])


def _between(first: str, last: str) -> list[str]:
    return [name for name in ALL if first <= name <= last]


@pytest.fixture(scope="module")
def engine(postgres_database, tmp_path_factory):
    engine = fresh_postgres(postgres_database)
    upgrade(engine)
    paths = write_fixture(tmp_path_factory.mktemp("pruning"))
    load_files(engine, "customers", paths[:1], LoadSettings(progress=False))
    load_files(engine, "payments", paths[1:], LoadSettings(progress=False))
    with engine.begin() as conn:
        add_partitions(conn, MONTHS)
    yield engine
    engine.dispose()


def _relations(node: dict) -> tuple[set[str], int]:
    """Tables a plan reads and the subplans pruned at executor start-up, over the whole plan tree."""
    names = {node["Relation Name"]} if "Relation Name" in node else set()
    removed = node.get("Subplans Removed", 0)
    for child in node.get("Plans", []):
        more, gone = _relations(child)
        names |= more
        removed += gone
    return names, removed


def bound_plan(conn, sql: str, params: dict) -> tuple[list[str], int]:
    """Partitions of payments in the plan of `sql` with its parameters bound by the driver, as run."""
    with driver_cursor(conn, "EXPLAIN (FORMAT JSON) " + sql, params) as cursor:
        plan = cursor.fetchone()[0]
    names, removed = _relations((plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"])
    return sorted(n for n in names if n.startswith("payments_")), removed


def generic_plan(conn, sql: str, params: dict) -> tuple[list[str], int]:
    """The same with a generic plan (made before any value is known), as a prepared statement gets."""
    names = list(dict.fromkeys(re.findall(r"(?<![:\w]):(\w+)", sql)))
    numbered = re.sub(r"(?<![:\w]):(\w+)", lambda m: f"${names.index(m[1]) + 1}", sql)
    values = ", ".join(_literal(params[name]) for name in names)
    conn.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
    conn.exec_driver_sql(f"PREPARE pruning_probe AS {numbered}")
    try:
        plan = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) EXECUTE pruning_probe({values})").scalar()
    finally:
        conn.exec_driver_sql("DEALLOCATE pruning_probe")
        conn.exec_driver_sql("RESET plan_cache_mode")
    found, removed = _relations((plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"])
    return sorted(n for n in found if n.startswith("payments_")), removed


def _literal(value) -> str:
    """A parameter as an SQL literal for EXECUTE (dates, integers, the model's bytes of wanted keys)."""
    if isinstance(value, bytes):
        return f"'\\x{value.hex()}'"
    return str(value) if isinstance(value, int) else f"'{value.isoformat()}'"


def _assert_pruned(conn, sql: str, params: dict, expected: list[str]) -> None:
    assert bound_plan(conn, sql, params) == (expected, 0)
    partitions, removed = generic_plan(conn, sql, params)
    assert partitions == expected
    assert removed > 0  # the others were dropped at start-up, not planned and skipped


def test_the_partitions_are_there(engine):
    with engine.connect() as conn:
        names = conn.execute(
            text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = 'payments'::regclass ORDER BY 1"
            )
        ).scalars()
        assert list(names) == ALL


def test_the_refresh_reads_the_months_from_its_first_stale_day_on(engine):
    since = dt.date(2025, 2, 15)
    with engine.connect() as conn:
        for sql in (paid_since_sql(conn, since), held_since_sql(since)):
            _assert_pruned(conn, sql, {"since": since}, _between("payments_2025_02", "payments_2025_07"))
        assert bound_plan(conn, paid_since_sql(conn, None), {})[0] == ALL  # a full rebuild reads all


def test_the_status_from_payments_reads_the_months_up_to_its_day(engine):
    day = dt.date(2025, 1, 20)
    with engine.connect() as conn:
        sql = payment_status_sql(":day")
        _assert_pruned(conn, sql, {"day": day}, _between("payments_2024_10", "payments_2025_01"))


def test_the_reference_metrics_read_only_their_months(engine, monkeypatch):
    seen = []

    def explaining(conn, sql, params=None, columns=None):
        seen.append((bound_plan(conn, sql, params)[0], generic_plan(conn, sql, params)[0]))
        return fetch_frame(conn, sql, params, columns)

    fetch_frame = reference.fetch_frame
    monkeypatch.setattr(reference, "fetch_frame", explaining)
    with engine.connect() as conn:
        reference.customer_counts(conn, dt.date(2024, 12, 31))
        reference.value_rate(conn, dt.date(2025, 2, 1), dt.date(2025, 2, 28))
        reference.movements(conn, dt.date(2025, 1, 31), dt.date(2025, 2, 28))
    up_to_december = _between("payments_2024_10", "payments_2024_12")
    assert seen == [
        (up_to_december, up_to_december),
        (["payments_2025_02"], ["payments_2025_02"]),
        (_between("payments_2024_10", "payments_2025_02"),) * 2,
    ]


def test_the_model_reads_only_the_months_of_its_range(engine, monkeypatch):
    seen = []

    def explaining(conn, sql, params, layout):
        if "FROM payments" in sql:
            seen.append((bound_plan(conn, sql, params)[0], generic_plan(conn, sql, params)[0]))
        return fetch_packed(conn, sql, params, layout)

    fetch_packed = history._fetch_packed
    monkeypatch.setattr(history, "_fetch_packed", explaining)
    with engine.connect() as conn:
        history.read_payments(conn, dt.date(2025, 1, 1), dt.date(2025, 2, 28))
        history.read_payments(conn, None, dt.date(2024, 11, 30))
        history.read_payments(conn, dt.date(2025, 3, 1), dt.date(2025, 3, 31), keys=np.array([1, 2, 3]))
    months = _between("payments_2025_01", "payments_2025_02")
    assert seen == [
        (months, months),
        (["payments_2024_10", "payments_2024_11"],) * 2,
        (["payments_2025_03"],) * 2,
    ]

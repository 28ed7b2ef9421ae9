"""A load killed with SIGKILL halfway leaves the warehouse exactly as it was (DESIGN §3).

A real `cashless load payments` process is killed once its progress bar shows the first chunk
written inside the file's transaction; nothing of it may remain, and loading the file again works.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from sqlalchemy import Engine, text

from tests.processes import WatchedLoad, cashless
from warehouse.snapshots import refresh_snapshots

from .big_export import write_customers, write_payments
from .warehouse_state import warehouse_state

CUSTOMERS = 5_000
BIG_ROWS = 600_000  # three chunks of the loader's 250.000 rows: killed after the first is written
DAYS = [dt.date(2025, 1, 31), dt.date(2025, 2, 14), dt.date(2025, 3, 31)]


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    folder = tmp_path_factory.mktemp("exports")
    return {
        "customers": write_customers(folder / "customers.csv", CUSTOMERS),
        "january": write_payments(folder / "january.csv", CUSTOMERS, 20_000, "2025-01-01", 31, seed=1),
        "big": write_payments(folder / "big.csv", CUSTOMERS, BIG_ROWS, "2025-02-01", 59, seed=2),
    }


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def inside_a_write_transaction(engine: Engine) -> bool:
    """True when another process holds an open write transaction on the warehouse."""
    if engine.dialect.name == "sqlite":
        probe = sqlite3.connect(engine.url.database, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError as error:
            return "locked" in str(error)
        finally:
            probe.close()
    with engine.connect() as conn:
        return bool(
            conn.execute(
                text(
                    "SELECT COUNT(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() "
                    "AND l.relation = 'payments'::regclass AND l.mode = 'RowExclusiveLock' AND l.granted"
                )
            ).scalar()
        )


@pytest.mark.slow
def test_a_load_killed_halfway_changes_nothing_and_the_next_load_works(engine, exports):
    url = url_of(engine)
    cashless(url, "load", "customers", str(exports["customers"]))
    cashless(url, "load", "payments", str(exports["january"]))
    before = warehouse_state(engine, DAYS)
    assert before["counts"]["payments"] == 20_000

    load = WatchedLoad(url, "payments", exports["big"])
    written = load.wait_for_rows(1)
    assert written < BIG_ROWS
    assert inside_a_write_transaction(engine)
    load.kill()

    assert warehouse_state(engine, DAYS) == before

    out = cashless(url, "load", "payments", str(exports["big"])).stdout
    assert f"{BIG_ROWS:,} loaded (0 of them updates), 0 quarantined" in out
    after = warehouse_state(engine, DAYS)
    assert after["counts"]["payments"] == 20_000 + BIG_ROWS
    assert after["counts"]["load_runs"] == before["counts"]["load_runs"] + 1
    with engine.connect() as conn:
        statuses = conn.execute(text("SELECT status, COUNT(*) FROM load_runs GROUP BY status")).all()
    assert dict(statuses) == {"loaded": 3}
    refresh_snapshots(engine, full=True)  # the snapshots kept up by the loads equal a rebuild
    assert warehouse_state(engine, DAYS) == after

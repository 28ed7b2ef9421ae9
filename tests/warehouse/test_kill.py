"""A load killed with SIGKILL halfway leaves the warehouse exactly as it was (DESIGN §3).

A real `cashless load payments` process is killed once its progress bar shows the first chunk
written inside the file's transaction; nothing of it may remain, and loading the file again works.
A load that dies after its commit but before its snapshot refresh is caught up by the next command.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from cashless.settings import LoadSettings
from etl.load import load_file, load_files
from tests.processes import WatchedLoad, cashless, url_of
from warehouse.snapshots import dirty_from, refresh_snapshots

from .province_fixture import write_fixture
from .warehouse_state import inside_a_write_transaction, warehouse_state

BIG_ROWS = 600_000  # three chunks of the loader's 250.000 rows: killed after the first is written
DAYS = [dt.date(2025, 1, 31), dt.date(2025, 2, 14), dt.date(2025, 3, 31)]


@pytest.mark.slow
def test_a_load_killed_halfway_changes_nothing_and_the_next_load_works(engine, big_exports):
    url = url_of(engine)
    cashless(url, "load", "customers", str(big_exports["customers"]))
    cashless(url, "load", "payments", str(big_exports["january"]))
    before = warehouse_state(engine, DAYS)
    assert before["counts"]["payments"] == 20_000

    load = WatchedLoad(url, "payments", big_exports["february_march"])
    written = load.wait_for_rows(1)
    assert written < BIG_ROWS
    assert inside_a_write_transaction(engine)
    load.kill()

    assert warehouse_state(engine, DAYS) == before

    out = cashless(url, "load", "payments", str(big_exports["february_march"])).stdout
    assert f"{BIG_ROWS:,} loaded (0 of them updates), 0 quarantined" in out
    after = warehouse_state(engine, DAYS)
    assert after["counts"]["payments"] == 20_000 + BIG_ROWS
    assert after["counts"]["load_runs"] == before["counts"]["load_runs"] + 1
    with engine.connect() as conn:
        statuses = conn.execute(text("SELECT status, COUNT(*) FROM load_runs GROUP BY status")).all()
    assert dict(statuses) == {"loaded": 3}
    refresh_snapshots(engine, full=True)  # the snapshots kept up by the loads equal a rebuild
    assert warehouse_state(engine, DAYS) == after


def test_a_load_that_died_before_its_snapshot_refresh_is_caught_up_by_the_next_command(engine, tmp_path):
    customers, january, february, _ = write_fixture(tmp_path)
    load_files(engine, "customers", [customers], LoadSettings(progress=False))
    load_files(engine, "payments", [january], LoadSettings(progress=False))
    load_file(engine, "payments", february, LoadSettings(progress=False))  # committed; died before refreshing
    with engine.connect() as conn:
        assert dirty_from(conn) == dt.date(2025, 2, 5)  # the earliest day the file touched

    out = cashless(
        url_of(engine), "kpi", "--as-of", "2025-02-28", "--by", "province", "--format", "csv"
    ).stdout
    assert out.splitlines()[1] == "ALL,9,5,0.555556"
    with engine.connect() as conn:
        assert dirty_from(conn) is None
    caught_up = warehouse_state(engine, DAYS)
    refresh_snapshots(engine, full=True)
    assert warehouse_state(engine, DAYS) == caught_up

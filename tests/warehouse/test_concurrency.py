"""Loads and readers at the same time, on both databases.

Two loads started together both land whole (the second waits for the first); a reader computing
the KPI while a load runs sees the figures from before it or after it, never anything between;
the `kpi` command answers while a load holds its write transaction.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import insert, text

from cashless.settings import LoadSettings
from etl.load import load_files
from tests.processes import WatchedLoad, cashless, url_of
from warehouse import metrics
from warehouse.db import writing
from warehouse.schema import load_runs
from warehouse.snapshots import refresh_snapshots

from .province_fixture import write_fixture
from .warehouse_state import inside_a_write_transaction, warehouse_state

DAYS = [dt.date(2025, 1, 31), dt.date(2025, 3, 31), dt.date(2025, 5, 31)]


def _amount(path) -> int:
    return int(pd.read_csv(path, usecols=["SO_TIEN"])["SO_TIEN"].sum())


def _figures(engine) -> list:
    """The KPI by office on each of DAYS: one read (one query) per day."""
    with engine.connect() as conn:
        return [metrics.kpi(conn, day, by="office").to_dict("records") for day in DAYS]


@pytest.mark.slow
def test_two_loads_started_together_both_land_whole(engine, big_exports):
    url = url_of(engine)
    cashless(url, "load", "customers", str(big_exports["customers"]))
    spring = WatchedLoad(url, "payments", big_exports["spring"])
    summer = WatchedLoad(url, "payments", big_exports["summer"])

    assert "300,000 loaded (0 of them updates), 0 quarantined" in spring.finish()
    assert "200,000 loaded (0 of them updates), 0 quarantined" in summer.finish()
    state = warehouse_state(engine, DAYS)
    assert state["counts"]["payments"] == 500_000
    assert state["payments fingerprint"][1] == _amount(big_exports["spring"]) + _amount(big_exports["summer"])
    with engine.connect() as conn:
        statuses = conn.execute(text("SELECT status, COUNT(*) FROM load_runs GROUP BY status")).all()
    assert dict(statuses) == {"loaded": 3}
    refresh_snapshots(engine, full=True)  # the snapshots both loads kept up equal a rebuild
    assert warehouse_state(engine, DAYS) == state


@pytest.mark.slow
def test_a_reader_sees_the_figures_before_or_after_a_load_never_between(engine, big_exports):
    url = url_of(engine)
    cashless(url, "load", "customers", str(big_exports["customers"]))
    cashless(url, "load", "payments", str(big_exports["january"]))
    before = _figures(engine)

    load = WatchedLoad(url, "payments", big_exports["spring"])
    load.wait_for_rows(1)
    reads = []  # (figures, whether the load still held its write transaction after the read)
    while load.process.poll() is None:
        reads.append((_figures(engine), inside_a_write_transaction(engine)))
    load.finish()
    after = _figures(engine)

    assert after[1:] != before[1:]  # the load changes March and May
    assert any(during for _, during in reads)  # some reads happened inside the load
    for figures, _ in reads:  # each read whole: as before the load or as after it, day by day
        assert all(read in (old, new) for read, old, new in zip(figures, before, after))


def test_the_kpi_command_answers_while_a_load_holds_the_write_transaction(engine, tmp_path):
    paths = write_fixture(tmp_path)
    load_files(engine, "customers", paths[:1], LoadSettings(progress=False))
    load_files(engine, "payments", paths[1:], LoadSettings(progress=False))
    url = url_of(engine)
    query = ("kpi", "--as-of", "2025-02-28", "--by", "province", "--format", "csv")
    expected = cashless(url, *query).stdout
    with writing(engine) as conn:  # what a load holds from its first row to its commit
        conn.execute(
            insert(load_runs).values(
                kind="payments",
                file_name="x.csv",
                file_hash="x",
                status="loading",
                started_at=dt.datetime.now(),
            )
        )
        answered = cashless(url, *query, check=False, timeout=120)
    assert (answered.returncode, answered.stdout) == (0, expected), answered.stderr
    assert expected.splitlines()[1] == "ALL,9,5,0.555556"

"""A warehouse made by an older schema revision keeps every row through `cashless db upgrade`.

The database is created at the first Alembic revision, filled with the province fixture (the loader
writes only tables of that revision once its office attribution, added by revision 0008, and its
snapshot refresh, whose columns revision 0009 changed, are left out), then upgraded by the command
line to the head revision, which refreshes the snapshots the loads left stale.
"""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from sqlalchemy import inspect

from cashless.settings import LoadSettings
from etl import load
from etl.load import load_files
from tests.conftest import DATABASES, fresh_postgres
from tests.processes import cashless
from warehouse import quality
from warehouse.access import Viewer
from warehouse.db import make_engine
from warehouse.migrate import alembic_config, current_revision, head_revision, seed_reference_data
from warehouse.snapshots import refresh_snapshots

from .province_fixture import write_fixture
from .warehouse_state import SNAPSHOT_TABLES, warehouse_state

FINGERPRINTS = ["payments fingerprint", "customers fingerprint"]

FIRST_REVISION = "0001"
DAYS = [dt.date(2025, 1, 31), dt.date(2025, 2, 28), dt.date(2025, 3, 31)]


@pytest.fixture(params=DATABASES)
def bare_url(request, tmp_path):
    """A database with no schema at all."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'old.db'}"
    url = request.getfixturevalue("postgres_database")
    fresh_postgres(url).dispose()
    return url


def test_a_warehouse_at_the_first_revision_upgrades_with_its_data(bare_url, tmp_path, monkeypatch):
    monkeypatch.setattr(load, "attribute_runs", lambda *args: None)  # 0008's table is not there yet
    monkeypatch.setattr(load, "refresh_snapshots", lambda *args, **kwargs: None)  # nor 0009's columns
    engine = make_engine(bare_url)
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, FIRST_REVISION)
        seed_reference_data(conn)
    assert current_revision(engine) == FIRST_REVISION
    paths = write_fixture(tmp_path)
    load_files(engine, "customers", paths[:1], LoadSettings(progress=False))
    load_files(engine, "payments", paths[1:], LoadSettings(progress=False))
    old_tables = set(inspect(engine).get_table_names())
    before = warehouse_state(engine, [])
    assert before["counts"]["payments"] == 19
    kept = [t for t in old_tables if t not in SNAPSHOT_TABLES]

    upgraded = cashless(bare_url, "db", "upgrade").stdout
    assert "schema up to date" in upgraded and "snapshots refreshed from" in upgraded
    assert current_revision(engine) == head_revision()
    after = warehouse_state(engine, DAYS)
    assert set(inspect(engine).get_table_names()) >= old_tables
    assert {t: after["counts"][t] for t in kept} == {t: before["counts"][t] for t in kept}
    assert [after[f] for f in FINGERPRINTS] == [before[f] for f in FINGERPRINTS]
    assert after["snapshot_state"] == [(1, None)]
    assert "snapshots refreshed" not in cashless(bare_url, "db", "upgrade").stdout  # again: a no-op
    assert warehouse_state(engine, DAYS) == after
    refresh_snapshots(engine, full=True)  # what the upgrade's refresh made is what a rebuild makes
    assert warehouse_state(engine, DAYS) == after
    kpi = cashless(bare_url, "kpi", "--as-of", "2025-02-28", "--by", "province", "--format", "csv").stdout
    assert kpi.splitlines()[1] == "ALL,9,5,0.555556"
    with engine.connect() as conn:  # the upgrade attributed the old runs to their offices
        runs = quality.load_history(conn, Viewer("ys", "manager", "PA1102"))
        assert len(runs) == 4 and runs["rows_quarantined"].sum() == 0
        assert quality.quarantine_reasons(conn, Viewer("tq", "manager", "PA1101"))["rows"].sum() == 2
    engine.dispose()

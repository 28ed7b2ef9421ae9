"""Year forecasts kept in the warehouse: made once per change of figures, read back as made, on both databases."""

from __future__ import annotations

import datetime as dt
import sqlite3
import time

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select

import models.forecast as forecast_module
from cli.main import main
from etl.load import load_files
from models.forecast import forecast_key, forecast_months, forecast_to, month_end_actuals
from warehouse import forecasts
from warehouse.access import Viewer
from warehouse.db import driver_connection, make_engine
from warehouse.migrate import upgrade
from warehouse.schema import forecasts as forecasts_table

from ..warehouse.province_fixture import write_fixture

AS_OF = dt.date(2025, 2, 28)
YEAR_END = dt.date(2025, 12, 31)
MANAGER = Viewer("yenson", "manager", "PA1102")


@pytest.fixture
def loaded(engine, tmp_path):
    """The hand-made province (customers, January to March) in a fresh warehouse on each database."""
    customers, *payments = write_fixture(tmp_path)
    load_files(engine, "customers", [customers])
    load_files(engine, "payments", payments)
    return engine


def kept(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(forecasts_table)).scalar()


def counting_fits(monkeypatch) -> list[int]:
    """Count forecast_offices calls (each is 14 model fits on the demo)."""
    calls, real = [], forecast_module.forecast_offices
    monkeypatch.setattr(forecast_module, "forecast_offices", lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


def test_a_forecast_is_made_once_and_read_back_as_made_while_the_figures_stay(loaded, monkeypatch):
    fits = counting_fits(monkeypatch)
    with loaded.connect() as conn:
        actuals, made = forecast_to(conn, AS_OF, YEAR_END, keep=loaded)
    assert len(fits) == 1 and kept(loaded) == 1
    with loaded.connect() as conn:
        again_actuals, again = forecast_to(conn, AS_OF, YEAR_END, keep=loaded)
        manager_actuals, mine = forecast_to(conn, AS_OF, YEAR_END, viewer=MANAGER, keep=loaded)
    assert len(fits) == 1 and kept(loaded) == 1  # both read the kept one
    pd.testing.assert_frame_equal(again.table, made.table, check_exact=True)
    pd.testing.assert_frame_equal(again_actuals, actuals)
    assert again.months == made.months == forecast_months(AS_OF, YEAR_END)
    offices = sorted(set(actuals["office_code"]))
    assert {"PA1101", "PA1102"} <= set(offices)  # the fixture's two, beside the catalog's empty ones
    assert list(again.rate_paths) == list(made.rate_paths) == [*offices, "ALL"]
    for code, paths in made.rate_paths.items():
        np.testing.assert_array_equal(again.rate_paths[code], paths)
    # a manager sees the same forecast of their office, and no other office and no province
    assert set(mine.table["office_code"]) == {"PA1102"} and list(mine.rate_paths) == ["PA1102"]
    pd.testing.assert_frame_equal(
        mine.table, made.table[made.table["office_code"] == "PA1102"].reset_index(drop=True), check_exact=True
    )
    assert set(manager_actuals["office_code"]) == {"PA1102"}


def test_other_figures_make_a_new_forecast_and_without_keep_nothing_is_stored(loaded, monkeypatch):
    fits = counting_fits(monkeypatch)

    def forecast(as_of, **keep):
        with loaded.connect() as conn:  # as each page loader: a read transaction of its own
            return forecast_to(conn, as_of, YEAR_END, **keep)[1]

    forecast(AS_OF)  # no engine to keep it through
    assert kept(loaded) == 0
    made = forecast(AS_OF, keep=loaded)
    real = forecast_module.month_end_actuals
    with loaded.connect() as conn:
        changed = real(conn, AS_OF)
    changed.loc[changed["office_code"] == "PA1102", "active_customers"] += 1  # one customer more
    monkeypatch.setattr(forecast_module, "month_end_actuals", lambda *a, **k: changed)
    other = forecast(AS_OF, keep=loaded)
    monkeypatch.setattr(forecast_module, "month_end_actuals", real)
    assert forecast(AS_OF, keep=loaded).table.equals(made.table)  # the first figures again: read
    forecast(dt.date(2025, 1, 31), keep=loaded)  # another as-of day: other figures
    assert len(fits) == 4 and kept(loaded) == 3
    assert not other.table.equals(made.table)  # made from the changed figures, not read


def test_only_the_newest_forecasts_are_kept_and_a_key_is_written_once(engine):
    for number in range(forecasts.KEPT + 3):
        assert forecasts.store(engine, f"k{number:03d}", bytes([number]))
    assert forecasts.store(engine, "k026", b"other")  # already there: the first body stays
    with engine.connect() as conn:
        keys = set(conn.execute(select(forecasts_table.c.key)).scalars())
        assert forecasts.stored(conn, "k026") == bytes([26])
        assert forecasts.stored(conn, "k000") is None
    assert keys == {f"k{number:03d}" for number in range(3, forecasts.KEPT + 3)}


def test_a_busy_sqlite_database_skips_the_write_instead_of_waiting(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    upgrade(engine)
    writer = sqlite3.connect(tmp_path / "w.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # as a load's file transaction holds the writer lock
    started = time.perf_counter()
    assert not forecasts.store(engine, "k", b"body")
    waited = time.perf_counter() - started
    writer.execute("ROLLBACK")
    assert waited < 5  # the engine's own timeout is 60 s
    assert kept(engine) == 0
    assert forecasts.store(engine, "k", b"body") and kept(engine) == 1
    with engine.connect() as conn:  # the pooled connection waits as long as before for other writes
        assert driver_connection(conn).execute("PRAGMA busy_timeout").fetchone()[0] == 60_000
    engine.dispose()


def test_the_weekly_ingest_keeps_the_year_forecast_the_pages_ask_for_first(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["db", "upgrade"]) == 0
    folder = tmp_path / "drop"
    folder.mkdir()
    write_fixture(folder)
    assert main(["ingest", str(folder)]) == 0
    engine = make_engine(url)
    with engine.connect() as conn:
        (key,) = conn.execute(select(forecasts_table.c.key)).scalars()
        last = dt.date(2025, 3, 5)  # the last payment: C05 on 05/03/2025
        actuals = month_end_actuals(conn, last)
    assert key == forecast_key(actuals, forecast_months(last, YEAR_END), forecast_module.REPETITIONS, 0)
    engine.dispose()


def test_an_ingest_whose_forecast_fails_still_loads_and_says_so_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'w.db'}")
    assert main(["db", "upgrade"]) == 0
    folder = tmp_path / "drop"
    folder.mkdir()
    write_fixture(folder)

    def fails(engine):
        raise RuntimeError("no fit")

    monkeypatch.setattr(forecast_module, "keep_year_forecast", fails)
    assert main(["ingest", str(folder)]) == 0
    done = capsys.readouterr()
    assert "4 file(s): 4 loaded, 0 already loaded, 0 rejected" in done.out
    assert done.err.strip() == "cashless: year forecast not kept (RuntimeError: no fit)"

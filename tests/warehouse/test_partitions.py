"""Payments by month on PostgreSQL (issue 15): migration 0011 converts a loaded warehouse and back,
loads add the partitions they need inside their transaction, SQLite keeps one table."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from cashless.settings import LoadSettings
from etl.load import load_file, load_files
from tests.conftest import fresh_postgres
from tests.processes import cashless, url_of
from warehouse import partitions
from warehouse.days import epoch
from warehouse.db import make_engine, writing
from warehouse.migrate import alembic_config, current_revision, head_revision, seed_reference_data
from warehouse.partitions import MonthPartitions, payment_layout
from warehouse.schema import made_on, metadata

from .province_fixture import write_fixture
from .warehouse_state import assert_snapshots_match_reference, payment_rows, warehouse_state

SETTINGS = LoadSettings(progress=False)
DAYS = [dt.date(2025, 1, 31), dt.date(2025, 2, 28), dt.date(2025, 3, 31)]
MONTHS = ["payments_2025_01", "payments_2025_02", "payments_2025_03"]
KPI = ("kpi", "--as-of", "2025-02-28", "--by", "office", "--format", "csv")
HEADER = "MA_GD,MA_KHANG,KY_HD,NGAY_TT,SO_TIEN,KENH_TT\n"


def _migrate(engine, revision: str, up: bool = True) -> None:
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        (command.upgrade if up else command.downgrade)(config, revision)
        seed_reference_data(conn)


def _partitions(engine) -> list[str]:
    """The partitions of payments, by name ([] when payments is one table)."""
    with engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                    "WHERE i.inhparent = 'payments'::regclass ORDER BY c.relname"
                )
            ).scalars()
        )


def _is_partitioned(engine) -> bool:
    with engine.connect() as conn:
        return (
            conn.execute(
                text("SELECT COUNT(*) FROM pg_partitioned_table WHERE partrelid = 'payments'::regclass")
            ).scalar()
            == 1
        )


def _payment_ids(engine) -> list[tuple]:
    with engine.connect() as conn:
        return sorted(
            (row[0], row[1], row[2].isoformat())
            for row in conn.execute(text("SELECT payment_id, customer_key, paid_at FROM payment_ids"))
        )


def _stored_ids(engine) -> list[tuple]:
    with engine.connect() as conn:
        return sorted(
            (row[0], row[1], row[2].isoformat())
            for row in conn.execute(text("SELECT payment_id, customer_key, paid_at FROM payments"))
        )


@pytest.fixture
def postgres_url(postgres_database):
    fresh_postgres(postgres_database).dispose()
    return postgres_database


def _loaded_at_0010(postgres_url: str, tmp_path, monkeypatch):
    """The fixture province loaded into a warehouse at 0010, as that revision's code loaded it (no
    list counts: their table came in 0012); returns the engine and the files."""
    from warehouse import snapshots

    engine = make_engine(postgres_url)
    _migrate(engine, "0010")
    monkeypatch.setattr(snapshots, "store_counts", lambda conn: None)
    paths = write_fixture(tmp_path)
    load_files(engine, "customers", paths[:1], SETTINGS)
    load_files(engine, "payments", paths[1:], SETTINGS)
    return engine, paths


@pytest.mark.postgres
def test_a_loaded_warehouse_at_0010_is_partitioned_by_0011_and_keeps_every_row(
    postgres_url, tmp_path, monkeypatch
):
    engine, paths = _loaded_at_0010(postgres_url, tmp_path, monkeypatch)
    assert not _is_partitioned(engine) and _partitions(engine) == []
    before, rows = warehouse_state(engine, DAYS), payment_rows(engine)
    assert before["payments fingerprint"][0] == 19

    upgraded = cashless(postgres_url, "db", "upgrade").stdout
    assert "schema up to date" in upgraded
    assert current_revision(engine) == head_revision()
    assert _is_partitioned(engine) and _partitions(engine) == MONTHS
    after = warehouse_state(engine, DAYS)
    assert payment_rows(engine) == rows
    assert {k: v for k, v in after.items() if k != "counts"} == {
        k: v for k, v in before.items() if k != "counts"
    }
    assert {t: n for t, n in after["counts"].items() if t in before["counts"]} == before["counts"]
    assert after["counts"]["payment_ids"] == 19
    assert _payment_ids(engine) == _stored_ids(engine)  # every id owned by its payment's customer and day
    assert_snapshots_match_reference(engine, DAYS)  # the reference SQL reads the partitions
    with engine.connect() as conn:  # partitions are payments, not tables missing from the schema
        differences = compare_metadata(
            MigrationContext.configure(conn, opts={"include_object": made_on("postgresql")}), metadata
        )
    assert differences == []

    resent = tmp_path / "payments_2025-02_again.csv"  # other bytes, the same payments: all updates
    lines = paths[2].read_text(encoding="utf-8").splitlines()
    resent.write_text("\n".join([lines[0], *reversed(lines[1:])]) + "\n", encoding="utf-8")
    result = load_file(engine, "payments", resent, SETTINGS)
    assert (result.loaded, result.updated) == (11, 11)
    assert payment_rows(engine) == rows

    _migrate(engine, "0010", up=False)  # and back to one table, with the same rows
    assert not _is_partitioned(engine)
    assert {"payment_ids", *MONTHS}.isdisjoint(inspect(engine).get_table_names())
    assert payment_rows(engine) == rows
    with engine.connect() as conn:
        assert [ix["name"] for ix in inspect(conn).get_indexes("payments")] == ["ix_payments_paid_at"]
        assert inspect(conn).get_pk_constraint("payments")["constrained_columns"] == ["payment_id"]
    engine.dispose()


@pytest.mark.postgres
def test_the_kpi_command_answers_the_same_before_and_after_the_upgrade(postgres_url, tmp_path, monkeypatch):
    """What `cashless kpi` prints from a warehouse loaded at 0010 (the code of that revision printed
    the same: the snapshots it reads are untouched) is what it prints once payments is partitioned."""
    engine, paths = _loaded_at_0010(postgres_url, tmp_path, monkeypatch)
    with engine.begin() as conn:  # `cashless kpi` refuses an old schema: ask it at 0010 as head
        conn.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head_revision()})
    before = cashless(postgres_url, *KPI).stdout
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0010'"))
    cashless(postgres_url, "db", "upgrade")
    assert _is_partitioned(engine)
    assert cashless(postgres_url, *KPI).stdout == before
    assert before.splitlines()[2].startswith("PA1102,5,3,0.600000")
    engine.dispose()


@pytest.mark.postgres
def test_loads_add_the_months_they_need_and_a_failed_load_leaves_none(postgres_url, tmp_path, monkeypatch):
    added = []
    add = partitions.add_partitions
    monkeypatch.setattr(
        partitions, "add_partitions", lambda conn, months: add(conn, added.extend(months) or months)
    )
    engine = make_engine(postgres_url)
    cashless(postgres_url, "db", "upgrade")
    paths = write_fixture(tmp_path)
    load_files(engine, "customers", paths[:1], SETTINGS)
    assert _partitions(engine) == []
    load_files(engine, "payments", paths[1:2], SETTINGS)
    assert _partitions(engine) == ["payments_2025_01"]
    broken = tmp_path / "broken.csv"  # May payments written, then a row that breaks the file: rejected
    good = [f"B{day},C01,202505,{day}/05/2025,1000,BIDV\n" for day in (10, 11, 12)]
    broken.write_text(
        HEADER + "".join(good) + "B9,C01,202505,20/05/2025,1000,BIDV,extra,fields\n", encoding="utf-8"
    )
    assert (
        load_file(engine, "payments", broken, LoadSettings(chunk_rows=1, progress=False)).status == "rejected"
    )
    assert added[-1] == dt.date(2025, 5, 1)  # made for the rows written before the bad one
    assert _partitions(engine) == ["payments_2025_01"]  # and gone with the load's transaction
    load_files(engine, "payments", paths[2:], SETTINGS)
    assert _partitions(engine) == MONTHS
    engine.dispose()


@pytest.mark.postgres
def test_adding_a_partition_blocks_no_reader_of_payments(postgres_url, tmp_path):
    """A load adds its months with ATTACH PARTITION, whose lock (held to the load's commit) lets
    readers of payments through, where CREATE TABLE ... PARTITION OF would queue them all."""
    engine = make_engine(postgres_url)
    cashless(postgres_url, "db", "upgrade")
    reader = create_engine(url_of(engine))
    with writing(engine) as conn:
        MonthPartitions(conn, payment_layout(conn)).make_room([epoch(dt.date(2025, 4, 9))])
        with reader.connect() as other:
            other.execute(text("SET lock_timeout = '2s'"))
            assert other.execute(text("SELECT COUNT(*) FROM payments")).scalar() == 0
            modes = other.execute(
                text("SELECT mode FROM pg_locks WHERE relation = 'payments'::regclass AND granted")
            ).scalars()
            assert set(modes) == {"ShareUpdateExclusiveLock", "AccessShareLock"}
    assert _partitions(engine) == ["payments_2025_04"]
    reader.dispose()
    engine.dispose()


def test_sqlite_keeps_one_table_keyed_by_payment_id(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    cashless(url_of(engine), "db", "upgrade")
    tables = inspect(engine).get_table_names()
    assert "payments" in tables and "payment_ids" not in tables
    assert inspect(engine).get_pk_constraint("payments")["constrained_columns"] == ["payment_id"]
    with engine.connect() as conn:
        assert payment_layout(conn).id_table == "payments"
    engine.dispose()

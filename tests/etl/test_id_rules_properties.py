"""Property: on PostgreSQL's payments by month, the id rules hold exactly as on SQLite's one table.

Files drawn with ids from a small pool, so they are re-sent with the same customer (upserted, maybe
to another month: the row moves partition) or another one (quarantined: the id keeps its first
owner), and with payments without an id. The same files loaded in the same order must give, on
both databases, the same counts per file, the same payments, the same quarantine; and on
PostgreSQL payment_ids must name each stored payment's owner and day. Chunks of two rows, and a
probe of one sampled id, so the direct path is tried, undone and merged too.
"""

from __future__ import annotations

import datetime as dt
import functools
import tempfile
import uuid
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from cashless.settings import LoadSettings
from etl import load
from etl.load import load_files
from tests.conftest import POSTGRES_ADMIN_URL
from tests.warehouse.province_fixture import CUSTOMERS
from warehouse.db import make_engine
from warehouse.migrate import upgrade

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SETTINGS = LoadSettings(chunk_rows=2, progress=False, parse_ahead=False)
HEADER = "MA_GD,MA_KHANG,KY_HD,NGAY_TT,SO_TIEN,KENH_TT"


@st.composite
def payment_files(draw) -> list[list[str]]:
    """One to four files of one to six rows: ids from a pool of five (or none), four customers, days
    in January to April 2025."""
    files = []
    for _ in range(draw(st.integers(1, 4))):
        rows = []
        for _ in range(draw(st.integers(1, 6))):
            payment_id = draw(st.sampled_from(["R1", "R2", "R3", "R4", "R5", ""]))
            customer = draw(st.sampled_from(["C01", "C02", "C03", "C07"]))
            paid = dt.date(2025, 1, 1) + dt.timedelta(days=draw(st.integers(0, 119)))
            amount = draw(st.sampled_from(["10.000", "25.000"]))
            channel = draw(st.sampled_from(["BIDV", "Thu tại quầy", "MoMo"]))
            rows.append(f"{payment_id},{customer},202501,{paid:%d/%m/%Y},{amount},{channel}")
        files.append(rows)
    return files


@functools.cache
def _templates() -> tuple[Path, str]:
    """A SQLite file and a PostgreSQL template database, upgraded, with the fixture's customers."""
    folder = Path(tempfile.mkdtemp(prefix="id-rules-"))
    (folder / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    name = f"cashless_id_rules_{uuid.uuid4().hex[:8]}"
    with create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    for url in (f"sqlite:///{folder / 'template.db'}", _url(name)):
        engine = make_engine(url)
        upgrade(engine)
        load_files(engine, "customers", [folder / "customers.csv"], SETTINGS)
        engine.dispose()
    return folder / "template.db", name


def _url(database: str) -> str:
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{database}"


@pytest.fixture(scope="module")
def templates():
    template_file, template_database = _templates()
    yield template_file, template_database
    with create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{template_database}" WITH (FORCE)'))


def _load(url: str, folder: Path, files: list[list[str]]) -> tuple:
    """Load `files` in order into the warehouse at `url`; what each load did and what is stored."""
    engine = make_engine(url)
    results = []
    for index, rows in enumerate(files):
        path = folder / f"file{index}.csv"
        path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
        (result,) = load_files(engine, "payments", [path], SETTINGS)
        results.append((result.status, result.loaded, result.updated, result.quarantined))
    with engine.connect() as conn:
        payments = sorted(
            tuple(str(value) for value in row)
            for row in conn.execute(
                text(
                    "SELECT p.payment_id, c.customer_id, p.paid_at, p.amount, n.raw_text FROM payments p "
                    "JOIN customers c ON c.customer_key = p.customer_key "
                    "JOIN channel_names n ON n.id = p.channel_name_id"
                )
            )
        )
        quarantined = sorted(
            tuple(row)
            for row in conn.execute(
                text(
                    "SELECT r.file_name, q.row_number, q.column_name, q.reason FROM quarantine q "
                    "JOIN load_runs r ON r.id = q.load_run_id"
                )
            )
        )
        owners = None
        if engine.dialect.name == "postgresql":
            owners = [
                conn.execute(text(f"SELECT payment_id, customer_key, paid_at FROM {table} ORDER BY 1")).all()
                for table in ("payment_ids", "payments")
            ]
    engine.dispose()
    return results, payments, [(Path(f).name, *rest) for f, *rest in quarantined], owners


@settings(max_examples=25)
@given(files=payment_files(), sample=st.sampled_from([1, 1000]))
def test_the_id_rules_hold_the_same_on_both_databases(templates, files, sample):
    template_file, template_database = templates
    database = f"cashless_id_rules_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database}" TEMPLATE "{template_database}"'))
    try:
        with tempfile.TemporaryDirectory() as folder, mock.patch.object(load, "ID_SAMPLE", sample):
            lite = Path(folder) / "w.db"
            lite.write_bytes(template_file.read_bytes())
            on_sqlite = _load(f"sqlite:///{lite}", Path(folder), files)
            on_postgres = _load(_url(database), Path(folder), files)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()
    assert on_postgres[:3] == on_sqlite[:3]
    ids, stored = on_postgres[3]
    assert ids == stored  # payment_ids: each stored payment's id, owner and day, and nothing else
    for rows, (status, loaded, _, quarantined) in zip(files, on_sqlite[0], strict=True):
        assert status == "skipped" or loaded + quarantined == len(rows)  # skipped: the same bytes again

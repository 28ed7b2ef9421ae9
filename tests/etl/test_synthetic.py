"""The demo province generator: deterministic, exactly calibrated, written like real exports."""

from __future__ import annotations

import datetime as dt
import hashlib
import os

import pandas as pd
import pytest

from etl.load import load_files
from etl.synthetic import HEADLINE_ACTIVE, HEADLINE_CASHLESS, HEADLINE_DAY, generate_province
from tests.conftest import fresh_postgres
from warehouse import metrics, reference
from warehouse.db import make_engine
from warehouse.migrate import upgrade

SCALE = 0.02


@pytest.fixture(scope="module")
def small_province(tmp_path_factory):
    return generate_province(tmp_path_factory.mktemp("province"), scale=SCALE)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def loaded_province(request, small_province, tmp_path_factory):
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('db') / 'w.db'}")
    else:
        engine = fresh_postgres(request.getfixturevalue("postgres_database"))
    upgrade(engine)
    customers = load_files(engine, "customers", small_province.customers)
    payments = load_files(engine, "payments", small_province.payments)
    yield engine, customers, payments
    engine.dispose()


def _digest(files):
    return [hashlib.sha256(p.read_bytes()).hexdigest() for p in files.customers + files.payments]


def test_same_seed_same_bytes(small_province, tmp_path):
    again = generate_province(tmp_path, scale=SCALE)
    assert _digest(again) == _digest(small_province)


def test_file_set_and_dialects(small_province):
    names = [p.name for p in small_province.customers]
    assert names[-1].endswith(".xlsx")
    assert [p.name for p in small_province.payments][0] == "payments_2023-03.csv"
    assert len(small_province.payments) == 24
    heads = [p.read_bytes()[:200] for p in small_province.customers[:-1] + small_province.payments]
    assert any(h.startswith(b"\xef\xbb\xbf") for h in heads)  # a BOM
    assert any(b";" in h.split(b"\n")[0] for h in heads)  # a semicolon file
    assert any(b"\r\n" in h for h in heads)  # Windows line endings
    assert any(h.startswith(b"ma_kh;dien_luc;xa_phuong") for h in heads)  # the other aliases
    first = pd.read_csv(small_province.payments[0], dtype=str, encoding="utf-8-sig")
    assert first["NGAY_TT"].str.match(r"^\d{2}/03/2023$").all()  # dd/mm/yyyy
    assert first["SO_TIEN"].str.contains(r"^\d{1,3}(?:\.\d{3})+$").any()  # 1.234.567


def test_headline_is_exact_after_quarantine(loaded_province):
    engine, customers, payments = loaded_province
    with engine.connect() as conn:
        province = metrics.kpi(conn, HEADLINE_DAY, by="province").iloc[0]
        scanned = reference.customer_counts(conn, HEADLINE_DAY, by="province").iloc[0]
    assert province["active_customers"] == round(HEADLINE_ACTIVE * SCALE)
    assert province["cashless_customers"] == round(HEADLINE_CASHLESS * SCALE)
    assert (scanned["active_customers"], scanned["cashless_customers"]) == (
        province["active_customers"],
        province["cashless_customers"],
    )


def test_bad_rows_and_unknown_channels_are_there(loaded_province):
    engine, customers, payments = loaded_province
    assert sum(r.quarantined for r in customers) == 3
    assert sum(r.quarantined for r in payments) == 5
    with engine.connect() as conn:
        reasons = [r for (r,) in conn.exec_driver_sql("SELECT reason FROM quarantine")]
        unknown = conn.exec_driver_sql(
            "SELECT COUNT(*) FROM channel_names n LEFT JOIN channels c ON c.key = n.key WHERE c.key IS NULL"
        ).scalar()
    assert any("unknown office code 'PA1199'" in r for r in reasons)
    assert any("duplicate customer_id" in r for r in reasons)
    assert any("31/02/2024" in r for r in reasons)
    assert unknown >= 1


def test_offices_differ_and_the_rate_rises(loaded_province):
    engine, *_ = loaded_province
    with engine.connect() as conn:
        start = metrics.kpi(conn, dt.date(2023, 3, 31), by="province").iloc[0]["cashless_rate"]
        offices = metrics.kpi(conn, HEADLINE_DAY).set_index("office_code")["cashless_rate"]
    assert 0.45 < start < 0.65
    assert offices["PA1101"] > offices["PA1107"] + 0.15


@pytest.mark.parametrize("day", [dt.date(2024, 6, 15), dt.date(2024, 6, 30), dt.date(2025, 1, 31)])
def test_snapshots_agree_with_reference_on_generated_data(loaded_province, day):
    engine, *_ = loaded_province
    with engine.connect() as conn:
        looked_up = metrics.customer_counts(conn, day, by="commune")
        scanned = reference.customer_counts(conn, day, by="commune")
        moves = metrics.movements(conn, day - dt.timedelta(days=30), day)
        moves_ref = reference.movements(conn, day - dt.timedelta(days=30), day)
        value = metrics.value_rate(conn, day - dt.timedelta(days=30), day)
        value_ref = reference.value_rate(conn, day - dt.timedelta(days=30), day)
    looked_up = looked_up[looked_up["active_customers"] > 0].set_index(["office_code", "commune_id"])
    scanned = scanned.set_index(["office_code", "commune_id"])
    columns = ["active_customers", "cashless_customers"]
    assert looked_up[columns].sort_index().equals(scanned[columns].sort_index())
    assert moves.set_index("office_code")[["converted", "slipped"]].equals(
        moves_ref.set_index("office_code")[["converted", "slipped"]]
    )
    assert value.set_index("office_code")[["amount", "cashless_amount"]].equals(
        value_ref.set_index("office_code")[["amount", "cashless_amount"]]
    )


@pytest.mark.skipif(
    os.environ.get("CASHLESS_FULL_SCALE") != "1", reason="full scale: set CASHLESS_FULL_SCALE=1"
)
def test_full_scale_headline(tmp_path):
    files = generate_province(tmp_path / "files", scale=1.0)
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    upgrade(engine)
    load_files(engine, "customers", files.customers)
    load_files(engine, "payments", files.payments)
    with engine.connect() as conn:
        province = metrics.kpi(conn, HEADLINE_DAY, by="province").iloc[0]
    assert (province["active_customers"], province["cashless_customers"]) == (273_452, 209_581)

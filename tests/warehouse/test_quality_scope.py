"""Load runs, quarantined rows and unknown-channel totals are office-scoped, on both databases.

On the hand-made province (province_fixture): the February file quarantines C01's impossible date
and C03's negative amount (PA1101) and C99's payment (no such customer: no office). 'SmartPay' was
used by C07 (PA1102) only. Two more files below belong to one office each.
"""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update

from etl.load import load_files
from warehouse import channels, quality
from warehouse.access import AccessDenied, Viewer
from warehouse.schema import load_run_offices, quarantine

from .test_metrics_fixture import _load

ADMIN = Viewer("admin", "admin")
PLANNER = Viewer("plan", "planner")
TUYEN_QUANG = Viewer("tq", "manager", "PA1101")
YEN_SON = Viewer("ys", "manager", "PA1102")

# PA1101 only: C05 pays in April. PA1102 only: a customers file whose C13 row has a bad start date.
PA1101_PAYMENTS = "MA_KHANG,KY_HD,NGAY_TT,SO_TIEN,KENH_TT\nC05,2025-03,05/04/2025,55.000,VNPay\n"
PA1102_CUSTOMERS = (
    "MA_KHANG;MA_DVIQLY;TEN_XA;LOAI_KH;TEN_KHANG;DIA_CHI;SO_DTHOAI;NGAY_HLUC;NGAY_HET_HLUC\n"
    "C13;PA1102;Xã C;sinh hoạt;Lý Văn Nam;Thôn 4, Xã C;;32/13/2020;\n"
)


@pytest.fixture
def loaded(engine, tmp_path):
    _load(engine, tmp_path)
    (tmp_path / "pa1101.csv").write_text(PA1101_PAYMENTS, encoding="utf-8")
    (tmp_path / "pa1102.csv").write_text(PA1102_CUSTOMERS, encoding="utf-8")
    load_files(engine, "payments", [tmp_path / "pa1101.csv"])
    load_files(engine, "customers", [tmp_path / "pa1102.csv"])
    return engine


def _names(runs):
    return [name.rsplit("/", 1)[-1] for name in runs["file_name"]]


def test_a_manager_sees_only_the_runs_of_their_office_with_their_counts(loaded):
    with loaded.connect() as conn:
        everything = quality.load_history(conn, ADMIN)
        mine = quality.load_history(conn, TUYEN_QUANG).set_index("file_name")
        theirs = quality.load_history(conn, YEN_SON)
    assert _names(everything) == [
        "pa1102.csv",
        "pa1101.csv",
        "payments_2025-03.csv",
        "payments_2025-02.csv",
        "payments_2025-01.csv",
        "customers.csv",
    ]
    assert "pa1102.csv" not in _names(mine.reset_index())
    assert "pa1101.csv" not in _names(theirs)
    assert len(mine) == len(theirs) == 5
    february = mine.loc[[n for n in mine.index if n.endswith("payments_2025-02.csv")][0]]
    # PA1101's February rows: C01, C02 twice, C03, C04 loaded; C01's and C03's bad rows quarantined.
    assert (february["rows_loaded"], february["rows_quarantined"], february["rows_read"]) == (5, 2, 7)
    assert theirs.set_index("file_name")["rows_quarantined"].tolist() == [1, 0, 0, 0, 0]  # C13 only
    assert everything["rows_quarantined"].sum() == 4  # C99's row is in no office: admins see it


def test_quarantined_rows_and_reasons_are_those_of_the_viewers_office(loaded):
    with loaded.connect() as conn:
        assert sorted(quality.quarantined_rows(conn, ADMIN)["column_name"]) == [
            "amount",
            "contract_start",
            "customer_id",
            "paid_at",
        ]
        assert sorted(quality.quarantined_rows(conn, TUYEN_QUANG)["column_name"]) == ["amount", "paid_at"]
        assert list(quality.quarantined_rows(conn, YEN_SON)["column_name"]) == ["contract_start"]
        assert quality.quarantine_reasons(conn, TUYEN_QUANG)["rows"].sum() == 2
        assert quality.quarantine_reasons(conn, YEN_SON)["rows"].sum() == 1
        assert quality.quarantine_reasons(conn, PLANNER)["rows"].sum() == 4


def test_unknown_channel_totals_of_the_province_for_admins_only(loaded):
    with loaded.connect() as conn:
        province = channels.unknown_channels(conn, ADMIN)
        assert list(province.columns)[:3] == ["raw_text", "payments", "amount"]
        assert province.set_index("raw_text").loc["SmartPay", ["payments", "amount"]].tolist() == [1, 400_000]
        assert channels.unknown_channels(conn, TUYEN_QUANG).empty
        own = channels.unknown_channels(conn, YEN_SON)
        assert own[["raw_text", "payments", "amount"]].values.tolist() == [["SmartPay", 1, 400_000]]
        per_office = channels.unknown_channels(conn, PLANNER)
        assert per_office[["office_code", "raw_text", "payments"]].values.tolist() == [
            ["PA1102", "SmartPay", 1]
        ]
        assert channels.unknown_channels(conn, PLANNER, "PA1101").empty
        with pytest.raises(AccessDenied):
            channels.unknown_channels(conn, TUYEN_QUANG, "PA1102")


@pytest.mark.parametrize("batch", [quality.ID_BATCH, 1])  # 1: every quarantined customer id its own query
def test_backfill_attributes_the_same_offices_as_the_loader(loaded, batch, monkeypatch):
    monkeypatch.setattr(quality, "ID_BATCH", batch)

    def stored(conn):
        offices = conn.execute(select(load_run_offices).order_by(*load_run_offices.primary_key)).all()
        rows = conn.execute(select(quarantine.c.id, quarantine.c.office_code).order_by(quarantine.c.id)).all()
        return offices, rows

    with loaded.begin() as conn:
        at_load = stored(conn)
        conn.execute(delete(load_run_offices))
        conn.execute(update(quarantine).values(office_code=None))
        quality.attribute_runs(conn)  # what migration 0008 runs on a warehouse loaded before it
        assert stored(conn) == at_load
    assert [office for _, office in at_load[1]].count(None) == 1  # C99's payment

"""Re-sending data changes no figure (DESIGN §3), on both databases.

The province fixture is loaded, then sent again in every way a billing office re-sends: the same
files, the same rows re-saved in another dialect or as a workbook (different bytes, same payments:
the hash ids are stable), files overlapping what is loaded, with and without MA_GD. Customers,
payments, snapshots and KPI must stay exactly as they were; only the record of runs grows.
"""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd

from cashless.settings import LoadSettings
from etl.load import load_files

from .province_fixture import CUSTOMERS, FEBRUARY, MARCH, write_fixture
from .warehouse_state import assert_snapshots_match_reference, payment_rows, warehouse_state

DAYS = [dt.date(2025, 1, 31), dt.date(2025, 2, 10), dt.date(2025, 2, 28), dt.date(2025, 3, 31)]
RUN_RECORDS = ("load_runs", "load_run_offices", "quarantine")  # grow with every file sent, by design
WITH_IDS = """\
MA_GD,MA_KHANG,KY_HD,NGAY_TT,SO_TIEN,KENH_TT
G1,C06,202501,03/02/2025,10.000,Thu tại quầy
G2,C06,202501,04/02/2025,11.000,Agribank
G3,C10,202501,05/02/2025,12.000,VNPay
G4,C10,202501,06/02/2025,13.000,Thu tại nhà
"""
OVERLAPPING_IDS = """\
MA_GD,MA_KHANG,KY_HD,NGAY_TT,SO_TIEN,KENH_TT
G3,C10,202501,05/02/2025,12.000,VNPay
G4,C10,202501,06/02/2025,13.000,Thu tại nhà
G5,C06,202502,03/03/2025,14.000,MoMo
"""


def _frame(content: str, sep: str = ",") -> pd.DataFrame:
    return pd.read_csv(io.StringIO(content), sep=sep, dtype=str, keep_default_na=False)


def _iso_dates(values: pd.Series) -> pd.Series:
    """dd/mm/yyyy -> yyyy-mm-dd where valid; invalid dates stay as written (and stay quarantined)."""
    days = pd.to_datetime(values, format="%d/%m/%Y", errors="coerce")
    return days.dt.strftime("%Y-%m-%d").where(days.notna(), values)


def _resaved_payments(frame: pd.DataFrame, path, **dialect):
    """The same payments as another program writes them: 1,234,567 and ISO dates, or a workbook."""
    frame = frame.copy()
    amounts = pd.to_numeric(frame["SO_TIEN"].str.replace(".", "", regex=False), errors="coerce")
    if path.suffix == ".xlsx":  # numbers stored as numbers, real Excel date cells
        frame["SO_TIEN"] = amounts.astype(object).where(amounts > 0, frame["SO_TIEN"])
        days = pd.to_datetime(frame["NGAY_TT"], format="%d/%m/%Y", errors="coerce")
        frame["NGAY_TT"] = days.astype(object).where(days.notna(), frame["NGAY_TT"])
        frame.to_excel(path, index=False)
    else:
        frame["SO_TIEN"] = amounts.map("{:,.0f}".format).where(amounts > 0, frame["SO_TIEN"])
        frame["NGAY_TT"] = _iso_dates(frame["NGAY_TT"])
        frame.to_csv(path, index=False, **dialect)
    return path


def _resaved_customers(path):
    frame = _frame(CUSTOMERS, sep=";")
    frame["NGAY_HLUC"] = _iso_dates(frame["NGAY_HLUC"])
    frame.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    return path


def _send(engine, kind, paths, chunk_rows):
    return load_files(engine, kind, paths, LoadSettings(chunk_rows=chunk_rows, progress=False))


def _comparable(state: dict) -> dict:
    return {**state, "counts": {t: n for t, n in state["counts"].items() if t not in RUN_RECORDS}}


def test_resending_in_every_form_changes_nothing(engine, tmp_path):
    customers, january, february, march = write_fixture(tmp_path)
    with_ids, overlapping_ids = tmp_path / "with_ids.csv", tmp_path / "overlapping_ids.csv"
    with_ids.write_text(WITH_IDS, encoding="utf-8")
    overlapping_ids.write_text(OVERLAPPING_IDS, encoding="utf-8")
    _send(engine, "customers", [customers], 250_000)
    _send(engine, "payments", [january, february, march, with_ids], 250_000)
    (overlapping,) = _send(engine, "payments", [overlapping_ids], 250_000)
    assert (overlapping.loaded, overlapping.updated) == (3, 2)  # G3 and G4 were there; G5 is new
    before = _comparable(warehouse_state(engine, DAYS))
    payments_before = payment_rows(engine)
    assert before["counts"]["payments"] == 19 + 4 + 1

    late_february_and_march = pd.concat([_frame(FEBRUARY).iloc[5:], _frame(MARCH)])  # overlaps both
    sends = [
        ("customers", [customers]),  # the very same files
        ("payments", [january, february, march, with_ids, overlapping_ids]),
        ("customers", [_resaved_customers(tmp_path / "customers_bom_crlf_iso.csv")]),
        ("payments", [_resaved_payments(_frame(FEBRUARY), tmp_path / "february.csv", sep=";")]),
        ("payments", [_resaved_payments(_frame(FEBRUARY), tmp_path / "february.xlsx")]),
        ("payments", [_resaved_payments(late_february_and_march, tmp_path / "overlap.csv")]),
        (
            "payments",
            [_resaved_payments(_frame(WITH_IDS + OVERLAPPING_IDS.split("\n", 1)[1]), tmp_path / "ids.csv")],
        ),
    ]
    outcomes = []
    for kind, paths in sends:
        # Chunks of three rows: chunk boundaries fall between rows repeated within a file too.
        outcomes += [(r.status, r.loaded, r.updated) for r in _send(engine, kind, paths, chunk_rows=3)]
        assert _comparable(warehouse_state(engine, DAYS)) == before, paths
        assert payment_rows(engine) == payments_before
    # Skipped: the same content loaded before with nothing quarantined; February had bad rows.
    assert [status for status, _, _ in outcomes] == ["skipped"] * 2 + ["loaded"] + ["skipped"] * 3 + [
        "loaded"
    ] * 5
    assert all(updated == loaded > 0 for status, loaded, updated in outcomes if status == "loaded")
    assert_snapshots_match_reference(engine, DAYS)


def test_rows_quarantined_for_unknown_customers_load_when_the_file_is_sent_again(engine, tmp_path):
    customers, january, *_ = write_fixture(tmp_path)
    (first,) = _send(engine, "payments", [january], 250_000)  # before the customers: all quarantined
    _send(engine, "customers", [customers], 250_000)
    (again,) = _send(engine, "payments", [january], 250_000)
    (third,) = _send(engine, "payments", [january], 250_000)
    assert (first.status, first.loaded, first.quarantined) == ("loaded", 0, 6)
    assert (again.status, again.loaded, again.quarantined) == ("loaded", 6, 0)
    assert third.status == "skipped"  # now nothing of it is in quarantine
    assert len(payment_rows(engine)) == 6

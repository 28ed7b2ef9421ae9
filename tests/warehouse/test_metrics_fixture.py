"""The metric contract on twelve hand-made customers (see province_fixture), on both databases."""

from __future__ import annotations

import datetime as dt

import pytest

from cashless.settings import LoadSettings
from etl.load import load_files
from warehouse import metrics, reference
from warehouse.snapshots import refresh_snapshots

from .province_fixture import write_fixture

FEB_END = dt.date(2025, 2, 28)
JAN_END = dt.date(2025, 1, 31)


def _load(engine, folder, order=(1, 2, 3)):
    paths = write_fixture(folder)
    load_files(engine, "customers", [paths[0]])
    return load_files(engine, "payments", [paths[i] for i in order])


def _counts(frame, key="office_code"):
    return {row[key]: (row["active_customers"], row["cashless_customers"]) for _, row in frame.iterrows()}


@pytest.fixture
def loaded(engine, tmp_path):
    _load(engine, tmp_path)
    return engine


def test_counts_at_end_of_february(loaded):
    # PA1101: active C01 C02 C03 C06 (C04 ended 20/02, C05 starts 01/03); cashless C01, C02 (any same day).
    # PA1102: active C07 C08 C09 C10 C12 (C11 ends on D, C12 starts on D); cashless C08 C09 C12.
    with loaded.connect() as conn:
        by_office = metrics.kpi(conn, FEB_END, by="office")
        province = metrics.kpi(conn, FEB_END, by="province")
    counts = _counts(by_office)
    assert counts["PA1101"] == (4, 2)
    assert counts["PA1102"] == (5, 3)
    assert counts["PA1103"] == (0, 0)
    assert province.iloc[0]["office_code"] == "ALL"
    assert (province.iloc[0]["active_customers"], province.iloc[0]["cashless_customers"]) == (9, 5)
    assert province.iloc[0]["cashless_rate"] == pytest.approx(5 / 9)


def test_counts_at_end_of_january(loaded):
    # PA1101: active C01 C02 C03 C04 C06; cashless C03 C04. PA1102: active C07..C11; cashless C07.
    with loaded.connect() as conn:
        counts = _counts(metrics.kpi(conn, JAN_END))
    assert counts["PA1101"] == (5, 2)
    assert counts["PA1102"] == (5, 1)


def test_counts_by_commune(loaded):
    with loaded.connect() as conn:
        communes = metrics.kpi(conn, FEB_END, by="commune")
    counts = _counts(communes, key="commune")
    assert counts == {"Xã A": (3, 2), "Xã B": (1, 0), "Xã C": (3, 2), "Xã D": (2, 1)}


def test_before_any_contract_and_far_after(loaded):
    with loaded.connect() as conn:
        assert _counts(metrics.kpi(conn, dt.date(2018, 12, 31)))["PA1102"] == (0, 0)
        # After March 5 nothing changes any more: C05 active and paid VNPay, C10 paid Viettel.
        later = _counts(metrics.kpi(conn, dt.date(2030, 1, 1)))
    assert later["PA1101"] == (5, 3)
    assert later["PA1102"] == (5, 4)


def test_value_rate_of_february(loaded):
    # PA1101 720.000 paid, 470.000 cashless; PA1102 1.060.000 paid, 540.000 cashless (SmartPay is cash).
    with loaded.connect() as conn:
        frame = metrics.value_rate(conn, dt.date(2025, 2, 1), FEB_END)
        province = metrics.value_rate(conn, dt.date(2025, 2, 1), FEB_END, by="province").iloc[0]
    rows = frame.set_index("office_code")
    assert rows.loc["PA1101", "amount"] == 720_000
    assert rows.loc["PA1101", "cashless_amount"] == 470_000
    assert rows.loc["PA1102", "value_rate"] == pytest.approx(540_000 / 1_060_000)
    assert (province["amount"], province["cashless_amount"]) == (1_780_000, 1_010_000)


def test_converted_and_slipped_between_month_ends(loaded):
    # PA1101: converted C01 C02, slipped C03 (C04 was cashless but is no longer active).
    # PA1102: converted C08 C09, slipped C07 (unknown channel counts as cash); C12 was not active.
    with loaded.connect() as conn:
        frame = metrics.movements(conn, JAN_END, FEB_END).set_index("office_code")
    assert frame.loc["PA1101", ["converted", "slipped"]].tolist() == [2, 1]
    assert frame.loc["PA1102", ["converted", "slipped"]].tolist() == [2, 1]


def test_bad_rows_are_quarantined_and_the_rest_loaded(engine, tmp_path):
    results = _load(engine, tmp_path)
    february = results[1]
    assert (february.loaded, february.quarantined) == (11, 3)
    with engine.connect() as conn:
        reasons = dict(
            conn.exec_driver_sql("SELECT row_number, reason FROM quarantine ORDER BY row_number").all()
        )
    assert "unknown customer_id 'C99'" in reasons[13]
    assert "31/02/2025" in reasons[14]
    assert "-5.000" in reasons[15]


@pytest.mark.parametrize(
    "day", [JAN_END, dt.date(2025, 2, 10), dt.date(2025, 2, 20), FEB_END, dt.date(2025, 3, 31)]
)
@pytest.mark.parametrize("by", ["office", "commune", "province"])
def test_snapshots_agree_with_reference_sql(loaded, day, by):
    with loaded.connect() as conn:
        looked_up = metrics.customer_counts(conn, day, by=by)
        scanned = reference.customer_counts(conn, day, by=by)
    key = ["office_code", "commune_id"] if by == "commune" else ["office_code"]
    looked_up = looked_up[looked_up["active_customers"] > 0].set_index(key)[
        ["active_customers", "cashless_customers"]
    ]
    scanned = scanned.set_index(key)[["active_customers", "cashless_customers"]]
    assert looked_up.sort_index().to_dict() == scanned.sort_index().to_dict()


def test_out_of_order_and_incremental_loads_give_the_same_snapshots(engine, tmp_path):
    _load(engine, tmp_path, order=(3, 1))  # March first, then January: refresh must reach back
    load_files(engine, "payments", [tmp_path / "payments_2025-02.csv"])  # February last
    with engine.connect() as conn:
        counts = _counts(metrics.kpi(conn, FEB_END))
        moves = metrics.movements(conn, JAN_END, FEB_END, by="province").iloc[0]
        full = [_counts(metrics.kpi(conn, d)) for d in (JAN_END, FEB_END, dt.date(2025, 3, 31))]
    assert counts["PA1101"] == (4, 2) and counts["PA1102"] == (5, 3)
    assert (moves["converted"], moves["slipped"]) == (4, 2)
    refresh_snapshots(engine, full=True)
    with engine.connect() as conn:
        rebuilt = [_counts(metrics.kpi(conn, d)) for d in (JAN_END, FEB_END, dt.date(2025, 3, 31))]
    assert rebuilt == full


def test_same_file_twice_changes_nothing(loaded, tmp_path):
    january, february = load_files(
        loaded, "payments", [tmp_path / "payments_2025-01.csv", tmp_path / "payments_2025-02.csv"]
    )
    assert january.status == "skipped"  # nothing of it was quarantined
    # February had quarantined rows, so it is read again: its payments are updates, nothing new.
    assert (february.status, february.loaded, february.updated, february.quarantined) == ("loaded", 11, 11, 3)
    with loaded.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM payments").scalar() == 19
        assert _counts(metrics.kpi(conn, FEB_END))["PA1102"] == (5, 3)


def test_resent_payment_id_is_updated_not_duplicated(engine, tmp_path):
    paths = write_fixture(tmp_path)
    load_files(engine, "customers", [paths[0]])
    first = tmp_path / "gd1.csv"
    first.write_text(
        "MA_GD,MA_KHANG,KY_HD,NGAY_TT,SO_TIEN,KENH_TT\nGD1,C06,202501,10/02/2025,1.000,Thu tại quầy\n"
    )
    second = tmp_path / "gd2.csv"  # the billing system corrected the channel of the same transaction
    second.write_text(
        "MA_GD,MA_KHANG,KY_HD,NGAY_TT,SO_TIEN,KENH_TT\nGD1,C06,202501,10/02/2025,1.000,Vietcombank\n"
    )
    load_files(engine, "payments", [first])
    with engine.connect() as conn:
        assert _counts(metrics.kpi(conn, FEB_END))["PA1101"] == (4, 0)
    result = load_files(engine, "payments", [second])[0]
    assert (result.loaded, result.updated) == (1, 1)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM payments").scalar() == 1
        assert _counts(metrics.kpi(conn, FEB_END))["PA1101"] == (4, 1)


def test_refreshing_in_small_batches_gives_the_same_figures(engine, tmp_path):
    paths = write_fixture(tmp_path)
    tiny = LoadSettings(chunk_rows=4, progress=False, refresh_budget=3)
    load_files(engine, "customers", [paths[0]], tiny)
    load_files(engine, "payments", paths[1:], tiny)
    with engine.connect() as conn:
        assert _counts(metrics.kpi(conn, FEB_END)) == {
            **{f"PA110{i}": (0, 0) for i in range(3, 8)},
            "PA1101": (4, 2),
            "PA1102": (5, 3),
        }
        moves = metrics.movements(conn, JAN_END, FEB_END, by="province").iloc[0]
    assert (moves["converted"], moves["slipped"]) == (4, 2)

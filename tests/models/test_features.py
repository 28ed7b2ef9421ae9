"""Features as of T and the label at T+H on a hand-made province: values, no leakage, exact horizon."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from cashless.settings import ModelSettings
from etl.load import load_files
from models.features import (
    FEATURES,
    build_features,
    build_labels,
    horizon_end,
    latest_labelled_cutoff,
    month_end_cutoffs,
    scored_keys,
)
from models.history import History, epoch, read_history
from tests.models.fixture import CUTOFF, write_files

SETTINGS = ModelSettings()


@pytest.fixture
def loaded(engine, tmp_path):
    """The hand-made province loaded up to T; returns (engine, paths)."""
    paths = write_files(tmp_path)
    load_files(engine, "customers", [paths["customers"]])
    load_files(engine, "payments", [paths["history"]])
    return engine, paths


def _keys(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.exec_driver_sql("SELECT customer_id, customer_key FROM customers").all())


def _features(engine, cutoff=CUTOFF) -> pd.DataFrame:
    with engine.connect() as conn:
        history = read_history(conn, dt.date(2024, 1, 1), dt.date(2025, 6, 30))
    return build_features(history, cutoff, SETTINGS)


@pytest.mark.parametrize(
    ("cutoff", "months", "expected"),
    [
        (dt.date(2024, 11, 30), 3, dt.date(2025, 2, 28)),
        (dt.date(2024, 8, 31), 3, dt.date(2024, 11, 30)),
        (dt.date(2024, 9, 30), 3, dt.date(2024, 12, 31)),
        (dt.date(2025, 1, 31), 1, dt.date(2025, 2, 28)),
        (dt.date(2024, 1, 15), 3, dt.date(2024, 4, 15)),
    ],
)
def test_horizon_end_keeps_month_ends(cutoff, months, expected):
    assert horizon_end(cutoff, months) == expected


def test_cutoffs_are_month_ends_and_labels_must_be_known():
    assert month_end_cutoffs(dt.date(2024, 11, 30), 3) == [
        dt.date(2024, 9, 30),
        dt.date(2024, 10, 31),
        dt.date(2024, 11, 30),
    ]
    assert latest_labelled_cutoff(dt.date(2025, 2, 28), 3) == dt.date(2024, 11, 30)
    assert latest_labelled_cutoff(dt.date(2025, 3, 31), 3) == dt.date(2024, 12, 31)
    assert latest_labelled_cutoff(dt.date(2025, 3, 5), 3) == dt.date(2024, 11, 30)
    assert latest_labelled_cutoff(dt.date(2025, 2, 27), 3) == dt.date(2024, 10, 31)


def test_only_active_not_cashless_customers_get_features_worked_by_hand(loaded):
    engine, _ = loaded
    keys = _keys(engine)
    features = _features(engine)
    by_id = features.rename(index={v: k for k, v in keys.items()})
    assert sorted(by_id.index) == ["K01", "K02", "K03", "K04", "K06", "K07"]  # K05 is cashless
    k01, k03, k06, k07 = (by_id.loc[k] for k in ("K01", "K03", "K06", "K07"))
    # one payment a month on the 10th, of last month's bill: 9 days after the month after the period began
    assert (k01["payments_6m"], k01["paid_months_6m"], k01["mean_days_late"]) == (4, 4, 9)
    assert (k01["counter_share_6m"], k01["collector_share_6m"], k01["cashless_share_6m"]) == (1, 0, 0)
    assert k01["late_share_6m"] == 0 and k07["late_share_6m"] == 1 and k07["mean_days_late"] == 24
    # bills against the month's mean log amount of the households scored (K01-K04 pay a, K07 pays 2a):
    # every month the mean is log a + log(2)/5, so K01 sits log(2)/5 below it and K07 4/5 log(2) above
    assert k01["bill_level"] == pytest.approx(-np.log(2) / 5)
    assert k07["bill_level"] == pytest.approx(4 * np.log(2) / 5)
    assert k01["bill_trend"] == pytest.approx(0) and k07["bill_trend"] == pytest.approx(0)
    assert (k01["ever_cashless"], k03["ever_cashless"]) == (0, 1)
    assert math.isnan(k01["months_since_slip"])
    assert k03["months_since_slip"] == pytest.approx((CUTOFF - dt.date(2024, 11, 10)).days / 30.44)
    assert k03["cashless_share_6m"] == 0.25 and k03["collector_share_6m"] == 0.75
    # commune Xã A on T: K01-K06 active, only K05 cashless
    assert k01["commune_cashless_rate"] == pytest.approx(1 / 6)
    assert k07["commune_cashless_rate"] == 0
    assert k06["contract_months"] == pytest.approx(21 / 30.44)
    assert k06["payments_6m"] == 0 and math.isnan(k06["mean_days_late"])
    assert (k01["has_phone"], k07["has_phone"]) == (1, 0)
    assert (k01["office_code"], k07["office_code"], k03["customer_type"]) == ("PA1101", "PA1102", "business")
    assert list(features.columns) == ["commune_id", *FEATURES]


def test_features_ignore_everything_after_the_cutoff(loaded):
    """Leakage: payments and contract changes after T, loaded into the warehouse, change nothing at T."""
    engine, paths = loaded
    before = _features(engine)
    load_files(engine, "payments", [paths["later"]])  # K06 pays MoMo, K01 and K02 pay by bank later
    folder = paths["later"].parent
    after_cutoff = folder / "after.csv"
    after_cutoff.write_text(
        "MA_KHANG,KY_HD,NGAY_TT,SO_TIEN,KENH_TT\n"
        "K03,202501,01/02/2025,999000,BIDV\n"  # K03 back to cashless the day after T
        "K07,202412,01/02/2025,5000,Thu tại quầy\n",  # a late payment of an old bill, after T
        encoding="utf-8",
    )
    ends = folder / "ends.csv"
    ends.write_text(
        paths["customers"]
        .read_text(encoding="utf-8")
        .replace("0912345678;01/01/2015;", "0912345678;01/01/2015;20/02/2025"),
        encoding="utf-8",
    )
    load_files(engine, "payments", [after_cutoff])
    load_files(engine, "customers", [ends])  # K01's contract now ends after T
    with engine.connect() as conn:
        end = conn.exec_driver_sql("SELECT contract_end FROM customers WHERE customer_id = 'K01'").scalar()
    assert str(end) == "2025-02-20"
    pd.testing.assert_frame_equal(_features(engine), before)

    on_cutoff = folder / "on.csv"  # the control: a payment ON T is known at T and counts
    on_cutoff.write_text(
        "MA_KHANG,KY_HD,NGAY_TT,SO_TIEN,KENH_TT\nK07,202501,31/01/2025,150000,Thu tại quầy\n"
    )
    load_files(engine, "payments", [on_cutoff])
    k07 = _keys(engine)["K07"]
    assert _features(engine).loc[k07, "payments_6m"] == before.loc[k07, "payments_6m"] + 1


def test_features_from_history_with_future_rows_are_identical():
    """The same guard without a database: rows dated after T cannot reach a feature."""
    customers = pd.DataFrame(
        {
            "customer_key": [1, 2],
            "office_code": ["PA1101", "PA1101"],
            "commune_id": [1, 1],
            "customer_type": ["residential", "residential"],
            "has_phone": [1, 0],
            "start_day": [epoch(dt.date(2020, 1, 1)), epoch(dt.date(2020, 1, 1))],
            "end_day": [10**7, epoch(dt.date(2025, 3, 1))],
        }
    )
    day = epoch(CUTOFF)
    payments = pd.DataFrame(
        {"customer_key": [1, 2], "day": [day - 20, day - 5], "bill_period": [202412, 202412],
         "amount": [100_000, 200_000], "category": [5, 6], "cashless": [0, 0]}
    )  # fmt: skip
    changes = pd.DataFrame({"customer_key": [1, 2], "day": [day - 20, day - 5], "cashless": [0, 0]})
    history = History(customers, payments, changes)
    future = History(
        pd.concat([customers, customers.assign(customer_key=3, start_day=day + 1)]),
        pd.concat([payments, payments.assign(day=day + 1, cashless=1, category=0, amount=9_999_999)]),
        pd.concat([changes, changes.assign(day=day + 1, cashless=1)]),
    )
    pd.testing.assert_frame_equal(
        build_features(future, CUTOFF, SETTINGS), build_features(history, CUTOFF, SETTINGS)
    )


def test_label_is_read_exactly_h_months_later(loaded):
    engine, paths = loaded
    load_files(engine, "payments", [paths["later"]])
    with engine.connect() as conn:
        history = read_history(conn, None, dt.date(2025, 12, 31))
    labels = build_labels(history, CUTOFF, 3).rename(index={v: k for k, v in _keys(engine).items()})
    # K01 pays by bank ON 30/04 (T+3 months): converted; K02 one day later: still not cashless;
    # K04 leaves on 15/03: no label; K05 was already cashless at T: not in the population
    assert labels.sort_index().to_dict() == {"K01": 0, "K02": 1, "K03": 1, "K06": 0, "K07": 1}
    one_month = build_labels(history, CUTOFF, 1).rename(index={v: k for k, v in _keys(engine).items()})
    assert one_month.sort_index().to_dict() == {"K01": 1, "K02": 1, "K03": 1, "K04": 1, "K06": 0, "K07": 1}


def test_reading_only_the_scored_households_payments_changes_no_feature(loaded):
    """Scoring reads the payments of the households it scores only (a byte per customer key marks them)."""
    engine, _ = loaded
    with engine.connect() as conn:
        everything = read_history(conn, dt.date(2024, 1, 1), CUTOFF)
        only = read_history(
            conn, dt.date(2024, 1, 1), CUTOFF, payments_of=lambda c, s: scored_keys(c, s, CUTOFF)
        )
        again = read_history(
            conn, dt.date(2024, 1, 1), CUTOFF, payments_of=lambda c, s: []
        )  # nobody: no payment
    names = {v: k for k, v in _keys(engine).items()}
    assert sorted({names[k] for k in only.payments["customer_key"]}) == ["K01", "K02", "K03", "K04", "K07"]
    assert len(everything.payments) == 24 and len(again.payments) == 0
    pd.testing.assert_frame_equal(
        build_features(only, CUTOFF, SETTINGS), build_features(everything, CUTOFF, SETTINGS)
    )


def test_a_history_of_some_customers_payments_has_features_for_them_only(loaded):
    """Training on a large province reads a sample's payments: nobody else gets a feature row."""
    engine, _ = loaded
    keys = _keys(engine)
    with engine.connect() as conn:
        some = read_history(
            conn,
            dt.date(2024, 1, 1),
            CUTOFF,
            payments_of=lambda c, s: [keys["K01"], keys["K03"], keys["K05"]],
        )
        everything = read_history(conn, dt.date(2024, 1, 1), CUTOFF)
    features = build_features(some, CUTOFF, SETTINGS)
    assert sorted(features.index) == sorted([keys["K01"], keys["K03"]])  # K05 is cashless: not scored
    assert set(some.payments["customer_key"]) == {keys["K01"], keys["K03"], keys["K05"]}
    full = build_features(everything, CUTOFF, SETTINGS).loc[features.index]
    same = ["payments_6m", "cashless_share_6m", "mean_days_late", "commune_cashless_rate", "ever_cashless"]
    pd.testing.assert_frame_equal(features[same], full[same])

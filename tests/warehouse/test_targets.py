"""Targets: cascade, explicit override, gap arithmetic, projection and status rule, worked by hand."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from warehouse.targets import (
    Period,
    TargetError,
    cascade,
    customers_needed,
    explicit_targets,
    projected_rate,
    set_target,
    status,
    target_status,
    weekly_pace,
)

from .test_metrics_fixture import FEB_END, _load


def _explicit(*rows):
    return pd.DataFrame(rows, columns=["period_type", "period", "target_rate"])


def _rate(plan, period):
    return plan.set_index("period").loc[period, "target_rate"]


def test_year_target_cascades_on_a_straight_line_in_time():
    # From 60% on 31/12/2024 to 84% on 31/12/2025: 365 days, +0.24.
    plan = cascade(_explicit(("year", "2025", 0.84)), start_rate=0.60, year=2025)
    assert _rate(plan, "2025-01") == pytest.approx(0.60 + 0.24 * 31 / 365)
    assert _rate(plan, "2025-Q1") == pytest.approx(0.60 + 0.24 * 90 / 365)  # = March
    assert _rate(plan, "2025-Q1") == _rate(plan, "2025-03")
    assert _rate(plan, "2025-12") == pytest.approx(0.84)
    assert plan.set_index("period").loc["2025", "explicit"]
    assert not plan.set_index("period").loc["2025-03", "explicit"]


def test_explicit_quarter_wins_and_bends_the_line():
    # Anchors: 60% on 31/12/2024, Q2 75% on 30/06 (day 181), year 84% on 31/12 (184 days later).
    plan = cascade(
        _explicit(("year", "2025", 0.84), ("quarter", "2025-Q2", 0.75)), start_rate=0.60, year=2025
    )
    assert _rate(plan, "2025-Q2") == 0.75
    assert _rate(plan, "2025-06") == pytest.approx(0.75)
    assert _rate(plan, "2025-05") == pytest.approx(0.60 + 0.15 * 151 / 181)
    assert _rate(plan, "2025-07") == pytest.approx(0.75 + 0.09 * 31 / 184)
    assert plan.set_index("period").loc["2025-Q2", "explicit"]


def test_without_a_year_target_months_after_the_last_anchor_have_none():
    plan = cascade(_explicit(("month", "2025-03", 0.70)), start_rate=0.60, year=2025)
    assert _rate(plan, "2025-02") == pytest.approx(0.60 + 0.10 * 59 / 90)
    assert pd.isna(_rate(plan, "2025-04"))


def test_customers_needed_rounds_up_and_never_goes_negative():
    # 80% of 273.452 = 218.761,6 -> 218.762 needed cashless; 209.581 are: 9.181 more.
    assert customers_needed(0.80, 273_452, 209_581) == 9_181
    assert customers_needed(0.50, 10, 5) == 0
    assert customers_needed(0.70, 10, 9) == 0
    assert customers_needed(0.7, 10, 6) == 1  # 0.7 * 10 is 7.000000000000001 in floating point


def test_weekly_pace():
    assert weekly_pace(9_181, dt.date(2025, 2, 28), dt.date(2025, 3, 31)) == pytest.approx(9_181 / (31 / 7))
    assert weekly_pace(70, dt.date(2025, 3, 28), dt.date(2025, 3, 31)) == 70  # less than a week left: all now
    assert weekly_pace(70, dt.date(2025, 4, 2), dt.date(2025, 3, 31)) == 70


def test_projection_and_status_boundaries():
    # +2 points in 28 days, 56 days to go: +4 points more.
    assert projected_rate(0.70, 0.68, 28, dt.date(2025, 3, 1), dt.date(2025, 4, 26)) == pytest.approx(0.74)
    assert projected_rate(0.99, 0.90, 28, dt.date(2025, 3, 1), dt.date(2025, 12, 31)) == 1.0
    assert status(0.80, 0.80) == "on track"
    assert status(0.78, 0.80) == "at risk"
    assert status(0.7799, 0.80) == "off track"


def test_periods():
    assert Period.parse("quarter", "2025-Q1").end == dt.date(2025, 3, 31)
    assert Period.parse("month", "2024-02").end == dt.date(2024, 2, 29)
    with pytest.raises(TargetError, match="2025-13"):
        Period.parse("month", "2025-13")


def test_targets_are_stored_with_history_and_latest_wins(engine, tmp_path):
    _load(engine, tmp_path)
    with engine.begin() as conn:
        set_target(conn, "PA1101", "month", "2025-02", 0.70, "an")
        set_target(conn, "PA1101", "month", "2025-02", 0.75, "binh")
        with pytest.raises(TargetError, match="PA1199"):
            set_target(conn, "PA1199", "month", "2025-02", 0.7, "an")
        with pytest.raises(TargetError, match="between 0 and 1"):
            set_target(conn, "PA1101", "month", "2025-02", 75, "an")
    with engine.connect() as conn:
        latest = explicit_targets(conn, 2025)
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM targets").scalar() == 2
        table = target_status(conn, FEB_END, 2025, office="PA1101").set_index("period")
    assert latest.iloc[0][["target_rate", "set_by"]].tolist() == [0.75, "binh"]
    # PA1101 on 28/02: 2 of 4 cashless; 75% of 4 = 3 -> 1 customer still needed.
    feb = table.loc["2025-02"]
    assert (feb["active_customers"], feb["cashless_customers"], feb["customers_needed"]) == (4, 2, 1)
    assert feb["explicit"]
    assert pd.isna(table.loc["2025-03", "target_rate"])

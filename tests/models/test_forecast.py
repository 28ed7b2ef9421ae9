"""Forecasts on hand-made series whose right answers are known: lines, sums, coverage, MASE."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from models.forecast import (
    PROVINCE,
    backtest,
    coverage,
    decode_forecast,
    drift_forecast,
    encode_forecast,
    fan_frame,
    forecast_months,
    forecast_offices,
    mase,
    month_ends_between,
    naive_forecast,
    simulate_series,
    target_outlook,
    year_end_outlook,
)

MONTHS = month_ends_between(dt.date(2024, 1, 1), dt.date(2024, 12, 31))


def lines(offices: dict[str, tuple[int, int, int, int]]) -> pd.DataFrame:
    """Month-end counts rising on straight lines: office -> (active0, active step, cashless0, cashless step)."""
    rows = [
        {
            "office_code": code,
            "month": month,
            "active_customers": a0 + da * i,
            "cashless_customers": c0 + dc * i,
        }
        for code, (a0, da, c0, dc) in offices.items()
        for i, month in enumerate(MONTHS)
    ]
    return pd.DataFrame(rows)


def noisy(offices: dict[str, tuple[int, int, int, int]], seed: int = 7) -> pd.DataFrame:
    """The lines of `lines`, with a few customers of noise on every month end (so ETS has a spread)."""
    actuals = lines(offices)
    rng = np.random.default_rng(seed)
    for column in ("active_customers", "cashless_customers"):
        actuals[column] += rng.integers(-5, 6, len(actuals))
    return actuals


def test_an_office_gets_the_same_forecast_whoever_looks():
    actuals = noisy({"A": (1000, 10, 400, 20), "B": (2000, 5, 500, 30), "C": (800, 0, 100, 8)})
    months = forecast_months(MONTHS[-1], dt.date(2025, 6, 30))
    everyone = forecast_offices(actuals, months, repetitions=200)
    alone = forecast_offices(actuals[actuals["office_code"] == "B"], months, repetitions=200)  # B's manager
    rows = everyone.table[everyone.table["office_code"] == "B"].reset_index(drop=True)
    pd.testing.assert_frame_equal(alone.table[alone.table["office_code"] == "B"].reset_index(drop=True), rows)
    np.testing.assert_array_equal(alone.rate_paths["B"], everyone.rate_paths["B"])
    assert (rows["hi80"] - rows["lo80"]).min() > 0  # the paths are random: their seed matters


def test_a_forecast_reads_back_exactly_as_it_was_encoded():
    actuals = noisy({"A": (1000, 10, 400, 20), "B": (2000, 5, 500, 30)})
    made = forecast_offices(actuals, forecast_months(MONTHS[-1], dt.date(2025, 3, 31)), repetitions=50)
    read = decode_forecast(encode_forecast(made))
    pd.testing.assert_frame_equal(read.table, made.table, check_exact=True)
    assert read.months == made.months and all(isinstance(month, dt.date) for month in read.months)
    assert list(read.rate_paths) == ["A", "B", PROVINCE]
    for code, paths in made.rate_paths.items():
        np.testing.assert_array_equal(read.rate_paths[code], paths)
    assert read.chance_at_least("B", dt.date(2025, 2, 28), 0.26) == made.chance_at_least(
        "B", dt.date(2025, 2, 28), 0.26
    )


def test_month_grid_runs_from_the_next_month_end_to_the_end_of_the_target_month():
    assert forecast_months(dt.date(2024, 12, 31), dt.date(2025, 3, 10)) == [
        dt.date(2025, 1, 31),
        dt.date(2025, 2, 28),
        dt.date(2025, 3, 31),
    ]
    assert forecast_months(dt.date(2024, 12, 31), dt.date(2024, 12, 31)) == []


def test_a_straight_line_forecasts_the_same_straight_line():
    actuals = lines({"A": (1000, 10, 400, 20)})
    months = forecast_months(MONTHS[-1], dt.date(2025, 3, 31))
    table = forecast_offices(actuals, months, repetitions=50).table
    office = table[table["office_code"] == "A"]
    # month 12, 13, 14 of the line: active 1000 + 10 i, cashless 400 + 20 i
    assert office["active_customers"].tolist() == [1120, 1130, 1140]
    assert office["cashless_customers"].tolist() == [640, 660, 680]
    assert office["cashless_rate"].to_numpy() == pytest.approx([640 / 1120, 660 / 1130, 680 / 1140])
    assert office["lo95"].to_numpy() == pytest.approx(office["cashless_rate"].to_numpy(), abs=1e-6)


def test_the_province_is_the_sum_of_its_offices():
    rng = np.random.default_rng(3)
    actuals = lines({"A": (1000, 10, 400, 20), "B": (3000, 5, 2000, 15)})
    actuals["cashless_customers"] += rng.integers(-8, 9, len(actuals))
    months = forecast_months(MONTHS[-1], dt.date(2025, 6, 30))
    table = forecast_offices(actuals, months, repetitions=200).table
    offices = table[table["office_code"] != PROVINCE].groupby("month")[
        ["active_customers", "cashless_customers"]
    ]
    province = table[table["office_code"] == PROVINCE].set_index("month")
    summed = offices.sum()
    assert province["active_customers"].tolist() == summed["active_customers"].tolist()
    assert province["cashless_customers"].tolist() == summed["cashless_customers"].tolist()
    rate = summed["cashless_customers"] / summed["active_customers"]
    assert province["cashless_rate"].to_numpy() == pytest.approx(rate.to_numpy(), abs=1e-12)
    # intervals nest around the point
    assert (table["lo95"] <= table["lo80"]).all() and (table["lo80"] <= table["cashless_rate"]).all()
    assert (table["cashless_rate"] <= table["hi80"]).all() and (table["hi80"] <= table["hi95"]).all()
    assert (province["hi95"] > province["lo95"]).all()  # the noise gives the province a real interval


def test_chance_of_reaching_a_target_comes_from_the_paths():
    actuals = lines({"A": (1000, 0, 500, 10)})
    forecast = forecast_offices(actuals, forecast_months(MONTHS[-1], dt.date(2025, 1, 31)), repetitions=20)
    month = dt.date(2025, 1, 31)  # a perfect line: 620 of 1000 on every path
    assert forecast.chance_at_least("A", month, 0.62) == 1.0
    assert forecast.chance_at_least("A", month, 0.63) == 0.0
    assert forecast.chance_at_least(PROVINCE, month, 0.60) == 1.0


def test_a_short_series_falls_back_to_drift():
    point, paths = simulate_series(np.array([10.0, 12.0, 14.0]), 2, 5, seed=0)
    assert point.tolist() == [16.0, 18.0]
    assert paths.shape == (2, 5)
    assert np.allclose(paths, [[16.0] * 5, [18.0] * 5])  # no spread in the steps: none in the paths


def test_forecast_rejects_bad_input():
    actuals = lines({"A": (1000, 10, 400, 20)})
    with pytest.raises(ValueError, match="after the last actual"):
        forecast_offices(actuals, [MONTHS[-1]])
    with pytest.raises(ValueError, match="cashless_customers"):
        forecast_offices(actuals.drop(columns="cashless_customers"), [dt.date(2025, 1, 31)])


def test_mase_of_a_perfect_forecast_is_zero_and_of_naive_on_a_line_is_the_step_count_mean():
    training = np.array([1.0, 2.0, 3.0, 4.0])  # naive one-step error 1
    assert mase([5.0, 6.0], [5.0, 6.0], training) == 0.0
    # naive says 4, 4: errors 1 and 2, mean 1.5
    assert mase([5.0, 6.0], naive_forecast(training, 2), training) == pytest.approx(1.5)
    assert drift_forecast(training, 2).tolist() == [5.0, 6.0]
    assert mase([5.0], [5.0], np.array([3.0, 3.0])) == 0.0
    assert mase([5.0], [4.0], np.array([3.0, 3.0])) == float("inf")


def test_coverage_counts_the_ends_as_inside():
    actual = np.array([1.0, 2.0, 3.0, 4.0])
    assert coverage(actual, [1.0, 2.5, 2.0, 0.0], [1.0, 3.0, 2.9, 10.0]) == 0.5


def test_backtest_on_a_line_beats_naive_and_drift_equals_it():
    actuals = lines({"A": (1000, 10, 400, 20), "B": (2000, 0, 500, 30)})
    result = backtest(actuals, horizon=2, min_train=8, repetitions=20)
    assert result["origins"] == 4
    assert result["mase"]["forecast"] < 0.05  # ETS on a line is (numerically) the line
    assert result["mase"]["naive"] > 1.0
    assert result["coverage95"] >= result["coverage80"]
    assert set(result["rows"]["office_code"]) == {"A", "B", PROVINCE}
    with pytest.raises(ValueError, match="at least 13 month ends"):
        backtest(actuals.iloc[:0].assign(month=[]), min_train=12)


def test_target_outlook_gives_chance_and_paces_from_the_forecast():
    actuals = lines({"A": (1000, 0, 500, 10)})  # 610 of 1000 on 31/12/2024, +10 a month
    as_of = dt.date(2024, 12, 31)
    forecast = forecast_offices(actuals, forecast_months(as_of, dt.date(2025, 3, 31)), repetitions=20)
    status = pd.DataFrame(
        {
            "office_code": ["A", "A", "A", "A"],
            "period": ["2025-03", "2025-Q1", "2024-12", "2025"],
            "period_type": ["month", "quarter", "month", "year"],
            "period_end": [dt.date(2025, 3, 31), dt.date(2025, 3, 31), as_of, dt.date(2025, 12, 31)],
            "target_rate": [0.63, 0.65, 0.60, 0.70],
            "cashless_customers": [610, 610, 610, 610],
            "weekly_pace": [1.5, 3.0, 0.0, 9.0],
        }
    )
    outlook = target_outlook(status, forecast, as_of).set_index("period")
    assert list(outlook.index) == ["2025-03", "2025-Q1"]  # past and beyond-the-forecast periods left out
    assert outlook.loc["2025-03", "forecast_rate"] == pytest.approx(0.64)
    assert outlook.loc["2025-03", "chance"] == 1.0 and outlook.loc["2025-Q1", "chance"] == 0.0
    assert outlook.loc["2025-Q1", "pace_needed"] == 3.0
    assert outlook.loc["2025-03", "pace_expected"] == pytest.approx(30 / (90 / 7))  # 610 -> 640 in 90 days
    fan = fan_frame(actuals, forecast, "A")
    assert fan["actual_rate"].notna().sum() == 12 and fan["forecast_rate"].notna().sum() == 4
    assert fan.loc[11, "lo95"] == pytest.approx(0.61)  # the bands start from the last actual
    year_end = year_end_outlook(forecast, status, as_of)
    assert year_end.empty  # the forecast stops in March: no 31/12 range
    long = forecast_offices(actuals, forecast_months(as_of, dt.date(2025, 12, 31)), repetitions=20)
    year_end = year_end_outlook(long, status, dt.date(2025, 1, 15)).set_index("office_code")
    assert year_end.loc["A", "lo80"] == pytest.approx(0.73) and year_end.loc["A", "target_rate"] == 0.70

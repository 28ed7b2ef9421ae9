"""Forecasts of active and cashless customers per office and month, with intervals (DESIGN §6).

Counts are forecast, not rates: each office's month-end active and cashless counts get an ETS model
(additive error and trend, statsmodels) whose simulated paths give the intervals. The province is the
sum of its offices path by path (bottom-up), so its rate always agrees with the offices' counts, and
the probability of reaching a target is the share of paths that reach it. Each office's paths are
seeded by its code, so an office gets the same forecast whoever looks.

A forecast once made is kept in the warehouse (warehouse.forecasts) under a hash of the month-end
figures and settings it came from: the pages and the weekly review fit the models once per change of
figures, not on every first visit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import warnings
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine

from warehouse import forecasts, metrics
from warehouse.access import Viewer, office_scope

PROVINCE = metrics.PROVINCE
LEVELS = (0.80, 0.95)
REPETITIONS = 1000
MIN_ETS_POINTS = 6  # fewer month ends than this: a random walk with drift instead of ETS
COUNT_COLUMNS = ["active_customers", "cashless_customers"]
FORECAST_COLUMNS = ["office_code", "month", "cashless_rate", "lo80", "hi80", "lo95", "hi95", *COUNT_COLUMNS]
KEY_VERSION = "1"  # part of every stored forecast's key: change it when the model or the encoding changes


@dataclass
class Forecast:
    """The forecast table and, per office and for the province, the simulated rate paths (month × path)."""

    table: pd.DataFrame
    months: list[dt.date]
    rate_paths: dict[str, np.ndarray]

    def chance_at_least(self, office_code: str, month: dt.date, target: float) -> float:
        """Share of simulated paths whose rate on `month` is at least `target`."""
        return float(np.mean(self.rate_paths[office_code][self.months.index(month)] >= target - 1e-12))


def month_end_actuals(
    conn: Connection, as_of: dt.date, office: str | None = None, viewer: Viewer | None = None
) -> pd.DataFrame:
    """Month-end active and cashless counts per office from the first month with data to `as_of`."""
    first, _last = metrics.data_period(conn)
    if first is None:
        return pd.DataFrame(columns=["office_code", "month", *COUNT_COLUMNS])
    ends = [d for d in month_ends_between(first, as_of) if d <= as_of]
    if not ends:
        return pd.DataFrame(columns=["office_code", "month", *COUNT_COLUMNS])
    history = metrics.rate_history(conn, ends, by="office", office=office, viewer=viewer)
    return history.rename(columns={"day": "month"})[["office_code", "month", *COUNT_COLUMNS]]


def month_ends_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every month's last day from `first`'s month to `last`'s month, inclusive."""
    start = pd.Timestamp(first).to_period("M").to_timestamp()
    end = pd.Timestamp(last).to_period("M").to_timestamp(how="end")
    return [d.date() for d in pd.date_range(start, end, freq="ME")]


def forecast_months(last_actual: dt.date, to: dt.date) -> list[dt.date]:
    """The month ends after `last_actual` up to the end of `to`'s month."""
    return [d for d in month_ends_between(last_actual, to) if d > last_actual]


def simulate_series(
    values: np.ndarray, steps: int, repetitions: int, seed: int | Sequence[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Point forecast (steps) and simulated paths (steps × repetitions) of one count series.

    Holt's linear ETS (additive error and trend) when there are enough points, else a random walk
    with drift; a series too short for either repeats its last value.
    """
    values = np.asarray(values, dtype=float)
    if len(values) < 2:
        last = values[-1] if len(values) else 0.0
        return np.full(steps, last), np.full((steps, repetitions), last)
    if len(values) >= MIN_ETS_POINTS and np.ptp(np.diff(values)) > 0:
        from statsmodels.tools.sm_exceptions import ConvergenceWarning
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            fitted = ETSModel(pd.Series(values), error="add", trend="add").fit(disp=False)
            point = np.asarray(fitted.forecast(steps), dtype=float)
            paths = np.asarray(
                fitted.simulate(
                    steps, repetitions=repetitions, anchor="end", rng=np.random.default_rng(seed)
                ),
                dtype=float,
            ).reshape(steps, repetitions)
        return point, paths
    steps_ahead = np.arange(1, steps + 1)[:, None]
    changes = np.diff(values)
    drift, spread = changes.mean(), changes.std(ddof=1) if len(changes) > 1 else 0.0
    noise = np.random.default_rng(seed).normal(0.0, spread, (steps, repetitions)).cumsum(axis=0)
    point = values[-1] + drift * steps_ahead[:, 0]
    return point, values[-1] + drift * steps_ahead + noise


def forecast_offices(
    actuals: pd.DataFrame,
    months: list[dt.date],
    repetitions: int = REPETITIONS,
    seed: int = 0,
) -> Forecast:
    """Forecast each office's counts to every month end in `months`, and the province as their sum.

    actuals: office_code, month, active_customers, cashless_customers (month ends, one row per
    office and month). Rates are derived from the counts; intervals are quantiles of simulated paths,
    with cashless kept between 0 and active in every path.
    """
    missing = [c for c in ["office_code", "month", *COUNT_COLUMNS] if c not in actuals.columns]
    if missing:
        raise ValueError(f"actuals lack the column(s) {', '.join(missing)}")
    if actuals.empty:
        raise ValueError("no month-end actuals to forecast from")
    last = max(actuals["month"])
    months = sorted(months)
    if not months or months[0] <= last:
        raise ValueError("forecast months must come after the last actual month")
    steps_of = np.array([_months_between(last, m) for m in months]) - 1
    steps = int(steps_of.max()) + 1
    rows, rate_paths = [], {}
    total_point = np.zeros((2, len(months)))
    total_paths = np.zeros((2, len(months), repetitions))
    for code, series in sorted(actuals.sort_values("month").groupby("office_code")):
        points, paths = [], []
        for kind, column in enumerate(COUNT_COLUMNS):
            point, path = simulate_series(
                series[column].to_numpy(), steps, repetitions, [seed, zlib.crc32(code.encode()), kind]
            )
            points.append(np.round(np.maximum(point[steps_of], 0)))
            paths.append(np.maximum(path[steps_of], 0))
        points[1], paths[1] = np.minimum(points[1], points[0]), np.minimum(paths[1], paths[0])
        total_point += np.array(points)
        total_paths += np.array(paths)
        rate_paths[code] = _rates(paths[1], paths[0])
        rows.append(_rows(code, months, points, rate_paths[code]))
    rate_paths[PROVINCE] = _rates(total_paths[1], total_paths[0])
    rows.append(_rows(PROVINCE, months, list(total_point), rate_paths[PROVINCE]))
    return Forecast(pd.concat(rows, ignore_index=True)[FORECAST_COLUMNS], months, rate_paths)


def _months_between(first: dt.date, later: dt.date) -> int:
    return (later.year - first.year) * 12 + later.month - first.month


def _rates(cashless: np.ndarray, active: np.ndarray) -> np.ndarray:
    return np.divide(cashless, active, out=np.zeros_like(cashless, dtype=float), where=active > 0)


def _rows(code: str, months: list[dt.date], points: list[np.ndarray], paths: np.ndarray) -> pd.DataFrame:
    """One office's (or the province's) forecast rows: rate from the point counts, interval from the paths."""
    active, cashless = points
    frame = pd.DataFrame(
        {
            "office_code": code,
            "month": months,
            "active_customers": np.round(active).astype("int64"),
            "cashless_customers": np.round(cashless).astype("int64"),
            "cashless_rate": _rates(cashless, active),
        }
    )
    for level in LEVELS:
        tail = (1 - level) / 2
        label = f"{round(level * 100)}"
        frame[f"lo{label}"] = np.quantile(paths, tail, axis=1)
        frame[f"hi{label}"] = np.quantile(paths, 1 - tail, axis=1)
    frame["lo80"] = np.minimum(frame["lo80"], frame["cashless_rate"])
    frame["hi80"] = np.maximum(frame["hi80"], frame["cashless_rate"])
    frame["lo95"] = np.minimum(frame["lo95"], frame["lo80"])
    frame["hi95"] = np.maximum(frame["hi95"], frame["hi80"])
    return frame


# --- the rolling-origin backtest ---


def mase(actual: np.ndarray, predicted: np.ndarray, training: np.ndarray) -> float:
    """Mean absolute error scaled by the in-sample one-step naive error (0 for a perfect forecast)."""
    scale = np.mean(np.abs(np.diff(np.asarray(training, dtype=float))))
    error = np.mean(np.abs(np.asarray(actual, dtype=float) - np.asarray(predicted, dtype=float)))
    if scale == 0:
        return 0.0 if error == 0 else float("inf")
    return float(error / scale)


def coverage(actual: np.ndarray, low: np.ndarray, high: np.ndarray) -> float:
    """Share of actuals inside [low, high] (ends included)."""
    actual = np.asarray(actual, dtype=float)
    inside = (actual >= np.asarray(low, dtype=float)) & (actual <= np.asarray(high, dtype=float))
    return float(inside.mean()) if len(actual) else float("nan")


def naive_forecast(training: np.ndarray, steps: int) -> np.ndarray:
    """The last value, repeated."""
    return np.full(steps, float(np.asarray(training)[-1]))


def drift_forecast(training: np.ndarray, steps: int) -> np.ndarray:
    """The line through the first and last values, extended."""
    training = np.asarray(training, dtype=float)
    slope = (training[-1] - training[0]) / (len(training) - 1) if len(training) > 1 else 0.0
    return training[-1] + slope * np.arange(1, steps + 1)


def backtest(
    actuals: pd.DataFrame, horizon: int = 3, min_train: int = 12, repetitions: int = 300, seed: int = 0
) -> dict:
    """Rolling-origin backtest of the cashless rate: every origin from `min_train` months on, `horizon` ahead.

    Returns the MASE of the forecast, naive and drift (scaled per series by its training months' naive
    error, averaged over series and origins), interval coverage at 80/95% and the per-origin rows.
    """
    months = sorted(actuals["month"].unique())
    if len(months) < min_train + 1:
        raise ValueError(f"a backtest needs at least {min_train + 1} month ends, there are {len(months)}")
    records = []
    for origin in range(min_train, len(months)):
        train = actuals[actuals["month"] < months[origin]]
        ahead = months[origin : origin + horizon]
        result = forecast_offices(train, ahead, repetitions=repetitions, seed=seed + origin)
        truth = _with_rates(_with_province(actuals[actuals["month"].isin(ahead)]))
        past = _with_rates(_with_province(train))
        for code, predicted in result.table.groupby("office_code"):
            history = past.loc[past["office_code"] == code].sort_values("month")["cashless_rate"].to_numpy()
            actual = truth.loc[truth["office_code"] == code].set_index("month")["cashless_rate"]
            predicted = predicted.set_index("month").loc[actual.index]
            steps = len(actual)
            records.append(
                {
                    "origin": months[origin - 1],
                    "office_code": code,
                    "steps": steps,
                    "mase_forecast": mase(actual, predicted["cashless_rate"], history),
                    "mase_naive": mase(actual, naive_forecast(history, steps), history),
                    "mase_drift": mase(actual, drift_forecast(history, steps), history),
                    "inside80": int(((actual >= predicted["lo80"]) & (actual <= predicted["hi80"])).sum()),
                    "inside95": int(((actual >= predicted["lo95"]) & (actual <= predicted["hi95"])).sum()),
                }
            )
    rows = pd.DataFrame(records)
    finite = rows.replace([np.inf, -np.inf], np.nan)
    return {
        "origins": int(rows["origin"].nunique()),
        "horizon": horizon,
        "mase": {name: float(finite[f"mase_{name}"].mean()) for name in ("forecast", "naive", "drift")},
        "coverage80": float(rows["inside80"].sum() / rows["steps"].sum()),
        "coverage95": float(rows["inside95"].sum() / rows["steps"].sum()),
        "rows": rows,
    }


def _with_province(frame: pd.DataFrame) -> pd.DataFrame:
    total = frame.groupby("month", as_index=False)[COUNT_COLUMNS].sum().assign(office_code=PROVINCE)
    return pd.concat([frame[["office_code", "month", *COUNT_COLUMNS]], total], ignore_index=True)


def _with_rates(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(
        cashless_rate=_rates(
            frame["cashless_customers"].to_numpy(float), frame["active_customers"].to_numpy(float)
        )
    )


# --- what the pages and the weekly review show ---


def forecast_to(
    conn: Connection,
    as_of: dt.date,
    to: dt.date,
    viewer: Viewer | None = None,
    seed: int = 0,
    keep: Engine | None = None,
) -> tuple[pd.DataFrame, Forecast | None]:
    """Month-end actuals in the viewer's scope to `as_of` and their forecast to `to`'s month end (None if no month).

    Every office is forecast, whoever asks (one stored forecast serves all viewers), and the kept one
    is read when the figures are the same; `keep`: the engine to store a forecast made here through.
    A viewer limited to one office gets that office only: its 'province' would be the office again.
    """
    scope = office_scope(viewer) if viewer is not None else None
    actuals = month_end_actuals(conn, as_of)
    if actuals.empty:
        return actuals, None
    mine = actuals if scope is None else actuals[actuals["office_code"] == scope].reset_index(drop=True)
    months = forecast_months(max(actuals["month"]), to)
    if not months:
        return mine, None
    key = forecast_key(actuals, months, REPETITIONS, seed)
    if (body := forecasts.stored(conn, key)) is not None:
        forecast = decode_forecast(body)
    else:
        forecast = forecast_offices(actuals, months, seed=seed)
        if keep is not None:
            forecasts.store(keep, key, encode_forecast(forecast))
    if scope is None:
        return mine, forecast
    table = forecast.table[forecast.table["office_code"] == scope].reset_index(drop=True)
    return mine, Forecast(table, forecast.months, {scope: forecast.rate_paths[scope]})


def keep_year_forecast(engine: Engine) -> None:
    """Make and keep, unless kept already, the forecast the pages ask for first: every office from the
    last day with data to its year end (after a load, so that no visitor waits for the fits)."""
    with engine.connect() as conn:
        last = metrics.data_period(conn)[1]
        if last is not None:
            forecast_to(conn, last, dt.date(last.year, 12, 31), keep=engine)


def forecast_key(actuals: pd.DataFrame, months: list[dt.date], repetitions: int, seed: int) -> str:
    """The hash a forecast is kept under: what forecast_offices makes it from, and the libraries' versions."""
    figures = actuals.sort_values(["office_code", "month"])[["office_code", "month", *COUNT_COLUMNS]]
    made_from = [
        KEY_VERSION,
        version("statsmodels"),
        version("numpy"),  # the simulated paths' random streams
        f"{repetitions} {seed}",
        " ".join(month.isoformat() for month in months),
        figures.to_csv(index=False),
    ]
    return hashlib.sha256("\n".join(made_from).encode()).hexdigest()


def encode_forecast(forecast: Forecast) -> bytes:
    """The forecast as an .npz (no pickles: a stored body is read back as plain arrays only)."""
    codes = list(forecast.rate_paths)
    columns = {f"table.{column}": forecast.table[column].to_numpy() for column in FORECAST_COLUMNS}
    columns["table.office_code"] = forecast.table["office_code"].to_numpy(str)
    columns["table.month"] = forecast.table["month"].to_numpy("datetime64[D]")
    buffer = io.BytesIO()
    np.savez(
        buffer,
        months=np.array(forecast.months, dtype="datetime64[D]"),
        codes=np.array(codes),
        paths=np.stack([forecast.rate_paths[code] for code in codes]),
        **columns,
    )
    return buffer.getvalue()


def decode_forecast(body: bytes) -> Forecast:
    """What encode_forecast wrote."""
    with np.load(io.BytesIO(body), allow_pickle=False) as stored:
        columns = {column: stored[f"table.{column}"] for column in FORECAST_COLUMNS}
        columns["month"] = columns["month"].tolist()  # datetime64[D] -> dates, as forecast_offices makes
        months = stored["months"].tolist()
        rate_paths = dict(zip(stored["codes"].tolist(), stored["paths"]))
    return Forecast(pd.DataFrame(columns), months, rate_paths)


def fan_frame(actuals: pd.DataFrame, forecast: Forecast | None, office_code: str) -> pd.DataFrame:
    """One office's (or 'ALL') actual rate by month, then the forecast with its 80/95% bands: for a fan chart.

    The last actual month carries the forecast columns too, so the bands start from it.
    """
    past = _with_rates(_with_province(actuals))
    past = past[past["office_code"] == office_code].sort_values("month")
    frame = pd.DataFrame({"month": past["month"], "actual_rate": past["cashless_rate"]})
    if forecast is None or past.empty:
        return frame.reset_index(drop=True)
    ahead = forecast.table[forecast.table["office_code"] == office_code]
    ahead = ahead[["month", "cashless_rate", "lo80", "hi80", "lo95", "hi95"]].rename(
        columns={"cashless_rate": "forecast_rate"}
    )
    anchor = {c: frame["actual_rate"].iloc[-1] for c in ["forecast_rate", "lo80", "hi80", "lo95", "hi95"]}
    frame = frame.assign(**{c: np.nan for c in anchor})
    frame.iloc[-1, frame.columns.get_indexer(list(anchor))] = list(anchor.values())
    return pd.concat([frame, ahead], ignore_index=True)


def target_outlook(status: pd.DataFrame, forecast: Forecast | None, as_of: dt.date) -> pd.DataFrame:
    """Per office and period still open with a target: forecast rate and 80% range at period end, chance of
    reaching the target, weekly pace the target needs and the pace the forecast expects.

    status: the rows of warehouse.targets.target_status (office_code, period, period_end, target_rate,
    cashless_customers, weekly_pace). Periods ending after the forecast's last month are left out.
    """
    columns = [
        "office_code", "period", "period_end", "target_rate", "forecast_rate", "lo80", "hi80",
        "chance", "pace_needed", "pace_expected",
    ]  # fmt: skip
    if forecast is None or status.empty:
        return pd.DataFrame(columns=columns)
    table = forecast.table.set_index(["office_code", "month"])
    open_rows = status[
        status["target_rate"].notna()
        & (status["period_end"] > as_of)
        & status["period_end"].isin(forecast.months)
        & status["office_code"].isin(forecast.table["office_code"])
    ]
    rows = []
    for row in open_rows.itertuples():
        ahead = table.loc[(row.office_code, row.period_end)]
        weeks = max((row.period_end - as_of).days / 7, 1)
        rows.append(
            {
                "office_code": row.office_code,
                "period": row.period,
                "period_end": row.period_end,
                "target_rate": row.target_rate,
                "forecast_rate": ahead["cashless_rate"],
                "lo80": ahead["lo80"],
                "hi80": ahead["hi80"],
                "chance": forecast.chance_at_least(row.office_code, row.period_end, row.target_rate),
                "pace_needed": row.weekly_pace,
                "pace_expected": (ahead["cashless_customers"] - row.cashless_customers) / weeks,
            }
        )
    return pd.DataFrame(rows, columns=columns)


def year_end_outlook(forecast: Forecast | None, status: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Per office (and 'ALL'): the 80% range of the rate on 31/12 of `as_of`'s year and that year's target.

    status: rows of warehouse.targets.target_status (its year rows give the target; NaN when none).
    """
    columns = ["office_code", "day", "lo80", "hi80", "target_rate"]
    year_end = dt.date(as_of.year, 12, 31)
    if forecast is None or year_end not in forecast.months:
        return pd.DataFrame(columns=columns)
    ahead = forecast.table[forecast.table["month"] == year_end].rename(columns={"month": "day"})
    targets = (
        status.loc[status["period_type"] == "year", ["office_code", "target_rate"]] if len(status) else None
    )
    if targets is None or targets.empty:
        return ahead.assign(target_rate=np.nan)[columns].reset_index(drop=True)
    return ahead.merge(targets, on="office_code", how="left")[columns].reset_index(drop=True)

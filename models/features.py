"""Features as of a cut-off T and the label at T+H (DESIGN §6), computed from a `History`.

`build_features` first cuts the history down to what was known at the end of T (History.until),
so no feature can read a later payment, status change or contract end; tests/models/test_features
checks this by adding and changing later data. Everything is vectorised over customers
(np.bincount by customer_key), so a cut-off costs a fraction of a second on the full province.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from cashless.settings import ModelSettings
from models.history import History
from warehouse.channels import CATEGORIES
from warehouse.days import epoch
from warehouse.status import active_on, status_on

DAYS_PER_MONTH = 30.44
LATE_AFTER_DAYS = 15  # paid more than this many days into the month after the bill period

CATEGORICAL = ("office_code", "customer_type")
BOOLEAN = ("has_phone", "ever_cashless")
NUMERIC = (
    "contract_months",
    "commune_cashless_rate",
    "months_since_slip",
    "payments_6m",
    "paid_months_6m",
    "cashless_share_6m",
    "counter_share_6m",
    "collector_share_6m",
    "mean_days_late",
    "late_share_6m",
    "bill_level",
    "bill_trend",
)
FEATURES = CATEGORICAL + BOOLEAN + NUMERIC
LABEL = "still_not_cashless"


def horizon_end(cutoff: dt.date, months: int) -> dt.date:
    """T + H months; a month-end cut-off maps to the month end H months later (30/11 -> 28/02)."""
    stamp = pd.Timestamp(cutoff)
    if stamp.is_month_end:
        return (stamp + pd.offsets.MonthEnd(months)).date()
    return (stamp + pd.DateOffset(months=months)).date()


def month_end_cutoffs(last: dt.date, count: int) -> list[dt.date]:
    """The `count` month ends up to and including `last` (itself a month end), oldest first."""
    end = pd.Timestamp(last)
    return [(end - pd.offsets.MonthEnd(k)).date() for k in range(count - 1, 0, -1)] + [end.date()]


def latest_labelled_cutoff(data_end: dt.date, horizon_months: int) -> dt.date:
    """The latest month end T whose label (status at T+H) is known when the data ends on `data_end`."""
    candidate = (pd.Timestamp(data_end) + pd.offsets.MonthEnd(0)).date()
    while horizon_end(candidate, horizon_months) > data_end:
        candidate = (pd.Timestamp(candidate) - pd.offsets.MonthEnd(1)).date()
    return candidate


def _active(customers: pd.DataFrame, day: int) -> pd.Series:
    """Boolean per row of `customers`: contract running at the end of `day` (warehouse.status)."""
    return active_on(customers["start_day"], customers["end_day"], day)


def scored_keys(customers: pd.DataFrame, changes: pd.DataFrame, cutoff: dt.date) -> np.ndarray:
    """The customers active and not cashless at the end of `cutoff`: those build_features scores."""
    day = epoch(cutoff)
    people = customers[_active(customers, day)]
    status = status_on(changes, day).reindex(people["customer_key"]).fillna(0).to_numpy()
    return people["customer_key"].to_numpy()[status == 0]


def build_features(history: History, cutoff: dt.date, settings: ModelSettings) -> pd.DataFrame:
    """One row per customer active and not cashless at the end of `cutoff`, indexed by customer_key.

    Columns: FEATURES, plus commune_id for grouping. Only data up to `cutoff` is read.
    """
    day = epoch(cutoff)
    known = history.until(day)
    people = known.customers.set_index("customer_key")
    keys = scored_keys(known.customers, known.changes, cutoff)
    frame = people.loc[keys, ["office_code", "commune_id", "customer_type", "has_phone"]]

    frame = frame.assign(
        contract_months=(day - people.loc[keys, "start_day"].to_numpy()) / DAYS_PER_MONTH,
        **_status_history(known.changes, keys, day),
        **_neighbourhood(known, frame["commune_id"].to_numpy(), day),
        **_payment_habits(known.payments, keys, day, settings.history_months),
    )
    return frame[["commune_id", *FEATURES]]


def _status_history(changes: pd.DataFrame, keys: np.ndarray, day: int) -> dict[str, np.ndarray]:
    """Ever cashless and months since going back to cash (NaN: never cashless), up to `day`."""
    upto = changes[changes["day"] <= day]
    grouped = upto.groupby("customer_key")
    ever = grouped["cashless"].max().reindex(keys).fillna(0).to_numpy()
    last_change = grouped["day"].max().reindex(keys).to_numpy(dtype=float)
    # not cashless now: for a customer who ever was, the last change is the day they went back to cash
    since_slip = np.where(ever == 1, (day - last_change) / DAYS_PER_MONTH, np.nan)
    return {"ever_cashless": ever, "months_since_slip": since_slip}


def _neighbourhood(known: History, communes: np.ndarray, day: int) -> dict[str, np.ndarray]:
    """The cashless rate of each customer's commune at the end of `day` (active customers)."""
    people = known.customers[_active(known.customers, day)]
    flag = status_on(known.changes, day).reindex(people["customer_key"]).fillna(0).to_numpy()
    rates = pd.Series(flag).groupby(people["commune_id"].to_numpy()).mean()
    return {"commune_cashless_rate": rates.reindex(communes).to_numpy()}


def _payment_habits(payments: pd.DataFrame, keys: np.ndarray, day: int, months: int) -> dict[str, np.ndarray]:
    """How the customers `keys` paid in the last `months` months before `day` (NaN where they did not pay).

    Bills are compared with the other households in `keys` in the same month (the mean log amount
    that month), so the level and trend of a household's bill do not move with the seasons.
    """
    window = payments[(payments["day"] > day - round(months * DAYS_PER_MONTH)) & (payments["day"] <= day)]
    size = int(max(keys.max(initial=0), window["customer_key"].max() if len(window) else 0)) + 1
    member = np.zeros(size, dtype=bool)
    member[keys] = True
    window = window[member[window["customer_key"].to_numpy()]]
    who = window["customer_key"].to_numpy()

    def total(weights=None) -> np.ndarray:
        return np.bincount(who, weights=weights, minlength=size)[keys]

    count = total()
    with np.errstate(invalid="ignore", divide="ignore"):

        def mean(weights) -> np.ndarray:
            return np.where(count > 0, total(weights) / count, np.nan)

        category = window["category"].to_numpy()
        late = days_late(window)
        month = window["day"].to_numpy().astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
        month -= month.min() if len(month) else 0
        span = int(month.max(initial=0)) + 1
        log_amount = np.log(window["amount"].to_numpy(dtype=float))
        month_mean = np.bincount(month, weights=log_amount, minlength=span) / np.bincount(
            month, minlength=span
        )
        relative = log_amount - month_mean[month]
        recent = window["day"].to_numpy() > day - round(DAYS_PER_MONTH * 3)
        recent_count = np.bincount(who[recent], minlength=size)[keys]
        recent_level = np.where(
            recent_count > 0,
            np.bincount(who[recent], weights=relative[recent], minlength=size)[keys] / recent_count,
            np.nan,
        )
        paid_in = np.bincount(who * span + month, minlength=size * span).reshape(size, span)
        paid_months = (paid_in > 0).sum(axis=1)
        return {
            "payments_6m": count,
            "paid_months_6m": paid_months[keys],
            "cashless_share_6m": mean(window["cashless"].to_numpy(dtype=float)),
            "counter_share_6m": mean(category == CATEGORIES.index("counter_cash")),
            "collector_share_6m": mean(category == CATEGORIES.index("collector_cash")),
            "mean_days_late": mean(late),
            "late_share_6m": mean(late > LATE_AFTER_DAYS),
            "bill_level": mean(relative),
            "bill_trend": recent_level - mean(relative),
        }


def days_late(payments: pd.DataFrame) -> np.ndarray:
    """Days between the first day of the month after the bill period and the payment (negative = early)."""
    year, month = np.divmod(payments["bill_period"].to_numpy(dtype=np.int64), 100)
    month_after = (year - 1970) * 12 + month  # months since 1970-01 of the month after the period
    due_day = month_after.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    return (payments["day"].to_numpy() - due_day).astype(float)


def build_labels(history: History, cutoff: dt.date, horizon_months: int) -> pd.Series:
    """1 if a customer active and not cashless at T is still not cashless at T+H, else 0.

    Customers whose contract ends before T+H have no label (they leave, whatever they pay) and are
    left out; only data up to T+H is read.
    """
    day, end = epoch(cutoff), epoch(horizon_end(cutoff, horizon_months))
    known = history.until(end)
    people = known.customers
    eligible = people.loc[_active(people, day) & _active(people, end), "customer_key"].to_numpy()
    at_cutoff = status_on(known.changes, day).reindex(eligible).fillna(0).to_numpy()
    at_end = status_on(known.changes, end).reindex(eligible).fillna(0).to_numpy()
    keys = eligible[at_cutoff == 0]
    return pd.Series(
        1 - at_end[at_cutoff == 0], index=pd.Index(keys, name="customer_key"), name=LABEL
    ).astype("int64")


def build_training_set(history: History, cutoffs: list[dt.date], settings: ModelSettings) -> pd.DataFrame:
    """Features and labels stacked over several cut-offs, with a `cutoff` column."""
    frames = []
    for cutoff in cutoffs:
        features = build_features(history, cutoff, settings)
        labels = build_labels(history, cutoff, settings.horizon_months)
        frames.append(features.join(labels, how="inner").assign(cutoff=cutoff))
    return pd.concat(frames)

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

    Columns: FEATURES, plus commune_id for grouping. Only data up to `cutoff` is read; only the
    history's payers get a row (their payments are the ones read).
    """
    day = epoch(cutoff)
    known = history.until(day)
    customers = known.customers
    active = _active(customers, day).to_numpy()
    flag = _flags(known.changes, day, customers["customer_key"].to_numpy())
    scored = active & (flag == 0)  # the households of scored_keys, in the same order
    if known.payers is not None:
        scored &= np.isin(customers["customer_key"].to_numpy(), known.payers)
    frame = customers.loc[scored, ["customer_key", "office_code", "commune_id", "customer_type", "has_phone"]]
    frame = frame.set_index("customer_key")
    keys = frame.index.to_numpy()
    rates = pd.Series(flag[active]).groupby(customers["commune_id"].to_numpy()[active]).mean()

    frame = frame.assign(
        contract_months=(day - customers["start_day"].to_numpy()[scored]) / DAYS_PER_MONTH,
        **_status_history(known.changes, keys, day),
        commune_cashless_rate=rates.reindex(frame["commune_id"].to_numpy()).to_numpy(),
        **_payment_habits(known.payments, keys, day, settings.history_months),
    )
    return frame[["commune_id", *FEATURES]]


def _status_history(changes: pd.DataFrame, keys: np.ndarray, day: int) -> dict[str, np.ndarray]:
    """Ever cashless and months since going back to cash (NaN: never cashless), up to `day`."""
    upto = changes["day"].to_numpy() <= day
    who = changes["customer_key"].to_numpy()[upto]
    size = int(max(keys.max(initial=0), who.max(initial=0))) + 1
    ever = np.zeros(size)
    ever[who[changes["cashless"].to_numpy()[upto] == 1]] = 1
    last_change = np.full(size, -1, dtype=np.int64)
    np.maximum.at(last_change, who, changes["day"].to_numpy()[upto])
    ever = ever[keys]
    # not cashless now: for a customer who ever was, the last change is the day they went back to cash
    since_slip = np.where(ever == 1, (day - last_change[keys]) / DAYS_PER_MONTH, np.nan)
    return {"ever_cashless": ever, "months_since_slip": since_slip}


def _payment_habits(payments: pd.DataFrame, keys: np.ndarray, day: int, months: int) -> dict[str, np.ndarray]:
    """How the customers `keys` paid in the last `months` months before `day` (NaN where they did not pay).

    Bills are compared with the other households in `keys` in the same month (the mean log amount
    that month), so the level and trend of a household's bill do not move with the seasons.
    `payments` are in day order (History), so the window and its last three months are slices.
    """
    days = payments["day"].to_numpy()
    window = slice(*np.searchsorted(days, [day - round(months * DAYS_PER_MONTH), day], side="right"))
    who = payments["customer_key"].to_numpy()[window]
    size = int(max(keys.max(initial=0), who.max(initial=0))) + 1
    member = np.zeros(size, dtype=bool)
    member[keys] = True
    member = member[who]
    who, days = who[member], days[window][member]

    def column(name: str) -> np.ndarray:
        return payments[name].to_numpy()[window][member]

    def total(weights=None, rows=slice(None)) -> np.ndarray:
        return np.bincount(who[rows], weights=None if weights is None else weights[rows], minlength=size)[
            keys
        ]

    count = total()
    with np.errstate(invalid="ignore", divide="ignore"):

        def mean(weights) -> np.ndarray:
            return np.where(count > 0, total(weights) / count, np.nan)

        category = column("category")
        late = days_late(days, column("bill_period"))
        month = _months_since_1970(days)
        month -= month.min() if len(month) else 0
        span = int(month.max(initial=0)) + 1
        log_amount = np.log(column("amount").astype(float))
        month_mean = np.bincount(month, weights=log_amount, minlength=span) / np.bincount(
            month, minlength=span
        )
        relative = log_amount - month_mean[month]
        recent = slice(np.searchsorted(days, day - round(DAYS_PER_MONTH * 3), side="right"), None)
        recent_count = total(rows=recent)
        recent_level = np.where(recent_count > 0, total(relative, recent) / recent_count, np.nan)
        return {
            "payments_6m": count,
            "paid_months_6m": _months_paid(who, month, size)[keys],
            "cashless_share_6m": mean(column("cashless").astype(float)),
            "counter_share_6m": mean(category == CATEGORIES.index("counter_cash")),
            "collector_share_6m": mean(category == CATEGORIES.index("collector_cash")),
            "mean_days_late": mean(late),
            "late_share_6m": mean(late > LATE_AFTER_DAYS),
            "bill_level": mean(relative),
            "bill_trend": recent_level - mean(relative),
        }


def _months_paid(who: np.ndarray, month: np.ndarray, size: int) -> np.ndarray:
    """Per customer key: in how many distinct months it paid (`month` in day order, so each is a slice)."""
    paid = np.zeros(size, dtype=np.int64)
    bounds = np.searchsorted(month, np.arange(int(month.max(initial=-1)) + 2))
    for start, end in zip(bounds[:-1], bounds[1:]):
        seen = np.zeros(size, dtype=bool)
        seen[who[start:end]] = True
        paid += seen
    return paid


def _months_since_1970(days: np.ndarray) -> np.ndarray:
    """The calendar month (months since 1970-01) of each epoch day, looked up once per distinct day."""
    if len(days) == 0:
        return np.zeros(0, dtype=np.int64)
    first = int(days.min())
    calendar = np.arange(first, int(days.max()) + 1).astype("datetime64[D]").astype("datetime64[M]")
    return calendar.astype(np.int64)[days - first]


def days_late(days: np.ndarray, bill_periods: np.ndarray) -> np.ndarray:
    """Days between the first day of the month after the bill period (YYYYMM) and the payment day
    (negative = early); the due day is worked out once per distinct bill period."""
    periods = np.asarray(bill_periods, dtype=np.int64)
    if len(periods) == 0:
        return np.zeros(0)
    first = int(periods.min())
    year, month = np.divmod(np.arange(first, int(periods.max()) + 1), 100)
    month_after = (year - 1970) * 12 + month  # months since 1970-01 of the month after the period
    due_day = month_after.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    return (np.asarray(days) - due_day[periods - first]).astype(float)


def build_labels(history: History, cutoff: dt.date, horizon_months: int) -> pd.Series:
    """1 if a customer active and not cashless at T is still not cashless at T+H, else 0.

    Customers whose contract ends before T+H have no label (they leave, whatever they pay) and are
    left out; only data up to T+H is read.
    """
    day, end = epoch(cutoff), epoch(horizon_end(cutoff, horizon_months))
    known = history.until(end)
    people = known.customers
    eligible = people.loc[_active(people, day) & _active(people, end), "customer_key"].to_numpy()
    at_cutoff = _flags(known.changes, day, eligible)
    at_end = _flags(known.changes, end, eligible)
    keys = eligible[at_cutoff == 0]
    return pd.Series(
        1 - at_end[at_cutoff == 0], index=pd.Index(keys, name="customer_key"), name=LABEL
    ).astype("int64")


def _flags(changes: pd.DataFrame, day: int, keys: np.ndarray) -> np.ndarray:
    """warehouse.status.status_on for each of `keys`, 0 for those without a change yet (as floats)."""
    status = status_on(changes, day)
    index = status.index.to_numpy()
    flags = np.zeros(int(max(keys.max(initial=0), index.max(initial=0))) + 1)
    flags[index] = status.to_numpy()
    return flags[keys]


def build_training_set(history: History, cutoffs: list[dt.date], settings: ModelSettings) -> pd.DataFrame:
    """Features and labels stacked over several cut-offs, with a `cutoff` column."""
    frames = []
    for cutoff in cutoffs:
        features = build_features(history, cutoff, settings)
        labels = build_labels(history, cutoff, settings.horizon_months)
        frames.append(features.join(labels, how="inner").assign(cutoff=cutoff))
    return pd.concat(frames)

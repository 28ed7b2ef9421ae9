"""Converted and slipped customers over the two ranges the pages ask for, kept as daily levels.

DESIGN §4: over a range (A, B], a customer *converted* when active at A and at B, not cashless at A
and cashless at B; *slipped* is the reverse. The pages ask for two kinds of range ending on a day D:
- the week: (D - 7, D] (the weekly review, the slip-back alerts);
- the month so far: (last day of the month before D, D] (the channels page, month by month).
For a customer these four indicators change only at a few days: a status change e, e + 7, the first
of the month after e, and the same around a contract's start and end. The refresh evaluates them
there (vectorised, with one binary search per lookup) and the snapshot tables keep their sums per
office/commune as levels, so any such range is a lookup. Other ranges are computed exactly from the
status changes (warehouse.metrics.movement_series).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

WEEK = 7
MEASURES = ["converted_week", "slipped_week", "converted_month", "slipped_month"]
# status changes evaluated at a time (bounds the temporary arrays: ~8 int64 per candidate day)
BLOCK = 250_000


def month_start_after(days: np.ndarray) -> np.ndarray:
    """The first day of the month after each epoch day."""
    months = np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]")
    return (months + 1).astype("datetime64[D]").astype(np.int64)


def distinct_sorted(values: np.ndarray) -> np.ndarray:
    """The distinct values of a sorted array. np.unique is not used on the large ones: NumPy 2.4
    finds them by hashing, and on 3 M spread integers that took 3.2 s against 0.02 s for a sort."""
    keep = np.ones(len(values), dtype=bool)
    keep[1:] = values[1:] != values[:-1]
    return values[keep]


def month_end_before(days: np.ndarray) -> np.ndarray:
    """The last day of the month before each epoch day's month."""
    months = np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]")
    return months.astype("datetime64[D]").astype(np.int64) - 1


def lookback(since: int) -> int:
    """The earliest day whose status the ranges ending on `since` or later read (their start)."""
    return int(min(since - WEEK, month_end_before(np.array([since]))[0]))


def movement_deltas(
    changes: pd.DataFrame, prior: pd.Series, start_day: np.ndarray, end_day: np.ndarray, since: int | None
) -> pd.DataFrame:
    """Per customer and day >= since, the change in the four window indicators (MEASURES).

    `changes`: customer_key, day, cashless, every status change after lookback(since) (all of them
    when since is None); `prior`: the flag in force on lookback(since), by customer_key;
    `start_day`/`end_day`: contract days indexed by customer_key. The deltas of a customer sum, from
    `since` on, to the indicator's level: on `since` itself they hold the level, not a change.
    """
    changes = changes.sort_values(["customer_key", "day"], kind="stable")
    keys = changes["customer_key"].to_numpy(dtype=np.int64)
    if not len(keys):
        return pd.DataFrame({"customer_key": [], "day": [], **{m: [] for m in MEASURES}}, dtype=np.int64)
    # blocks of whole customers, so that every customer's lookups stay within its block
    cuts = np.searchsorted(keys, keys[np.arange(BLOCK, len(keys), BLOCK)], side="left")
    bounds = [0, *distinct_sorted(cuts[cuts > 0]).tolist(), len(keys)]  # cuts are sorted, as keys are
    parts = [
        _block_deltas(changes.iloc[low:high], prior, start_day, end_day, since)
        for low, high in zip(bounds[:-1], bounds[1:])
        if high > low
    ]
    return pd.concat(parts, ignore_index=True)


def _block_deltas(changes, prior, start_day, end_day, since) -> pd.DataFrame:
    keys = changes["customer_key"].to_numpy(dtype=np.int64)
    days = changes["day"].to_numpy(dtype=np.int64)
    flags = changes["cashless"].to_numpy(dtype=np.int64)
    customers = distinct_sorted(keys)  # changes come by customer
    start, end = start_day[customers], end_day[customers]
    # where an indicator may change: around each status change and each contract start and end
    candidate_days = [days, days + WEEK, month_start_after(days)]
    candidate_keys = [keys, keys, keys]
    for edge in (start, end):
        for day in (edge, edge + WEEK, month_start_after(np.minimum(edge, 10**6))):
            candidate_days.append(day)
            candidate_keys.append(customers)
    if since is not None:
        candidate_days.append(np.full(len(customers), since, dtype=np.int64))
        candidate_keys.append(customers)
    at = np.concatenate(candidate_days)
    who = np.concatenate(candidate_keys)
    # a customer's indicators are 0 before their first status change and from a week and a month
    # after their last: only breakpoints within that span (and from `since` on) matter
    first_change = pd.Series(days).groupby(keys).min().reindex(who).to_numpy()
    last_change = pd.Series(days).groupby(keys).max().reindex(who).to_numpy()
    keep = (at >= first_change) & (at <= month_start_after(last_change) + WEEK)
    if since is not None:
        keep &= at >= since
    at, who = at[keep], who[keep]

    base = int(min(at.min(initial=0), days.min()) - 40)
    span = int(max(at.max(initial=0), days.max()) - base + 1)
    packed = distinct_sorted(np.sort(who * span + (at - base)))  # one per (customer, day)
    who, at = packed // span, packed % span + base
    history = keys * span + (days - base)  # sorted: changes are by customer, then day
    seed = prior.reindex(who).fillna(0).to_numpy(dtype=np.int64)

    def cashless(day: np.ndarray) -> np.ndarray:
        found = np.searchsorted(history, who * span + (day - base), side="right") - 1
        same = (found >= 0) & (keys[np.maximum(found, 0)] == who)
        return np.where(same, flags[np.maximum(found, 0)], seed) == 1

    def active(day: np.ndarray) -> np.ndarray:
        return (start_day[who] <= day) & (end_day[who] > day)

    now_active, now_cashless = active(at), cashless(at)
    levels = {}
    for name, then in (("week", at - WEEK), ("month", month_end_before(at))):
        both = now_active & active(then)
        was = cashless(then)
        levels[f"converted_{name}"] = (both & ~was & now_cashless).astype(np.int64)
        levels[f"slipped_{name}"] = (both & was & ~now_cashless).astype(np.int64)
    first = np.ones(len(who), dtype=bool)
    first[1:] = who[1:] != who[:-1]
    out = {"customer_key": who, "day": at}
    for name, level in levels.items():
        delta = level.copy()
        delta[1:] -= level[:-1]
        delta[first] = level[first]
        out[name] = delta.astype(np.int8)  # -1, 0 or 1: held by the millions until summed
    frame = pd.DataFrame(out)
    return frame[(frame[MEASURES] != 0).any(axis=1).to_numpy()]

"""Conversions and slip-backs of the week and of the month so far, as the snapshots keep them.

The breakpoint evaluation of warehouse.movements is checked against the rule of DESIGN §4 applied
day by day to random customers, for a full refresh and a refresh from any day; then the stored
levels against the reference SQL over payments, on both databases, loaded month by month.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from etl.load import load_files
from warehouse import metrics, reference
from warehouse.days import NO_END, epoch
from warehouse.movements import MEASURES, WEEK, lookback, month_end_before, movement_deltas
from warehouse.snapshots import refresh_snapshots

from .province_fixture import write_fixture

FIRST = epoch(dt.date(2025, 1, 1))  # the random histories live in the first quarter of 2025
DAYS = 90


def brute_force(customers: pd.DataFrame, changes: pd.DataFrame, days: range) -> pd.DataFrame:
    """The four window counts on each of `days`, from each customer's status and contract on every day."""
    base = min(days.start, FIRST - 45) - 40  # before every contract start and payment
    span = np.arange(base, days.stop)
    rows = []
    for customer in customers.itertuples():
        status = np.zeros(len(span), dtype=bool)  # no payment yet: not cashless
        for change in (
            changes[changes["customer_key"] == customer.customer_key].sort_values("day").itertuples()
        ):
            status[change.day - base :] = change.cashless == 1
        active = (customer.start_day <= span) & (span < customer.end_day)
        rows.append((status, active))
    counts = []
    for day in days:
        row = dict.fromkeys(MEASURES, 0)
        for name, then in (("week", day - WEEK), ("month", int(month_end_before(np.array([day]))[0]))):
            for status, active in rows:
                if active[then - base] and active[day - base]:
                    before, after = status[then - base], status[day - base]
                    row[f"converted_{name}"] += int(not before and after)
                    row[f"slipped_{name}"] += int(before and not after)
        counts.append(row)
    return pd.DataFrame(counts, index=days)[MEASURES]


histories = st.lists(
    st.tuples(
        st.integers(-40, DAYS),  # contract start (days after FIRST)
        st.one_of(st.none(), st.integers(0, DAYS + 20)),  # contract end
        st.lists(st.tuples(st.integers(0, DAYS), st.booleans()), max_size=6),  # payment days, cashless
    ),
    min_size=1,
    max_size=6,
)


def _frames(history) -> tuple[pd.DataFrame, pd.DataFrame]:
    customers, changes = [], []
    for key, (start, end, paid) in enumerate(history, start=1):
        customers.append((key, FIRST + start, NO_END if end is None else FIRST + max(end, start + 1)))
        flag = None
        for day, cashless in sorted(dict(paid).items()):  # one flag per day; only changes are kept
            if cashless != flag:
                changes.append((key, FIRST + day, int(cashless)))
                flag = cashless
    return (
        pd.DataFrame(customers, columns=["customer_key", "start_day", "end_day"]),
        pd.DataFrame(changes, columns=["customer_key", "day", "cashless"], dtype="int64"),
    )


def _levels(customers, changes, since) -> pd.DataFrame:
    """Summed levels per day from `since` (or the first change) to the end of the span."""
    size = int(customers["customer_key"].max()) + 1
    start = np.full(size, NO_END, dtype=np.int64)
    end = np.full(size, NO_END, dtype=np.int64)
    start[customers["customer_key"]] = customers["start_day"]
    end[customers["customer_key"]] = customers["end_day"]
    if since is None:
        prior, later = pd.Series(dtype="int8"), changes
    else:
        early = lookback(since)
        before = changes[changes["day"] <= early].sort_values("day")
        prior = before.groupby("customer_key")["cashless"].last().astype("int8")
        later = changes[changes["day"] > early]
    deltas = movement_deltas(later, prior, start, end, since)
    daily = deltas.groupby("day")[MEASURES].sum()
    days = range(FIRST - 45 if since is None else since, FIRST + DAYS + 45)
    return daily.reindex(days, fill_value=0).cumsum()


@given(histories, st.one_of(st.none(), st.integers(0, DAYS)))
def test_window_levels_follow_the_rule_on_every_day(history, since_offset):
    customers, changes = _frames(history)
    since = None if since_offset is None else FIRST + since_offset
    levels = _levels(customers, changes, since)
    expected = brute_force(customers, changes, range(levels.index[0], levels.index[-1] + 1))
    pd.testing.assert_frame_equal(levels, expected, check_names=False, check_index_type=False)


def test_a_conversion_counts_for_a_week_and_for_the_rest_of_its_month():
    # one customer, cash on 10/01, cashless on 28/01: converted in the weeks ending 28/01 - 03/02,
    # and in the month so far from 28/01 to 31/01 only
    customers = pd.DataFrame({"customer_key": [1], "start_day": [FIRST - 100], "end_day": [NO_END]})
    changes = pd.DataFrame({"customer_key": [1, 1], "day": [FIRST + 9, FIRST + 27], "cashless": [0, 1]})
    levels = _levels(customers, changes, None)
    week = levels["converted_week"]
    month = levels["converted_month"]
    assert week[week > 0].index.tolist() == list(range(FIRST + 27, FIRST + 34))
    assert month[month > 0].index.tolist() == list(range(FIRST + 27, FIRST + 31))
    assert levels[["slipped_week", "slipped_month"]].to_numpy().sum() == 0


def _reference_moves(conn, start, end, by) -> pd.DataFrame:
    key = ["office_code", "commune_id"] if by == "commune" else ["office_code"]
    return reference.movements(conn, start, end, by=by).set_index(key)[["converted", "slipped"]]


def _stored_moves(conn, start, end, by) -> pd.DataFrame:
    key = ["office_code", "commune_id"] if by == "commune" else ["office_code"]
    frame = metrics.movements(conn, start, end, by=by).set_index(key)[["converted", "slipped"]]
    return frame[(frame != 0).any(axis=1)]


CHECKED_DAYS = [dt.date(2025, 1, d) for d in (5, 10, 17, 31)] + [
    dt.date(2025, 2, d) for d in (1, 7, 10, 14, 17, 20, 27, 28)
] + [dt.date(2025, 3, d) for d in (3, 7, 10, 31)]  # fmt: skip


@pytest.mark.parametrize("order", [(1, 2, 3), (3, 1, 2)], ids=["in order", "march first"])
def test_stored_weeks_and_months_agree_with_the_reference_sql(engine, tmp_path, order):
    paths = write_fixture(tmp_path)
    load_files(engine, "customers", [paths[0]])
    for month in order:  # one refresh per file: each reaches back from its own first day
        load_files(engine, "payments", [paths[month]])
    with engine.connect() as conn:
        for day in CHECKED_DAYS:
            for start in (day - dt.timedelta(days=WEEK), day.replace(day=1) - dt.timedelta(days=1)):
                for by in ("office", "commune"):
                    expected = _reference_moves(conn, start, day, by)
                    expected = expected[(expected != 0).any(axis=1)]
                    assert _stored_moves(conn, start, day, by).to_dict() == expected.to_dict(), (start, day)
        incremental = metrics.movement_series(conn, CHECKED_DAYS, by="commune")
    refresh_snapshots(engine, full=True)
    with engine.connect() as conn:
        rebuilt = metrics.movement_series(conn, CHECKED_DAYS, by="commune")
    pd.testing.assert_frame_equal(incremental, rebuilt)


def test_other_ranges_are_computed_exactly(engine, tmp_path):
    paths = write_fixture(tmp_path)
    load_files(engine, "customers", [paths[0]])
    load_files(engine, "payments", paths[1:])
    start, end = dt.date(2025, 1, 20), dt.date(2025, 2, 28)  # neither a week nor a month so far
    assert metrics.stored_window(start, end) is None
    with engine.connect() as conn:
        assert (
            _stored_moves(conn, start, end, "office").to_dict()
            == _reference_moves(conn, start, end, "office").pipe(lambda f: f[(f != 0).any(axis=1)]).to_dict()
        )

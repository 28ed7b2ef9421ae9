"""Daily snapshots (DESIGN §2): per-customer status changes and office/commune × day tables.

A customer's cashless status only changes on the days they pay, start or end a contract, so a load
turns into a few status changes and small snapshot tables refreshed from the earliest day it
touched. Every "as of D" metric is then a lookup in those tables instead of a scan of payments.

Snapshot rows are sparse: a row exists for a group and day when something changed that day. Levels
(active, cashless, and the conversions and slip-backs of the week and of the month up to that day,
warehouse.movements) are as of the end of the row's day; flows (payments, amounts) are that day's
alone.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from functools import cache
from typing import TypeVar

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, select, text, update

from warehouse.bulk import bulk_days, bulk_insert, fetch_frame
from warehouse.days import NO_END, epoch, epoch_day_sql, from_epoch
from warehouse.db import in_memory, is_sqlite, writing
from warehouse.keys import by_key, customer_offices
from warehouse.list_counts import store_counts
from warehouse.movements import MEASURES, lookback, movement_deltas
from warehouse.schema import snapshot_state
from warehouse.status import active_on, channel_lookup, latest_status_sql, status_changes

log = logging.getLogger(__name__)
T = TypeVar("T")

LEVELS = ["active", "cashless", *MEASURES]
FLOWS = ["payments", "amount", "cashless_payments", "cashless_amount"]
FLOW_BLOCK = 2_000_000  # payments aggregated at a time (bounds the refresh's temporary arrays)
EVENT_BLOCK = 1_000_000  # status changes and customers turned into events at a time (the same)
CHANNELS_PER_OFFICE = 1 << 20  # channel_name_id below this: (office, channel) packs into one integer


def mark_dirty(conn: Connection, day: dt.date) -> None:
    """Record, inside the loading transaction, that snapshots from `day` on are stale."""
    conn.execute(
        update(snapshot_state)
        .where(snapshot_state.c.id == 1)
        .values(
            dirty_from=text(
                "CASE WHEN dirty_from IS NULL OR dirty_from > :day THEN :day ELSE dirty_from END"
            ).bindparams(day=day)
        )
    )


def dirty_from(conn: Connection) -> dt.date | None:
    """The earliest day whose snapshots are stale (data loaded, not yet summarised), or None."""
    value = conn.scalar(select(snapshot_state.c.dirty_from).where(snapshot_state.c.id == 1))
    return None if value is None else pd.Timestamp(value).date()


def refresh_snapshots(
    engine: Engine, *, full: bool = False, progress: bool = False, recent: pd.DataFrame | None = None
) -> dt.date | None:
    """Bring status changes and snapshots up to date from the stale day on (or from scratch).

    Runs in one transaction; returns the day refreshed from (None when nothing was stale).
    `recent` (customer_key, day, channel_name_id, amount) are payments just loaded: used instead
    of reading payments back when they are exactly the warehouse's payments from that day on.
    """
    if not full:
        with engine.connect() as conn:
            if dirty_from(conn) is None:  # checked first so a reader does not queue behind a load
                return None
    with writing(engine) as conn:
        lock = "" if is_sqlite(conn) else " FOR UPDATE"
        stale = conn.execute(text(f"SELECT dirty_from FROM snapshot_state WHERE id = 1{lock}")).scalar()
        if not full and stale is None:
            return None
        since = None if full else pd.Timestamp(stale).date()
        started = time.perf_counter()
        rebuild_from(conn, since, recent)
        conn.execute(
            update(snapshot_state)
            .where(snapshot_state.c.id == 1)
            .values(dirty_from=None, refreshed_at=dt.datetime.now())
        )
        store_counts(conn)  # the lists' members counted on the new last day, under the new stamp
        log.info(
            "snapshots refreshed from %s in %.1f s", since or "the beginning", time.perf_counter() - started
        )
        if progress:
            print(
                f"snapshots refreshed from {since or 'the beginning'} in {time.perf_counter() - started:.1f} s"
            )
        return since


def rebuild_from(conn: Connection, since: dt.date | None, recent: pd.DataFrame | None = None) -> None:
    """Recompute status changes and snapshot rows for days >= since (None: everything)."""
    m = None if since is None else epoch(since)
    cashless_by_channel, _ = channel_lookup(conn)

    people = fetch_frame(
        conn,
        f"SELECT customer_key, office_code, commune_id, {epoch_day_sql(conn, 'contract_start')} AS start_day, "
        f"{epoch_day_sql(conn, 'contract_end')} AS end_day FROM customers",
        categorical=("office_code",),  # a byte a customer, not a text object
    )
    people["end_day"] = people["end_day"].fillna(NO_END).astype("int64")
    people["start_day"] = people["start_day"].astype("int64")
    people = people.set_index("customer_key")

    where = "" if m is None else " WHERE day >= :since"  # of the tables rewritten from `since` on
    params = {} if m is None else {"since": since}

    # the status on the day the week and month ranges ending from `since` on start, and the changes
    # between that day and `since` (kept), from which the status in force before `since` follows
    early = None if m is None else lookback(m)
    prior_early = _prior_status(conn, early)
    kept = _kept_changes(conn, early, since)
    prior = _status_after(prior_early, kept)
    paid, changes = _changes_from_recent(conn, recent, m, since, prior, cashless_by_channel)
    if paid is None:
        paid = _flagged(fetch_frame(conn, paid_since_sql(conn, since), params), cashless_by_channel)
        changes = status_changes(paid, prior)

    with _beside(conn, lambda: _write_changes(conn, changes, where, params)):  # computing meanwhile
        events = customer_events(changes, people, prior, m)
        moves = movement_deltas(
            pd.concat([kept, changes[["customer_key", "day", "cashless"]]], ignore_index=True),
            prior_early,
            by_key(people.index, people["start_day"].to_numpy(), fill=NO_END),
            by_key(people.index, people["end_day"].to_numpy(), fill=NO_END),
            m,
        )
        office_of, office_codes = customer_offices(people.index, people["office_code"].to_numpy())
        commune_of = by_key(people.index, people["commune_id"].to_numpy())
        keys = paid["customer_key"].to_numpy(dtype=np.int64)
        groups = [
            ("snapshot_office_day", ["office_code"], office_of, pd.DataFrame({"office_code": office_codes})),
            ("snapshot_commune_day", ["commune_id", "office_code"], commune_of, _communes(people)),
        ]
        flows = [daily_flows(paid, group_of[keys]) for _, _, group_of, _ in groups]
        channel_flows = daily_flows(
            paid, office_of[keys] * CHANNELS_PER_OFFICE + paid["channel_name_id"].to_numpy()
        )
    for (table, group, group_of, labels), group_flows in zip(groups, flows):
        _write_group_snapshots(conn, table, group, labels, group_of, events, moves, group_flows, since)

    group = channel_flows.pop("group").to_numpy()
    channel_flows.insert(0, "office_code", office_codes.take(group // CHANNELS_PER_OFFICE))
    channel_flows.insert(2, "channel_name_id", group % CHANNELS_PER_OFFICE)
    conn.execute(text(f"DELETE FROM snapshot_channel_day{where}"), params)
    channel_flows["day"] = bulk_days(conn, channel_flows["day"])
    bulk_insert(
        conn,
        "snapshot_channel_day",
        channel_flows[["office_code", "day", "channel_name_id", "payments", "amount"]],
    )


def _write_changes(conn: Connection, changes: pd.DataFrame, where: str, params: dict) -> None:
    """The status changes from `since` on replace the stored ones."""
    conn.execute(text(f"DELETE FROM customer_status_changes{where}"), params)
    bulk_insert(
        conn,
        "customer_status_changes",
        pd.DataFrame(
            {
                "customer_key": changes["customer_key"].to_numpy(),
                "day": bulk_days(conn, changes["day"]),
                "cashless": _booleans(changes["cashless"]),
            }
        ),
    )


@cache
def _database_thread() -> ThreadPoolExecutor:
    """The thread a refresh's own connection works on while the refresh computes."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="refresh-db")


@contextmanager
def _beside(conn: Connection, work: Callable[[], T]) -> Iterator[Future[T]]:
    """Run `work` (database work on the refresh's connection `conn`) on another thread while the
    body computes without that connection (the database and numpy release the GIL); waits for it
    on leaving, and raises its error. An in-memory SQLite database cannot leave its thread: inline."""
    if in_memory(conn):
        done: Future = Future()
        done.set_result(work())
        yield done
        return
    future = _database_thread().submit(work)
    try:
        yield future
    except BaseException:
        _wait_out(future)
        if not future.cancelled() and future.exception() is not None:
            log.error("the refresh's database work failed too: %r", future.exception())
        raise
    _wait_out(future)
    future.result()


def _wait_out(future: Future) -> None:
    """Wait until `future` is done, through Ctrl-C too: the connection must be the caller's alone
    before the transaction is rolled back; the interruption is raised after."""
    interrupted = None
    while not future.done():
        try:
            wait([future])
        except KeyboardInterrupt as error:
            interrupted = error
    if interrupted is not None:
        raise interrupted


def _communes(people: pd.DataFrame) -> pd.DataFrame:
    """commune_id -> office_code, as a frame indexed by commune_id."""
    pairs = people.drop_duplicates("commune_id")
    return pd.DataFrame(
        {"commune_id": pairs["commune_id"].to_numpy(), "office_code": pairs["office_code"].to_numpy()},
        index=pairs["commune_id"].to_numpy(),
    )


def daily_flows(paid: pd.DataFrame, group: np.ndarray) -> pd.DataFrame:
    """Payments, amounts and their cashless parts per group code and day, for days with payments.

    A hash pass over a combined (group, day) integer and dense sums, block by block so the
    temporaries stay small: a pandas group-by on two keys costs ~10x more on millions of payments.
    """
    parts = [
        _block_flows(paid.iloc[start : start + FLOW_BLOCK], group[start : start + FLOW_BLOCK])
        for start in range(0, len(paid), FLOW_BLOCK)
    ]
    if not parts:
        return pd.DataFrame({c: np.zeros(0, np.int64) for c in ["group", "day", *FLOWS]})
    flows = pd.concat(parts, ignore_index=True)
    return flows if len(parts) == 1 else flows.groupby(["group", "day"], sort=False).sum().reset_index()


def _block_flows(paid: pd.DataFrame, group: np.ndarray) -> pd.DataFrame:
    known = group >= 0  # payments of a customer missing from customers are left out, as a join would
    days = paid["day"].to_numpy(dtype=np.int64)
    amount = paid["amount"].to_numpy(dtype=np.int64)
    cashless = paid["cashless"].to_numpy(dtype=np.int64)
    if not known.all():
        days, group, amount, cashless = days[known], group[known], amount[known], cashless[known]
    if not len(days):
        return pd.DataFrame({c: np.zeros(0, np.int64) for c in ["group", "day", *FLOWS]})
    slots, groups, group_days = _group_days(group, days)
    return pd.DataFrame(
        {
            "group": groups,
            "day": group_days,
            "payments": np.bincount(slots, minlength=len(groups)),
            "amount": _sums(slots, amount, len(groups)),
            "cashless_payments": _sums(slots, cashless, len(groups)),
            "cashless_amount": _sums(slots, amount * cashless, len(groups)),
        }
    )


def _group_days(
    codes: np.ndarray, days: np.ndarray, sort: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's slot among its distinct (group code, day) pairs, found on one packed integer, and
    the pairs' group codes and days (in group, then day order with `sort`)."""
    first = int(days.min()) if len(days) else 0
    span = int(days.max()) - first + 1 if len(days) else 1
    packed = codes * span
    packed += days - first
    slots, distinct = pd.factorize(packed, sort=sort)
    return slots, distinct // span, distinct % span + first


def _sums(slots: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Exact int64 sums per slot (bincount's float weights could round amounts above 2**53)."""
    out = np.zeros(size, dtype=np.int64)
    np.add.at(out, slots, values)
    return out


def paid_since_sql(conn: Connection, since: dt.date | None) -> str:
    """SQL: the payments a refresh from `since` reads (None: all); bind :since.

    Only `paid_at >= :since` filters payments, so PostgreSQL reads only the months from `since` on.
    """
    where = "" if since is None else " WHERE paid_at >= :since"
    day = epoch_day_sql(conn, "paid_at")
    return f"SELECT customer_key, {day} AS day, channel_name_id, amount FROM payments{where}"


def held_since_sql(since: dt.date | None) -> str:
    """SQL: how many payments the warehouse holds from `since` on (None: all); bind :since."""
    return "SELECT COUNT(*) FROM payments" + ("" if since is None else " WHERE paid_at >= :since")


def _changes_from_recent(conn, recent, m, since, prior, cashless_by_channel) -> tuple:
    """(paid, status changes) from the `recent` payments from day m (= `since`) on, if the warehouse
    holds exactly those from then on; else (None, None). The warehouse counts them while the changes
    are computed."""
    if recent is None:
        return None, None
    paid = recent if m is None or recent["day"].min() >= m else recent[recent["day"] >= m]
    paid = _flagged(paid.reset_index(drop=True), cashless_by_channel)
    params = {} if since is None else {"since": since}
    with _beside(conn, lambda: conn.execute(text(held_since_sql(since)), params).scalar_one()) as held:
        changes = status_changes(paid, prior)
    if held.result() != len(paid):
        log.info(
            "recent payments do not cover the refresh (%s held, %s recent): reading back",
            held.result(),
            len(paid),
        )
        return None, None
    return paid, changes


def _flagged(paid: pd.DataFrame, cashless_by_channel: np.ndarray) -> pd.DataFrame:
    """`paid` with each payment's cashless flag, its channel's."""
    paid["cashless"] = cashless_by_channel[paid["channel_name_id"].to_numpy(dtype=np.int64)]
    return paid


def _prior_status(conn: Connection, day: int | None) -> pd.Series:
    """Each customer's day-level cashless flag from their last status change on or before epoch `day`."""
    if day is None:
        return pd.Series(dtype="int8")
    frame = fetch_frame(conn, latest_status_sql(conn, "<= :day"), {"day": from_epoch(day)})
    return frame.set_index("customer_key")["cashless"].astype("int8")


def _kept_changes(conn: Connection, early: int | None, since: dt.date | None) -> pd.DataFrame:
    """The stored status changes after epoch day `early` and before `since` (not recomputed)."""
    if since is None:
        return pd.DataFrame({"customer_key": [], "day": [], "cashless": []}, dtype="int64")
    frame = fetch_frame(
        conn,
        f"SELECT customer_key, {epoch_day_sql(conn, 'day')} AS day, "
        "CASE WHEN cashless THEN 1 ELSE 0 END AS cashless "
        "FROM customer_status_changes WHERE day > :early AND day < :since",
        {"early": from_epoch(early), "since": since},
    )
    return frame.astype("int64")


def _status_after(prior: pd.Series, changes: pd.DataFrame) -> pd.Series:
    """`prior` flags brought forward through `changes` (each customer's last change wins)."""
    if changes.empty:
        return prior
    last = changes.sort_values(["customer_key", "day"]).drop_duplicates("customer_key", keep="last")
    latest = pd.Series(last["cashless"].to_numpy(dtype="int8"), index=last["customer_key"].to_numpy())
    return latest.combine_first(prior).astype("int8")


def customer_events(
    changes: pd.DataFrame, people: pd.DataFrame, prior: pd.Series, m: int | None
) -> pd.DataFrame:
    """Per customer and event day >= m: change of active and cashless counts, conversions, slips.

    Customers are independent, so they are taken in blocks of keys to bound the memory.
    """
    keys = people.index.to_numpy(dtype=np.int64)
    blocks = max(1, (len(changes) + len(keys)) // EVENT_BLOCK)
    if blocks == 1 or not len(keys):
        return _customer_events(changes, people, prior, m)
    edges = np.linspace(keys.min(), keys.max() + 1, blocks + 1).astype(np.int64)
    changed = changes["customer_key"].to_numpy(dtype=np.int64)
    parts = [
        _customer_events(
            changes[(changed >= low) & (changed < high)],
            people[(keys >= low) & (keys < high)],
            prior,
            m,
        )
        for low, high in zip(edges[:-1], edges[1:])
    ]
    return pd.concat(parts, ignore_index=True)


def _customer_events(
    changes: pd.DataFrame, people: pd.DataFrame, prior: pd.Series, m: int | None
) -> pd.DataFrame:
    lower = -NO_END if m is None else m
    starts = people.index[people["start_day"] >= lower]
    ends = people.index[(people["end_day"] >= lower) & (people["end_day"] < NO_END)]
    frames = [
        pd.DataFrame({"customer_key": changes["customer_key"], "day": changes["day"], "s_new": changes["cashless"].astype(float), "s_old": changes["previous"].clip(lower=0).astype(float)}),
        pd.DataFrame({"customer_key": starts, "day": people.loc[starts, "start_day"].to_numpy(), "s_new": np.nan, "s_old": np.nan}),
        pd.DataFrame({"customer_key": ends, "day": people.loc[ends, "end_day"].to_numpy(), "s_new": np.nan, "s_old": np.nan}),
    ]  # fmt: skip
    events = pd.concat(frames, ignore_index=True)
    if events.empty:
        return events.assign(active_delta=[], cashless_delta=[])
    events["customer_key"] = events["customer_key"].astype("int64")
    events["day"] = events["day"].astype("int64")
    events = events.sort_values(["customer_key", "day", "s_new"], na_position="first", kind="stable")

    keys = events["customer_key"].to_numpy()
    seed = prior.reindex(keys).fillna(0).to_numpy(dtype=float)
    first = np.ones(len(keys), dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    status = events["s_new"].to_numpy().copy()
    status[first & np.isnan(status)] = seed[first & np.isnan(status)]
    status = pd.Series(status).groupby(keys).ffill().to_numpy()
    events["status"] = status
    # one row per customer and day: the state at the end of that day
    last_of_day = ~events.duplicated(["customer_key", "day"], keep="last").to_numpy()
    change_of_day = events.groupby(["customer_key", "day"], sort=False)["s_old"].transform("first")
    events["s_old_day"] = change_of_day.to_numpy()
    events["s_new_day"] = (
        events.groupby(["customer_key", "day"], sort=False)["s_new"].transform("last").to_numpy()
    )
    events = events[last_of_day].reset_index(drop=True)

    keys = events["customer_key"].to_numpy()
    day = events["day"].to_numpy()
    start = people["start_day"].reindex(keys).to_numpy()
    end = people["end_day"].reindex(keys).to_numpy()
    active = active_on(start, end, day).astype(np.int64)
    cashless = active * events["status"].to_numpy().astype(np.int64)

    first = np.ones(len(keys), dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    before = lower - 1
    active_before_m = active_on(start, end, before).astype(np.int64)
    seed = prior.reindex(keys).fillna(0).to_numpy(dtype=np.int64)
    active_prev = np.empty_like(active)
    active_prev[1:] = active[:-1]
    active_prev[first] = active_before_m[first]
    cashless_prev = np.empty_like(cashless)
    cashless_prev[1:] = cashless[:-1]
    cashless_prev[first] = (active_before_m * seed)[first]

    return pd.DataFrame(
        {
            "customer_key": keys,
            "day": day.astype(np.int32),
            "active_delta": (active - active_prev).astype(np.int8),  # -1, 0 or 1, held by the millions
            "cashless_delta": (cashless - cashless_prev).astype(np.int8),
        }
    )


def _write_group_snapshots(
    conn: Connection,
    table: str,
    group: list[str],
    labels: pd.DataFrame,
    group_of: np.ndarray,
    events: pd.DataFrame,
    moves: pd.DataFrame,
    flows: pd.DataFrame,
    since: dt.date | None,
) -> None:
    """Sparse level+flow rows per group and day >= since, seeded from the last row before since.

    `labels` holds the group columns by group code, `group_of` each customer_key's code; `events`
    and `moves` hold per customer and day the changes of the levels (movement_deltas: the level
    itself on `since`); `flows` the group code, day and payment flows of each day with payments.
    Summed over one (group code, day) integer: a pandas group-by on the group's text columns took
    1 GB and most of the refresh's time at 10x.
    """
    key = group[0]
    seeds = _seed_levels(conn, table, group, since)
    labels = _with_seed_groups(labels, seeds, group)
    code_of = pd.Series(labels.index.to_numpy(), index=labels[key].to_numpy())
    parts = [  # (codes, days, values: {column: per-row values}) of what changes a group's day
        _coded(group_of, events, {"active": "active_delta", "cashless": "cashless_delta"}),
        _coded(group_of, moves, {m: m for m in MEASURES}),
    ]
    if len(seeds):  # moves restart from their level on `since`: the seed is taken off there
        codes = code_of.reindex(seeds.index).to_numpy(dtype=np.int64)
        restart = {m: lambda m=m: -seeds[m].to_numpy(dtype=np.int64) for m in MEASURES}
        parts.append((codes, np.full(len(codes), epoch(since)), restart))
    group_codes, days, sums = _day_sums(parts, flows)
    changed = np.zeros(len(days), dtype=bool)
    for values in sums.values():
        changed |= values != 0
    starts = np.ones(len(days), dtype=bool)
    starts[1:] = group_codes[1:] != group_codes[:-1]
    run = np.cumsum(starts) - 1  # which group's run of rows each row is in
    run_keys = labels.loc[group_codes[starts], key].to_numpy()
    for level in LEVELS:  # levels: the seed plus the running sum within the group
        total = np.cumsum(sums[level])
        before = (total - sums[level])[starts]  # the running sum where each group's run begins
        seed = seeds[level].reindex(run_keys).fillna(0).to_numpy(dtype=np.int64) if len(seeds) else 0
        sums[level] = total + (seed - before)[run]
    where, params = ("", {}) if since is None else (" WHERE day >= :since", {"since": since})
    conn.execute(text(f"DELETE FROM {table}{where}"), params)
    out = labels.loc[group_codes[changed], group].reset_index(drop=True)
    out["day"] = bulk_days(conn, days[changed])
    for column in [*LEVELS, *FLOWS]:
        out[column] = sums[column][changed]
    bulk_insert(conn, table, out)


def _day_sums(parts: list[tuple], flows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, dict]:
    """Group code, day and each column's sum per (group, day) that `parts` or `flows` touch, in
    group then day order."""
    codes = np.concatenate([p[0] for p in parts] + [flows["group"].to_numpy(dtype=np.int64)])
    days = np.concatenate([np.asarray(p[1], dtype=np.int64) for p in parts] + [flows["day"].to_numpy()])
    slots, group_codes, group_days = _group_days(codes, days, sort=True)
    del codes, days
    size, offset = len(group_codes), 0
    sums = {c: np.zeros(size, dtype=np.int64) for c in LEVELS}
    for part_codes, _, values in parts:
        rows = slots[offset : offset + len(part_codes)]
        for column, value in values.items():  # one column at a time; small integers: float sums are exact
            sums[column] += np.bincount(rows, value(), size).astype(np.int64)
        offset += len(part_codes)
    for column in FLOWS:  # one flow row per group and day: placed, not summed
        sums[column] = np.zeros(size, dtype=np.int64)
        sums[column][slots[offset:]] = flows[column].to_numpy(dtype=np.int64)
    return group_codes, group_days, sums


def _coded(group_of: np.ndarray, frame: pd.DataFrame, columns: dict[str, str]) -> tuple:
    """(group codes, days, {column: its values, read when called}) of a per-customer frame;
    customers missing from customers (code -1) left out, as a join would."""
    codes = group_of[frame["customer_key"].to_numpy(dtype=np.int64)]
    known = codes >= 0
    everyone = bool(known.all())

    def values(source: str) -> np.ndarray:
        column = frame[source].to_numpy()
        return column if everyone else column[known]

    return (
        codes if everyone else codes[known],
        values("day"),
        {column: lambda s=source: values(s) for column, source in columns.items()},
    )


def _with_seed_groups(labels: pd.DataFrame, seeds: pd.DataFrame, group: list[str]) -> pd.DataFrame:
    """`labels` and, under new codes, the seeded groups no customer is in any more (their levels
    still restart on `since`)."""
    if not len(seeds):
        return labels
    seeded = seeds.reset_index()[group]
    missing = seeded[~seeded[group[0]].isin(labels[group[0]])]
    if missing.empty:
        return labels
    start = int(labels.index.max()) + 1 if len(labels) else 0
    return pd.concat([labels, missing.set_index(np.arange(start, start + len(missing)))])


def _seed_levels(conn: Connection, table: str, group: list[str], since: dt.date | None) -> pd.DataFrame:
    """The levels per group at the end of the day before `since` (latest row before it), by group[0]."""
    key = group[0]
    if since is None:
        return pd.DataFrame(columns=[*group, *LEVELS]).set_index(key)
    frame = fetch_frame(
        conn,
        f"SELECT {', '.join(f's.{c}' for c in [*group, *LEVELS])} FROM {table} s JOIN ("
        f"  SELECT {key}, MAX(day) AS day FROM {table} WHERE day < :since GROUP BY {key}"
        f") last ON last.{key} = s.{key} AND last.day = s.day",
        {"since": since},
    )
    return _as_int(frame, LEVELS).set_index(key)


def _as_int(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    for column in columns:
        frame[column] = pd.to_numeric(frame[column]).astype("int64")
    return frame


def _booleans(values: pd.Series) -> np.ndarray:
    """0/1 flags as booleans: the bulk path writes them as 1/0 for sqlite3 and as booleans for COPY."""
    return np.asarray(values, dtype=np.int64) == 1

"""The metric contract of DESIGN §4, read from the daily snapshots: one function per metric.

Pages, the CLI, the weekly report and the tests all call these; nothing else computes a metric.
Levels are as of the end of day D inclusive. Province figures are sums of counts.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import Connection, text

from warehouse.access import Viewer, office_filter, office_scope
from warehouse.bulk import fetch_frame
from warehouse.days import epoch, to_epoch_days
from warehouse.movements import WEEK
from warehouse.status import active_on, status_on

BY_CHOICES = ("province", "office", "commune")
PROVINCE = "ALL"


def cashless_rate(cashless, active):
    """cashless / active, 0 where there is no active customer (works on numbers and Series)."""
    if isinstance(active, pd.Series | np.ndarray):
        active_values = np.asarray(active, dtype=float)
        rates = np.divide(
            np.asarray(cashless, dtype=float),
            active_values,
            out=np.zeros_like(active_values),
            where=active_values > 0,
        )
        return pd.Series(rates, index=getattr(active, "index", None))
    return cashless / active if active else 0.0


def scope(viewer: Viewer | None, office: str | None) -> str | None:
    """The office a query reads: as asked for internal callers, narrowed to the viewer's scope otherwise."""
    return office if viewer is None else office_scope(viewer, office)


def customer_counts(
    conn: Connection,
    as_of: dt.date,
    by: str = "office",
    office: str | None = None,
    viewer: Viewer | None = None,
) -> pd.DataFrame:
    """Active and cashless customers at the end of `as_of`, per office, commune or for the province."""
    levels = {"active": "active_customers", "cashless": "cashless_customers"}
    return snapshot_levels(conn, as_of, levels, by, scope(viewer, office))


def snapshot_levels(
    conn: Connection, as_of: dt.date, levels: dict[str, str], by: str, office: str | None
) -> pd.DataFrame:
    """Snapshot level columns (renamed as `levels` says) at the end of `as_of`: each office's or
    commune's latest row on or before it, 0 where there is none; the province sums the offices."""
    _check_by(by)
    picked = ", ".join(f"COALESCE(s.{column}, 0) AS {name}" for column, name in levels.items())
    if by == "commune":
        frame = fetch_frame(
            conn,
            f"SELECT c.office_code, c.id AS commune_id, c.name AS commune, {picked} "
            "FROM communes c LEFT JOIN snapshot_commune_day s ON s.commune_id = c.id AND s.day = ("
            "  SELECT MAX(d.day) FROM snapshot_commune_day d WHERE d.commune_id = c.id AND d.day <= :as_of) "
            f"WHERE {office_filter('c.office_code', office)} ORDER BY c.office_code, c.name",
            {"as_of": as_of, "office": office},
        )
    else:
        frame = fetch_frame(
            conn,
            f"SELECT o.code AS office_code, o.name AS office_name, {picked} "
            "FROM offices o LEFT JOIN snapshot_office_day s ON s.office_code = o.code AND s.day = ("
            "  SELECT MAX(d.day) FROM snapshot_office_day d WHERE d.office_code = o.code AND d.day <= :as_of) "
            f"WHERE {office_filter('o.code', office)} ORDER BY o.code",
            {"as_of": as_of, "office": office},
        )
    frame = _as_counts(frame, list(levels.values()))
    return _province_total(frame) if by == "province" else frame


def kpi(
    conn: Connection,
    as_of: dt.date,
    by: str = "office",
    office: str | None = None,
    viewer: Viewer | None = None,
) -> pd.DataFrame:
    """The headline table: office_code, active_customers, cashless_customers, cashless_rate, ..."""
    counts = customer_counts(conn, as_of, by, office, viewer)
    counts["cashless_rate"] = cashless_rate(
        counts["cashless_customers"], counts["active_customers"]
    ).to_numpy()
    contract = ["office_code", "active_customers", "cashless_customers", "cashless_rate"]
    return counts[contract + [c for c in counts.columns if c not in contract]]


def value_rate(
    conn: Connection,
    start: dt.date,
    end: dt.date,
    by: str = "office",
    office: str | None = None,
    viewer: Viewer | None = None,
) -> pd.DataFrame:
    """Cashless share of the VND paid with paid_at in [start, end], per office/commune/province."""
    _check_by(by)
    office = scope(viewer, office)
    table = "snapshot_commune_day" if by == "commune" else "snapshot_office_day"
    keys = "office_code, commune_id" if by == "commune" else "office_code"
    frame = fetch_frame(
        conn,
        f"SELECT {keys}, SUM(amount) AS amount, SUM(cashless_amount) AS cashless_amount, "
        f"SUM(payments) AS payments, SUM(cashless_payments) AS cashless_payments FROM {table} "
        f"WHERE day >= :start AND day <= :end AND {office_filter('office_code', office)} "
        f"GROUP BY {keys} ORDER BY {keys}",
        {"start": start, "end": end, "office": office},
    )
    frame = _as_counts(frame, ["amount", "cashless_amount", "payments", "cashless_payments"])
    if by == "province":
        frame = _province_total(frame)
    frame["value_rate"] = cashless_rate(frame["cashless_amount"], frame["amount"]).to_numpy()
    return frame


def movements(
    conn: Connection,
    start: dt.date,
    end: dt.date,
    by: str = "office",
    office: str | None = None,
    viewer: Viewer | None = None,
) -> pd.DataFrame:
    """Converted and slipped customers between the end of `start` and the end of `end` (DESIGN §4).

    Slipped: cashless at start, active and not cashless at end. Converted: active and not cashless
    at start, cashless at end.
    """
    frame = movement_series(conn, [start, end], by, office, viewer)
    return frame.drop(columns=["start", "end"]).reset_index(drop=True)


def movement_series(
    conn: Connection,
    days: list[dt.date],
    by: str = "office",
    office: str | None = None,
    viewer: Viewer | None = None,
) -> pd.DataFrame:
    """`movements` between each pair of consecutive `days`: start, end, office_code (and
    commune_id), converted, slipped.

    A week (7 days) or a month so far (from the end of the month before) is a snapshot lookup
    (warehouse.movements); any other range is computed exactly from the status changes.
    """
    _check_by(by)
    office = scope(viewer, office)
    days = sorted(set(days))
    pairs = list(zip(days, days[1:]))
    group = ["office_code", "commune_id"] if by == "commune" else ["office_code"]
    columns = ["start", "end", *group, "converted", "slipped"]
    if not pairs:
        return pd.DataFrame(columns=columns)
    found = _exact_movements(conn, [p for p in pairs if stored_window(*p) is None], by, office)
    for window in ("week", "month"):
        ends = {end: start for start, end in pairs if stored_window(start, end) == window}
        if ends:
            found.update(_stored_movements(conn, ends, window, by, office))
    frames = [found[(start, end)].assign(start=start, end=end) for start, end in pairs]
    return pd.concat(frames, ignore_index=True)[columns]


def _stored_movements(
    conn: Connection, ends: dict[dt.date, dt.date], window: str, by: str, office: str | None
) -> dict[tuple[dt.date, dt.date], pd.DataFrame]:
    """Movements over the `window` ranges ending on `ends` (end -> start), read from the snapshots:
    one read for every range by office or province, one lookup per range by commune."""
    levels = {f"converted_{window}": "converted", f"slipped_{window}": "slipped"}
    if by == "commune":
        return {(start, end): snapshot_levels(conn, end, levels, by, office) for end, start in ends.items()}
    history = level_history(conn, list(ends), levels, office)
    found = {}
    for end, rows in history.groupby("day", sort=False):
        rows = rows.drop(columns="day").reset_index(drop=True)
        found[(ends[end], end)] = _province_total(rows) if by == "province" else rows
    return found


def stored_window(start: dt.date, end: dt.date) -> str | None:
    """'week' or 'month' when the snapshots hold the movements of (start, end], else None."""
    if (end - start).days == WEEK:
        return "week"
    if start == end.replace(day=1) - dt.timedelta(days=1):
        return "month"
    return None


def _exact_movements(
    conn: Connection, pairs: list[tuple[dt.date, dt.date]], by: str, office: str | None
) -> dict[tuple[dt.date, dt.date], pd.DataFrame]:
    """Movements over any ranges, per customer from every status change up to the last day (slow
    on big data: only for ranges the snapshots do not hold)."""
    if not pairs:
        return {}
    people = fetch_frame(
        conn,
        "SELECT customer_key, office_code, commune_id, contract_start, contract_end FROM customers "
        f"WHERE {office_filter('office_code', office)} ORDER BY customer_key",
        {"office": office},
    )
    changes = fetch_frame(
        conn,
        "SELECT s.customer_key, s.day, CASE WHEN s.cashless THEN 1 ELSE 0 END AS cashless "
        "FROM customer_status_changes s "
        + ("" if office is None else "JOIN customers c ON c.customer_key = s.customer_key ")
        + f"WHERE s.day <= :last AND {office_filter('c.office_code', office)}",
        {"last": max(end for _, end in pairs), "office": office},
    )
    keys = people["customer_key"].to_numpy(dtype=np.int64)
    start_day = to_epoch_days(people["contract_start"])
    end_day = to_epoch_days(people["contract_end"])
    changes = pd.DataFrame(
        {
            "customer_key": changes["customer_key"].to_numpy(dtype=np.int64),
            "day": to_epoch_days(changes["day"]),
            "cashless": changes["cashless"].to_numpy(dtype=np.int64),
        }
    )

    def state(day: dt.date) -> tuple[np.ndarray, np.ndarray]:
        cashless = status_on(changes, epoch(day)).reindex(keys).fillna(0).to_numpy() == 1
        return active_on(start_day, end_day, epoch(day)), cashless

    group = ["office_code", "commune_id"] if by == "commune" else ["office_code"]
    found = {}
    for first, last in pairs:
        before, after = state(first), state(last)
        both_active = before[0] & after[0]
        moved = people[group].assign(
            converted=(both_active & ~before[1] & after[1]).astype(np.int64),
            slipped=(both_active & before[1] & ~after[1]).astype(np.int64),
        )
        sums = moved.groupby(group, sort=True)[["converted", "slipped"]].sum().reset_index()
        found[(first, last)] = _province_total(sums) if by == "province" else sums
    return found


def rate_history(
    conn: Connection,
    days: list[dt.date],
    by: str = "office",
    office: str | None = None,
    viewer: Viewer | None = None,
) -> pd.DataFrame:
    """`kpi` as of each of `days` (e.g. month ends) in one read: day, office_code, counts and rate.

    by: office or province.
    """
    if by not in ("office", "province"):
        raise ValueError("rate_history is by office or province")
    levels = {"active": "active_customers", "cashless": "cashless_customers"}
    frame = level_history(conn, days, levels, scope(viewer, office))
    if by == "province":
        return province_history(frame)
    frame["cashless_rate"] = cashless_rate(frame["cashless_customers"], frame["active_customers"]).to_numpy()
    return frame


def level_history(
    conn: Connection, days: list[dt.date], levels: dict[str, str], office: str | None
) -> pd.DataFrame:
    """Office snapshot levels (renamed as `levels` says) at the end of each of `days`: office_code,
    day, levels; 0 before an office's first row.

    Reads only the rows from the last one on or before the first day asked (offices have a row for
    nearly every day over decades of contract starts: 70 k rows at 10x, of which a year is 2.5 k).
    """
    days = sorted(set(days))
    rows = fetch_frame(  # per office: its rows from its last one on or before `first` (index seeks)
        conn,
        f"SELECT s.office_code, s.day, {', '.join(f's.{c} AS {n}' for c, n in levels.items())} "
        "FROM offices o CROSS JOIN snapshot_office_day s "  # CROSS JOIN: SQLite keeps offices outer
        "WHERE s.office_code = o.code AND s.day <= :last AND s.day >= COALESCE(("
        "  SELECT MAX(x.day) FROM snapshot_office_day x WHERE x.office_code = o.code AND x.day <= :first"
        f"), :first) AND {office_filter('o.code', office)}",
        {"first": days[0], "last": days[-1], "office": office},
    )
    codes = fetch_frame(
        conn,
        f"SELECT code AS office_code FROM offices WHERE {office_filter('code', office)} ORDER BY code",
        {"office": office},
    )["office_code"]
    grid = pd.MultiIndex.from_product([codes, days], names=["office_code", "day"]).to_frame(index=False)
    grid["day"] = pd.to_datetime(grid["day"]).astype("datetime64[s]")
    rows["day"] = pd.to_datetime(rows["day"]).astype("datetime64[s]")
    frame = pd.merge_asof(
        grid.sort_values("day"), rows.sort_values("day"), on="day", by="office_code", direction="backward"
    )
    frame = _as_counts(frame, list(levels.values()))
    frame["day"] = frame["day"].dt.date
    return frame.sort_values(["office_code", "day"]).reset_index(drop=True)


def province_history(history: pd.DataFrame) -> pd.DataFrame:
    """The province rows of a `rate_history` by office (of every office): counts summed per day."""
    frame = history.groupby("day", as_index=False)[["active_customers", "cashless_customers"]].sum()
    frame.insert(0, "office_code", PROVINCE)
    frame["cashless_rate"] = cashless_rate(frame["cashless_customers"], frame["active_customers"]).to_numpy()
    return frame.sort_values(["office_code", "day"]).reset_index(drop=True)


def kpi_changes(
    conn: Connection,
    as_of: dt.date,
    by: str = "office",
    office: str | None = None,
    viewer: Viewer | None = None,
) -> pd.DataFrame:
    """`kpi` on `as_of` with the change in cashless customers and rate since a week and a month before."""
    now = kpi(conn, as_of, by, office, viewer)
    keys = ["office_code", "commune_id"] if by == "commune" else ["office_code"]
    for label, day in (("week", week_before(as_of)), ("month", month_before(as_of))):
        then = now[keys].merge(kpi(conn, day, by, office, viewer), on=keys, how="left")
        now[f"cashless_change_{label}"] = now["cashless_customers"].to_numpy() - then[
            "cashless_customers"
        ].fillna(0).to_numpy(dtype="int64")
        now[f"rate_change_{label}"] = (
            now["cashless_rate"].to_numpy() - then["cashless_rate"].fillna(0).to_numpy()
        )
    return now


def week_before(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=7)


def month_before(day: dt.date) -> dt.date:
    """The same day a month earlier (the month's last day when it has no such day)."""
    return (pd.Timestamp(day) - pd.DateOffset(months=1)).date()


def month_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    """Last day of every month from `first`'s to `last`'s, with `last` itself when mid-month."""
    ends = [d.date() for d in pd.date_range(first, last, freq="ME")]
    return ends if ends and ends[-1] == last else [*ends, last]


def data_period(conn: Connection) -> tuple[dt.date | None, dt.date | None]:
    """First and last day present in the snapshots (the default as-of date is the last)."""
    first, last = conn.execute(
        text("SELECT MIN(day), MAX(day) FROM snapshot_office_day WHERE payments > 0")
    ).one()
    return _to_date(first), _to_date(last)


def _to_date(value) -> dt.date | None:
    if value is None:
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _as_counts(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    for column in columns:
        frame[column] = pd.to_numeric(frame[column]).fillna(0).astype("int64")
    return frame


def _province_total(frame: pd.DataFrame) -> pd.DataFrame:
    numbers = frame.select_dtypes("number").drop(columns=["commune_id"], errors="ignore")
    total = numbers.sum().to_frame().T.astype("int64")
    total.insert(0, "office_code", PROVINCE)
    return total


def _check_by(by: str) -> None:
    if by not in BY_CHOICES:
        raise ValueError(f"by must be one of {', '.join(BY_CHOICES)}, not '{by}'")

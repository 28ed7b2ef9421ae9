"""Targets (DESIGN §5): cashless-rate goals per office or province for a year, quarter or month.

Stored with who set them and when (history kept, latest wins). A year target cascades to quarters
and months as a straight line from the last actual before the year to the year target, through any
explicit quarter or month target on the way; explicit values always win and are marked.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, insert, select

from cashless.errors import UserFacingError
from warehouse import access, metrics
from warehouse.access import Viewer
from warehouse.schema import offices, targets

PERIOD_PATTERNS = {
    "year": re.compile(r"^(\d{4})$"),
    "quarter": re.compile(r"^(\d{4})-Q([1-4])$"),
    "month": re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"),
}
# Projection status rule, shown on the page: the rate projected at period end from the trend of
# the last PACE_WINDOW_DAYS days, compared with the target.
PACE_WINDOW_DAYS = 28
AT_RISK_MARGIN = 0.02


class TargetError(UserFacingError, ValueError):
    """A target that cannot be stored: unknown office, bad period or rate."""


@dataclass(frozen=True)
class Period:
    """A year, quarter or month, with its last day."""

    kind: str
    label: str
    start: dt.date
    end: dt.date

    @classmethod
    def parse(cls, kind: str, label: str) -> Period:
        pattern = PERIOD_PATTERNS.get(kind)
        match = pattern.match(label) if pattern else None
        if not match:
            raise TargetError(f"not a {kind} period: '{label}' (use 2025, 2025-Q1 or 2025-03)")
        year = int(match.group(1))
        if kind == "year":
            first, last = 1, 12
        elif kind == "quarter":
            first = 3 * int(match.group(2)) - 2
            last = first + 2
        else:
            first = last = int(match.group(2))
        end = (pd.Timestamp(year=year, month=last, day=1) + pd.offsets.MonthEnd(0)).date()
        return cls(kind, label, dt.date(year, first, 1), end)


def year_periods(year: int) -> list[Period]:
    """The year, its four quarters and twelve months."""
    return (
        [Period.parse("year", str(year))]
        + [Period.parse("quarter", f"{year}-Q{q}") for q in range(1, 5)]
        + [Period.parse("month", f"{year}-{m:02d}") for m in range(1, 13)]
    )


def set_target(conn: Connection, office_code: str, kind: str, label: str, rate: float, set_by: str) -> None:
    """Record a target (history is kept; the latest for an office and period wins)."""
    Period.parse(kind, label)
    if not 0 <= rate <= 1:
        raise TargetError(f"target rate must be a fraction between 0 and 1, not {rate}")
    known = set(conn.scalars(select(offices.c.code))) | {metrics.PROVINCE}
    if office_code not in known:
        raise TargetError(f"unknown office code '{office_code}'")
    conn.execute(
        insert(targets).values(
            office_code=office_code,
            period_type=kind,
            period=label,
            target_rate=float(rate),
            set_by=set_by,
            set_at=dt.datetime.now(),
        )
    )


def explicit_targets(conn: Connection, year: int | None = None) -> pd.DataFrame:
    """The latest explicit target per office and period: office_code, period_type, period, rate, set_by, set_at."""
    rows = pd.DataFrame(
        conn.execute(select(targets).order_by(targets.c.set_at, targets.c.id)).mappings().all(),
        columns=[c.name for c in targets.columns],
    )
    if year is not None:
        rows = rows[rows["period"].str.startswith(str(year))]
    latest = rows.drop_duplicates(["office_code", "period_type", "period"], keep="last")
    return latest.drop(columns=["id"]).reset_index(drop=True)


def cascade(explicit: pd.DataFrame, start_rate: float, year: int) -> pd.DataFrame:
    """Targets of one office for the year's periods: explicit ones, and the rest on a straight line.

    The line runs from `start_rate` (the actual rate at the end of the previous year) through each
    explicit target, ordered by period end, to the year target. Returns period_type, period, end,
    target_rate, explicit (bool); periods after the last anchor with no year target get no target.
    """
    periods = year_periods(year)
    given = {(row.period_type, row.period): row.target_rate for row in explicit.itertuples()}
    anchors = [(dt.date(year - 1, 12, 31), start_rate)]
    anchors += sorted((p.end, given[(p.kind, p.label)]) for p in periods if (p.kind, p.label) in given)
    records = []
    for period in periods:
        key = (period.kind, period.label)
        if key in given:
            rate, is_explicit = given[key], True
        else:
            rate, is_explicit = _on_line(anchors, period.end), False
        records.append(
            {
                "period_type": period.kind,
                "period": period.label,
                "start": period.start,
                "end": period.end,
                "target_rate": rate,
                "explicit": is_explicit,
            }
        )
    return pd.DataFrame(records)


def _on_line(anchors: list[tuple[dt.date, float]], day: dt.date) -> float | None:
    """Linear interpolation between the anchors around `day` (None past the last one)."""
    ordered = sorted(anchors)
    for (day0, rate0), (day1, rate1) in zip(ordered, ordered[1:]):
        if day0 <= day <= day1:
            span = (day1 - day0).days
            return rate1 if span == 0 else rate0 + (rate1 - rate0) * (day - day0).days / span
    return None


def customers_needed(target_rate: float, active: int, cashless: int) -> int:
    """ceil(target × active) − cashless, never below 0 (DESIGN §5)."""
    return max(0, math.ceil(round(target_rate * active, 9)) - cashless)


def weekly_pace(needed: int, as_of: dt.date, period_end: dt.date) -> float:
    """Customers to convert per remaining week; all of them at once when the period is over."""
    remaining_days = (period_end - as_of).days
    if remaining_days <= 0:
        return float(needed)
    return needed / max(remaining_days / 7, 1)


def projected_rate(
    rate_now: float, rate_before: float, window_days: int, as_of: dt.date, period_end: dt.date
) -> float:
    """The rate at period end if the last window's daily change goes on (clipped to 0..1)."""
    per_day = (rate_now - rate_before) / window_days
    return min(1.0, max(0.0, rate_now + per_day * max((period_end - as_of).days, 0)))


def status(projected: float, target: float) -> str:
    """on track: projected ≥ target; at risk: within AT_RISK_MARGIN below it; off track: further below."""
    if projected >= target:
        return "on track"
    if projected >= target - AT_RISK_MARGIN:
        return "at risk"
    return "off track"


def target_status(
    conn: Connection,
    as_of: dt.date,
    year: int | None = None,
    office: str | None = None,
    viewer: Viewer | None = None,
) -> pd.DataFrame:
    """Per office (and the province) and period of the year: target, actual, gap, pace, projection, status.

    Actual is the rate at period end for past periods, as of `as_of` for current and future ones.
    A viewer limited to one office gets that office only (no province row).
    """
    year = year or as_of.year
    office = metrics.scope(viewer, office)
    explicit = explicit_targets(conn, year)
    now = metrics.kpi(conn, as_of, by="office", office=office)
    if office is None:
        now = pd.concat([metrics.kpi(conn, as_of, by="province"), now], ignore_index=True)
    pace_from, year_start = as_of - dt.timedelta(days=PACE_WINDOW_DAYS), dt.date(year - 1, 12, 31)
    past_ends = [p.end for p in year_periods(year) if p.end < as_of]
    history = _history(conn, [pace_from, year_start, *past_ends], office)
    records = []
    for row in now.itertuples():
        plan = cascade(
            explicit[explicit["office_code"] == row.office_code],
            history.get((row.office_code, year_start), (0, 0, 0.0))[2],
            year,
        )
        for period in plan.itertuples():
            record = {
                "office_code": row.office_code,
                "period_type": period.period_type,
                "period": period.period,
                "period_start": period.start,
                "period_end": period.end,
                "target_rate": period.target_rate,
                "explicit": period.explicit,
            }
            if period.end < as_of:
                active, cashless, _ = history[(row.office_code, period.end)]
            else:
                active, cashless = int(row.active_customers), int(row.cashless_customers)
            record.update(
                active_customers=active,
                cashless_customers=cashless,
                actual_rate=metrics.cashless_rate(cashless, active),
            )
            if period.target_rate is None or pd.isna(period.target_rate):
                record.update(customers_needed=None, weekly_pace=None, projected_rate=None, status=None)
            else:
                needed = customers_needed(period.target_rate, active, cashless)
                projected = (
                    record["actual_rate"]
                    if period.end < as_of
                    else projected_rate(
                        row.cashless_rate,
                        history.get((row.office_code, pace_from), (0, 0, row.cashless_rate))[2],
                        PACE_WINDOW_DAYS,
                        as_of,
                        period.end,
                    )
                )
                record.update(
                    customers_needed=needed,
                    weekly_pace=weekly_pace(needed, as_of, period.end),
                    projected_rate=projected,
                    status=status(projected, period.target_rate),
                )
            records.append(record)
    frame = pd.DataFrame(records)
    frame["customers_needed"] = frame["customers_needed"].astype("Int64")
    return frame


def planned_targets(
    conn: Connection, years: list[int], office: str | None = None, viewer: Viewer | None = None
) -> pd.DataFrame:
    """The cascaded plan of each office (and the province) for `years`, for the target line on charts.

    Columns: office_code, period_type, period, start, end, target_rate, explicit.
    """
    office = metrics.scope(viewer, office)
    history = _history(conn, [dt.date(year - 1, 12, 31) for year in years], office)
    codes = sorted({code for code, _ in history}, key=lambda code: (code != metrics.PROVINCE, code))
    frames = []
    for year in sorted(set(years)):
        explicit = explicit_targets(conn, year)
        for code in codes:
            mine = explicit[explicit["office_code"] == code]
            if mine.empty:
                continue  # no target for this office this year: nothing to cascade
            start = history.get((code, dt.date(year - 1, 12, 31)), (0, 0, 0.0))[2]
            frames.append(cascade(mine, start, year).assign(office_code=code))
    columns = ["office_code", "period_type", "period", "start", "end", "target_rate", "explicit"]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns].dropna(subset=["target_rate"])


def edit_target(
    conn: Connection, viewer: Viewer, office_code: str, kind: str, label: str, rate: float
) -> None:
    """Set a target on behalf of `viewer` (role and office permitting), recorded in the audit log."""
    viewer.require("edit_targets")
    access.office_scope(viewer, office_code)
    set_target(conn, office_code, kind, label, rate, viewer.username)
    access.record(conn, viewer, "target_set", office_code, period_type=kind, period=label, target_rate=rate)


def target_history(conn: Connection, viewer: Viewer, year: int | None = None) -> pd.DataFrame:
    """Every target ever set that the viewer may see, newest first: who set which rate when."""
    scope = access.office_scope(viewer)
    query = select(targets).order_by(targets.c.set_at.desc(), targets.c.id.desc())
    if scope is not None:
        query = query.where(targets.c.office_code == scope)
    rows = pd.DataFrame(conn.execute(query).all(), columns=[c.name for c in targets.columns])
    if year is not None:
        rows = rows[rows["period"].str.startswith(str(year))]
    return rows.drop(columns=["id"]).reset_index(drop=True)


def _history(conn: Connection, days: list[dt.date], office: str | None) -> dict:
    """(office_code, day) -> (active, cashless, rate) on each of `days`, offices and the province
    (when not limited to one office), from one read of the snapshots (metrics.rate_history)."""
    history = metrics.rate_history(conn, days, "office", office)
    if office is None:
        history = pd.concat([metrics.province_history(history), history], ignore_index=True)
    return {
        (row.office_code, row.day): (
            int(row.active_customers),
            int(row.cashless_customers),
            row.cashless_rate,
        )
        for row in history.itertuples()
    }


TARGET_COLUMNS = ["office_code", "period_type", "period", "target_rate"]


def parse_rate(text) -> float:
    """0.8, '0,8', '80%' or '80,5 %' -> a fraction; raises TargetError otherwise."""
    value = str(text).strip().replace(" ", "")
    percent = value.endswith("%")
    try:
        number = float(value.rstrip("%").replace(",", "."))
    except ValueError:
        raise TargetError(f"not a rate: '{text}'") from None
    return number / 100 if percent else number


def read_targets_csv(source) -> pd.DataFrame:
    """A targets CSV (path or file object) as text: UTF-8 with or without BOM, comma or semicolon."""
    try:
        return pd.read_csv(
            source, dtype=str, keep_default_na=False, encoding="utf-8-sig", sep=None, engine="python"
        )
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise TargetError(f"cannot read the targets file: {str(error).splitlines()[0]}") from None


def import_targets(conn: Connection, table: pd.DataFrame, viewer: Viewer) -> int:
    """Store every row of a targets table (columns TARGET_COLUMNS) or none: errors name the row.

    Each row is an edit by `viewer`: role and office scope apply, and each is audited."""
    missing = [c for c in TARGET_COLUMNS if c not in table.columns]
    if missing:
        raise TargetError(f"missing column(s): {', '.join(missing)}")
    rows = []
    for number, row in enumerate(table[TARGET_COLUMNS].astype(str).itertuples(index=False), start=2):
        try:
            rows.append(
                (
                    row.office_code.strip(),
                    row.period_type.strip(),
                    row.period.strip(),
                    parse_rate(row.target_rate),
                )
            )
        except TargetError as error:
            raise TargetError(f"line {number}: {error}") from None
    with conn.begin_nested():
        for number, (office_code, kind, label, rate) in enumerate(rows, start=2):
            try:
                edit_target(conn, viewer, office_code, kind, label, rate)
            except (TargetError, access.AccessDenied) as error:
                raise TargetError(f"line {number}: {error}") from None
    return len(rows)


def export_targets(conn: Connection, viewer: Viewer | None = None) -> pd.DataFrame:
    """The explicit targets in force, in the import format plus who set them and when."""
    latest = explicit_targets(conn)
    scope = metrics.scope(viewer, None)
    if scope is not None:
        latest = latest[latest["office_code"] == scope]
    return (
        latest[TARGET_COLUMNS + ["set_by", "set_at"]].sort_values(TARGET_COLUMNS[:3]).reset_index(drop=True)
    )

"""Alerts: offices whose current month, quarter or year target is off track, and offices losing more
customers back to cash this week than they usually do. One function, used by the CLI and the overview.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from warehouse import metrics
from warehouse.access import Viewer
from warehouse.targets import target_status

COLUMNS = [
    "office_code",
    "alert",  # target_off_track | slip_backs
    "period_type",
    "period",
    "target_rate",
    "actual_rate",
    "projected_rate",
    "customers_needed",
    "slipped_week",
    "usual_limit",
]


@dataclass(frozen=True)
class SlipRule:
    """ "Usual" slip-backs of an office: the mean + `sds` standard deviations of its weekly slip-backs
    over the previous `weeks` weeks (7-day weeks ending on as-of − 7k). A week alerts when it is above
    that and at least `min_count` (one slip-back in a quiet office is not news)."""

    weeks: int = 12
    sds: float = 2.0
    min_count: int = 3
    min_history: int = 4  # fewer full weeks of data than this: no slip-back alerts yet


def alerts(
    conn: Connection,
    as_of: dt.date,
    viewer: Viewer | None = None,
    office: str | None = None,
    rule: SlipRule = SlipRule(),
    status: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The alerts as of `as_of` for the offices `viewer` may see, off-track targets first, by office.

    status: target_status of `as_of`'s year for the same viewer and office, when the caller has it.
    """
    if status is None:
        status = target_status(conn, as_of, office=office, viewer=viewer)
    frames = [_target_alerts(status, as_of), _slip_alerts(conn, as_of, viewer, office, rule)]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    frame = pd.concat(frames, ignore_index=True)[COLUMNS]
    frame["customers_needed"] = frame["customers_needed"].astype("Int64")
    return frame


def _target_alerts(status: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Current periods (as_of within them) of each office with a target and status off track."""
    current = (
        (status["office_code"] != metrics.PROVINCE)
        & (pd.to_datetime(status["period_start"]) <= pd.Timestamp(as_of))
        & (pd.to_datetime(status["period_end"]) >= pd.Timestamp(as_of))
        & (status["status"] == "off track")
    )
    order = {"month": 0, "quarter": 1, "year": 2}
    found = status[current].assign(alert="target_off_track", slipped_week=None, usual_limit=None)
    found = found.assign(_order=found["period_type"].map(order)).sort_values(["office_code", "_order"])
    return found.drop(columns="_order")


def weekly_slip_backs(
    conn: Connection, as_of: dt.date, weeks: int, viewer: Viewer | None = None, office: str | None = None
) -> pd.DataFrame:
    """Slip-backs per office in each of the `weeks` + 1 seven-day weeks ending on as_of (the last is this week).

    Rows: office_code; columns: the weeks' last days, oldest first. Weeks starting before the first
    day with data are left out.
    """
    first = metrics.data_period(conn)[0]
    ends = [as_of - dt.timedelta(days=7 * k) for k in range(weeks, -1, -1)]
    days = [ends[0] - dt.timedelta(days=7), *ends]
    series = metrics.movement_series(conn, days, by="office", office=office, viewer=viewer)
    if first is not None:
        series = series[pd.to_datetime(series["start"]) >= pd.Timestamp(first)]
    table = series.pivot_table(
        index="office_code", columns="end", values="slipped", aggfunc="sum", fill_value=0
    )
    return table.astype(np.int64)


def _slip_alerts(conn, as_of, viewer, office, rule: SlipRule) -> pd.DataFrame:
    table = weekly_slip_backs(conn, as_of, rule.weeks, viewer, office)
    if table.shape[1] < rule.min_history + 1 or pd.Timestamp(as_of) not in pd.to_datetime(table.columns):
        return pd.DataFrame(columns=COLUMNS)
    history, this_week = table.iloc[:, :-1], table.iloc[:, -1]
    limit = history.mean(axis=1) + rule.sds * history.std(axis=1, ddof=1).fillna(0.0)
    hit = (this_week > limit) & (this_week >= rule.min_count)
    if not hit.any():
        return pd.DataFrame(columns=COLUMNS)
    found = pd.DataFrame(
        {
            "office_code": this_week.index[hit],
            "alert": "slip_backs",
            "slipped_week": this_week[hit].to_numpy(),
            "usual_limit": limit[hit].to_numpy(),
        }
    )
    return found.merge(_nearest_gap(conn, as_of, viewer, office), on="office_code", how="left")


def _nearest_gap(conn, as_of, viewer, office) -> pd.DataFrame:
    """Per office, the customers still needed for the nearest current period with a target (month first)."""
    status = target_status(conn, as_of, office=office, viewer=viewer)
    current = status[
        (pd.to_datetime(status["period_start"]) <= pd.Timestamp(as_of))
        & (pd.to_datetime(status["period_end"]) >= pd.Timestamp(as_of))
        & status["target_rate"].notna()
    ]
    order = current["period_type"].map({"month": 0, "quarter": 1, "year": 2})
    nearest = current.assign(_order=order).sort_values("_order").drop_duplicates("office_code")
    return nearest[
        [
            "office_code",
            "period_type",
            "period",
            "target_rate",
            "actual_rate",
            "projected_rate",
            "customers_needed",
        ]
    ]

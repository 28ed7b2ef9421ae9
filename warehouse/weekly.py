"""The figures of the executive weekly review (issue: weekly review), for the page and the report.

Every number is read through the metric and target functions, so the review, the pages and the CLI
agree. The week is the seven days ending on `as_of`; "last week" is the day seven days before.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection

from warehouse import channels, metrics, targets
from warehouse.access import Viewer

TREND_WEEKS = 13
PERIOD_KINDS = ("month", "quarter", "year")


@dataclass(frozen=True)
class WeeklyReview:
    """What the weekly review shows; frames are per office plus the province row 'ALL' first."""

    as_of: dt.date
    week_start: dt.date  # the day before the week (last week's figures are as of this day)
    offices: pd.DataFrame  # kpi + changes + per period kind: target, needed, pace, status
    trend: pd.DataFrame  # rate_history on the last TREND_WEEKS week ends, offices and province
    plan: pd.DataFrame  # the month targets of the years shown, for the target line
    movers: pd.DataFrame  # per office: converted, slipped in the week, net
    communes: pd.DataFrame  # per commune: converted, slipped, net in the week, with names
    channel_shift: pd.DataFrame  # per category: payment share in the last 4 weeks vs the 4 before


def weekly_review(conn: Connection, as_of: dt.date, viewer: Viewer | None = None) -> WeeklyReview:
    """All the figures of the review as of `as_of` (inclusive), scoped to what `viewer` may see."""
    office = metrics.scope(viewer, None)
    week_start = metrics.week_before(as_of)
    by_office = metrics.kpi_changes(conn, as_of, "office", office, viewer)
    frame = by_office
    if office is None:
        frame = pd.concat([metrics.kpi_changes(conn, as_of, "province"), by_office], ignore_index=True)
        frame.loc[0, "office_name"] = None
    frame = frame.merge(_period_targets(conn, as_of, office, viewer), on="office_code", how="left")

    week_ends = [as_of - dt.timedelta(weeks=n) for n in range(TREND_WEEKS - 1, -1, -1)]
    trend = metrics.rate_history(conn, week_ends, "office", office, viewer)
    if office is None:  # every office read: the province is their sum, no second read
        trend = pd.concat([metrics.province_history(trend), trend], ignore_index=True)
    years = sorted({week_ends[0].year, as_of.year})
    plan = targets.planned_targets(conn, years, office, viewer)
    plan = plan[plan["period_type"] == "month"].reset_index(drop=True)

    communes = metrics.movements(conn, week_start, as_of, "commune", office, viewer)
    communes["net"] = communes["converted"] - communes["slipped"]
    # every customer has a commune: the offices' movements are their communes' summed (one read, not two)
    movers = communes.groupby("office_code", as_index=False)[["converted", "slipped", "net"]].sum()
    names = metrics.kpi(conn, as_of, "commune", office, viewer)[["commune_id", "commune"]]
    communes = communes.merge(names, on="commune_id", how="left")
    return WeeklyReview(
        as_of=as_of,
        week_start=week_start,
        offices=frame,
        trend=trend,
        plan=plan,
        movers=movers,
        communes=communes,
        channel_shift=_channel_shift(conn, as_of, office, viewer),
    )


def _period_targets(
    conn: Connection, as_of: dt.date, office: str | None, viewer: Viewer | None
) -> pd.DataFrame:
    """Per office, for the month, quarter and year containing `as_of`: target, needed, pace, status."""
    status = targets.target_status(conn, as_of, as_of.year, office, viewer)
    current = status[(status["period_start"] <= as_of) & (status["period_end"] >= as_of)]
    wide = []
    for kind in PERIOD_KINDS:
        rows = current[current["period_type"] == kind].set_index("office_code")
        wide.append(
            rows[
                ["period", "target_rate", "customers_needed", "weekly_pace", "projected_rate", "status"]
            ].add_prefix(f"{kind}_")
        )
    return pd.concat(wide, axis=1).reset_index()


def _channel_shift(
    conn: Connection, as_of: dt.date, office: str | None, viewer: Viewer | None
) -> pd.DataFrame:
    """Share of payments per category in the last four weeks against the four weeks before them."""
    recent_start = as_of - dt.timedelta(days=27)
    before_start = recent_start - dt.timedelta(days=28)
    shares = []
    for label, start, end in (
        ("before", before_start, recent_start - dt.timedelta(days=1)),
        ("recent", recent_start, as_of),
    ):
        mix = channels.channel_mix(conn, start, end, office, viewer)
        totals = mix.groupby("category")["payments"].sum()
        shares.append(
            metrics.cashless_rate(totals, pd.Series(totals.sum(), index=totals.index)).rename(label)
        )
    frame = pd.concat(shares, axis=1).fillna(0.0)
    frame["change"] = frame["recent"] - frame["before"]
    return frame.reset_index().rename(columns={"index": "category"}).sort_values("change")

"""Outreach list members counted by list, group, outcome and status on a day: what list effects are
made of (models.outreach.list_effects).

Counting reads every member's status changes (0.3-0.6 s for the demo's 21 lists at 10x, on the
weekly review's first visit), so the counts at the last day with data are stored whenever they
change: after a snapshot refresh (loads, channel mappings), when a list is made and when outcomes
are recorded. Each stored count carries the snapshots' refresh time it was made under; a count from
before the last refresh is never read, and other days are counted live.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Connection, delete, text

from warehouse.access import office_filter
from warehouse.bulk import fetch_frame
from warehouse.metrics import data_period
from warehouse.schema import list_effect_counts
from warehouse.status import latest_status_sql

COLUMNS = [
    "list_id",
    "office_code",
    "created_at",
    "as_of",
    "is_control",
    "outcome",
    "households",
    "converted",
]
NO_OUTCOME = ""  # stored for members without an outcome (a key column cannot be NULL)


def count_members(
    conn: Connection, measured_on: dt.date, office: str | None = None, lists: list[int] | None = None
) -> pd.DataFrame:
    """COLUMNS: members per list, group and outcome, and how many were cashless at the end of
    `measured_on`; members whose contract ended by then are left out. Counted in SQL from the
    members' own status changes."""
    params = {"measured_on": measured_on, "office": office}
    return fetch_frame(conn, _count_sql(conn, office, lists), params)[COLUMNS]


def store_counts(conn: Connection, lists: list[int] | None = None) -> None:
    """Count `lists` (None: every list) at the last day with data and store the counts under the
    snapshots' current refresh time, replacing what was stored for them."""
    stored = delete(list_effect_counts)
    conn.execute(stored if lists is None else stored.where(list_effect_counts.c.list_id.in_(lists)))
    day = data_period(conn)[1]
    if day is None:
        return
    conn.execute(
        text(
            "INSERT INTO list_effect_counts (list_id, measured_on, is_control, outcome, households, "
            "converted, counted_at) SELECT list_id, :measured_on, is_control, "
            f"COALESCE(outcome, '{NO_OUTCOME}'), households, converted, "
            f"(SELECT refreshed_at FROM snapshot_state WHERE id = 1) FROM ({_count_sql(conn, None, lists)}) counted"
        ),
        {"measured_on": day, "office": None},
    )


def _count_sql(conn: Connection, office: str | None, lists: list[int] | None) -> str:
    chosen = "1 = 1" if lists is None else f"l.id IN ({', '.join(str(int(i)) for i in lists) or 'NULL'})"
    where = f"{office_filter('l.office_code', office)} AND {chosen}"
    listed = (
        "SELECT DISTINCT om.customer_key FROM outreach_members om JOIN outreach_lists l ON l.id = om.list_id "
        f"WHERE {where}"
    )
    return (
        f"WITH latest AS ({latest_status_sql(conn, '<= :measured_on', among=listed)}) "
        "SELECT l.id AS list_id, l.office_code, l.created_at, l.as_of, om.is_control, om.outcome, "
        "COUNT(*) AS households, SUM(COALESCE(st.cashless, 0)) AS converted FROM outreach_lists l "
        "JOIN outreach_members om ON om.list_id = l.id "
        "JOIN customers c ON c.customer_key = om.customer_key "
        "LEFT JOIN latest st ON st.customer_key = om.customer_key "
        f"WHERE (c.contract_end IS NULL OR c.contract_end > :measured_on) AND {where} "
        "GROUP BY l.id, l.office_code, l.created_at, l.as_of, om.is_control, om.outcome"
    )


def stored_counts(conn: Connection, measured_on: dt.date, office: str | None = None) -> pd.DataFrame | None:
    """COLUMNS as count_members gives them, from the stored counts; None unless every list in scope
    was counted on `measured_on` since the last snapshot refresh."""
    scope = {"office": office, "measured_on": measured_on}
    lists = fetch_frame(
        conn, f"SELECT id FROM outreach_lists l WHERE {office_filter('l.office_code', office)}", scope
    )
    counts = fetch_frame(
        conn,
        "SELECT k.list_id, l.office_code, l.created_at, l.as_of, k.is_control, k.outcome, k.households, "
        "k.converted FROM list_effect_counts k JOIN outreach_lists l ON l.id = k.list_id "
        "WHERE k.measured_on = :measured_on "
        "AND k.counted_at = (SELECT refreshed_at FROM snapshot_state WHERE id = 1) "
        f"AND {office_filter('l.office_code', office)}",
        scope,
    )
    if set(counts["list_id"]) != set(lists["id"]):
        return None
    return counts.assign(outcome=counts["outcome"].mask(counts["outcome"] == NO_OUTCOME))[COLUMNS]


def counts_are_current(conn: Connection) -> bool:
    """Whether every list has counts stored at the last day with data since the last refresh."""
    day = data_period(conn)[1]
    return day is None or stored_counts(conn, day) is not None

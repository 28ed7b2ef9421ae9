"""Cached access to the warehouse for the pages: the engine once, loaders with a short ttl.

Every loader takes the viewer as its first argument: st.cache_data is shared by all users, so the
viewer (and with it the office scope) must be part of each cache key. The warehouse functions apply
the scope; the pages only pass what the user picked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from cashless.settings import database_url
from models import outreach, runs
from models.export import read_returned_sheet
from warehouse import access, channels, metrics, quality, targets, weekly
from warehouse.access import Viewer
from warehouse.alerts import alerts as alerts_of
from warehouse.db import make_engine, writing
from warehouse.migrate import current_revision, head_revision
from warehouse.snapshots import dirty_from, refresh_snapshots
from warehouse.subscriptions import set_subscribed
from warehouse.subscriptions import subscriptions as subscriptions_of
from warehouse.weekly import WeeklyReview

TTL = 60


@st.cache_resource
def engine() -> Engine:
    return make_engine(database_url())


def schema_state() -> str:
    """'ok', 'no_schema' or 'db_unreachable'."""
    try:
        return "ok" if current_revision(engine()) == head_revision() else "no_schema"
    except Exception:  # any connection failure: the page explains, never a traceback
        return "db_unreachable"


def clear() -> None:
    """Forget cached figures after a write (targets, catalog), so every page shows the new state."""
    st.cache_data.clear()


# accounts ---------------------------------------------------------------------------------------


def has_users() -> bool:
    with engine().connect() as conn:
        return not access.list_users(conn).empty


@st.cache_data(ttl=TTL)
def offices(viewer: Viewer) -> pd.DataFrame:
    with engine().connect() as conn:
        return access.visible_offices(conn, viewer)


def office_names(viewer: Viewer) -> dict[str, str]:
    """Office code -> name, for the offices `viewer` may see."""
    visible = offices(viewer)
    return dict(zip(visible["code"], visible["name"]))


@st.cache_data(ttl=TTL)
def commune_names(viewer: Viewer, office: str | None) -> dict[int, str]:
    """Commune id -> name in `office` (or all the viewer may see), for the commune pickers."""
    with engine().connect() as conn:
        return access.commune_names(conn, viewer, office)


# figures ----------------------------------------------------------------------------------------


@st.cache_data(ttl=10)
def stale_from() -> dt.date | None:
    """Set while a load's rows are committed but not yet in the snapshots (or a load died there)."""
    with engine().connect() as conn:
        return dirty_from(conn)


@st.cache_data(ttl=TTL)
def data_period() -> tuple[dt.date | None, dt.date | None]:
    with engine().connect() as conn:
        return metrics.data_period(conn)


@st.cache_data(ttl=TTL)
def kpi(viewer: Viewer, as_of: dt.date, by: str, office: str | None) -> pd.DataFrame:
    with engine().connect() as conn:
        return metrics.kpi(conn, as_of, by=by, office=office, viewer=viewer)


@st.cache_data(ttl=TTL)
def kpi_changes(viewer: Viewer, as_of: dt.date, by: str, office: str | None) -> pd.DataFrame:
    with engine().connect() as conn:
        return metrics.kpi_changes(conn, as_of, by=by, office=office, viewer=viewer)


@st.cache_data(ttl=TTL)
def value_rate(viewer: Viewer, start: dt.date, end: dt.date, by: str, office: str | None) -> pd.DataFrame:
    with engine().connect() as conn:
        return metrics.value_rate(conn, start, end, by=by, office=office, viewer=viewer)


@st.cache_data(ttl=TTL)
def rate_history(viewer: Viewer, days: tuple[dt.date, ...], by: str, office: str | None) -> pd.DataFrame:
    with engine().connect() as conn:
        return metrics.rate_history(conn, list(days), by=by, office=office, viewer=viewer)


@st.cache_data(ttl=TTL)
def movement_series(viewer: Viewer, days: tuple[dt.date, ...], by: str, office: str | None) -> pd.DataFrame:
    with engine().connect() as conn:
        return metrics.movement_series(conn, list(days), by=by, office=office, viewer=viewer)


# targets ----------------------------------------------------------------------------------------


@st.cache_data(ttl=TTL)
def target_status(viewer: Viewer, as_of: dt.date, year: int, office: str | None) -> pd.DataFrame:
    with engine().connect() as conn:
        return targets.target_status(conn, as_of, year, office, viewer=viewer)


@st.cache_data(ttl=TTL)
def year_forecast(viewer: Viewer, as_of: dt.date, year: int) -> tuple:
    """Month-end actuals and their forecast to 31/12 of `year`, for every office the viewer sees: the
    warehouse's kept forecast, else made here and kept there for the next reader."""
    from models.forecast import forecast_to

    with engine().connect() as conn:
        return forecast_to(conn, as_of, dt.date(year, 12, 31), viewer=viewer, keep=engine())


@st.cache_data(ttl=TTL)
def forecast_outlook(
    viewer: Viewer, as_of: dt.date, year: int, office: str | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The fan chart's frame for `office` (or the province) and the outlook of every open target of `year`."""
    from models.forecast import fan_frame, target_outlook

    actuals, forecast = year_forecast(viewer, as_of, year)
    status = target_status(viewer, as_of, year, office)
    code = office or viewer.office_code or metrics.PROVINCE
    return fan_frame(actuals, forecast, code), target_outlook(status, forecast, as_of)


@st.cache_data(ttl=TTL)
def year_end_outlook(viewer: Viewer, as_of: dt.date) -> pd.DataFrame:
    """Per office: the forecast's 80% range on 31/12 and the year's target (the weekly review's sentences)."""
    from models.forecast import year_end_outlook as outlook

    forecast = year_forecast(viewer, as_of, as_of.year)[1]
    return outlook(forecast, target_status(viewer, as_of, as_of.year, None), as_of)


@st.cache_data(ttl=TTL)
def alerts(viewer: Viewer, as_of: dt.date, office: str | None) -> pd.DataFrame:
    """warehouse.alerts.alerts for the viewer's offices (the list `cashless alerts` prints), from the
    target status the pages read too."""
    status = target_status(viewer, as_of, as_of.year, office)
    with engine().connect() as conn:
        return alerts_of(conn, as_of, viewer=viewer, office=office, status=status)


@st.cache_data(ttl=TTL)
def planned_targets(viewer: Viewer, years: tuple[int, ...], office: str | None) -> pd.DataFrame:
    with engine().connect() as conn:
        return targets.planned_targets(conn, list(years), office, viewer=viewer)


@st.cache_data(ttl=TTL)
def explicit_targets(viewer: Viewer, year: int) -> pd.DataFrame:
    with engine().connect() as conn:
        frame = targets.export_targets(conn, viewer)
    return frame[frame["period"].str.startswith(str(year))].reset_index(drop=True)


@st.cache_data(ttl=TTL)
def target_history(viewer: Viewer, year: int) -> pd.DataFrame:
    with engine().connect() as conn:
        return targets.target_history(conn, viewer, year)


def save_targets(viewer: Viewer, edits: list[tuple[str, str, str, float]]) -> int:
    """Store (office_code, period_type, period, rate) edits in one transaction; returns how many."""
    with writing(engine()) as conn:
        for office_code, kind, label, rate in edits:
            targets.edit_target(conn, viewer, office_code, kind, label, rate)
    clear()
    return len(edits)


def import_targets(viewer: Viewer, table: pd.DataFrame) -> int:
    with writing(engine()) as conn:
        count = targets.import_targets(conn, table, viewer)
    clear()
    return count


# channels and data quality ----------------------------------------------------------------------


@st.cache_data(ttl=TTL)
def channel_mix(
    viewer: Viewer, start: dt.date, end: dt.date, office: str | None, by_office: bool = False
) -> pd.DataFrame:
    with engine().connect() as conn:
        return channels.channel_mix(conn, start, end, office, viewer=viewer, by_office=by_office)


@st.cache_data(ttl=TTL)
def unknown_channels(viewer: Viewer, office: str | None = None) -> pd.DataFrame:
    with engine().connect() as conn:
        return channels.unknown_channels(conn, viewer, office)


def map_channel(
    viewer: Viewer, raw_text: str, channel: str, category: str, is_cashless: bool
) -> dt.date | None:
    """Add the raw name to the catalog, then recompute the snapshots from its first use."""
    with writing(engine()) as conn:
        first = channels.map_channel(conn, viewer, raw_text, channel, category, is_cashless)
    refresh_snapshots(engine())
    clear()
    return first


@st.cache_data(ttl=TTL)
def load_history(viewer: Viewer) -> pd.DataFrame:
    with engine().connect() as conn:
        return quality.load_history(conn, viewer)


@st.cache_data(ttl=TTL)
def quarantined_rows(viewer: Viewer, run_id: int | None) -> pd.DataFrame:
    with engine().connect() as conn:
        return quality.quarantined_rows(conn, viewer, run_id)


@st.cache_data(ttl=TTL)
def quarantine_reasons(viewer: Viewer) -> pd.DataFrame:
    with engine().connect() as conn:
        return quality.quarantine_reasons(conn, viewer)


# weekly review ----------------------------------------------------------------------------------


@st.cache_data(ttl=TTL)
def weekly_review(viewer: Viewer, as_of: dt.date) -> WeeklyReview:
    with engine().connect() as conn:
        return weekly.weekly_review(conn, as_of, viewer)


# accounts and audit (admins) ----------------------------------------------------------------------


def users(viewer: Viewer) -> pd.DataFrame:
    viewer.require("manage_users")
    with engine().connect() as conn:
        return access.list_users(conn)


def add_user(
    viewer: Viewer, username: str, password: str, role: str, office: str | None, email: str | None
) -> None:
    with writing(engine()) as conn:
        access.add_user(conn, username, password, role, office, email, by=viewer)


def set_active(viewer: Viewer, username: str, active: bool) -> None:
    with writing(engine()) as conn:
        access.set_active(conn, username, active, by=viewer)


def subscriptions(viewer: Viewer) -> dict[str, bool]:
    viewer.require("manage_users")
    with engine().connect() as conn:
        return subscriptions_of(conn)


def save_subscriptions(viewer: Viewer, wanted: dict[str, bool]) -> None:
    """Subscribe or unsubscribe the accounts whose box changed (each change audited)."""
    with writing(engine()) as conn:
        current = subscriptions_of(conn)
        for username, subscribed in wanted.items():
            if current.get(username) != subscribed:
                set_subscribed(conn, username, subscribed, by=viewer)


def audit_entries(viewer: Viewer) -> pd.DataFrame:
    with engine().connect() as conn:
        return access.audit_entries(conn, viewer)


# model and outreach (models/) ---------------------------------------------------------------------


@st.cache_data(ttl=TTL)
def model_runs(viewer: Viewer) -> pd.DataFrame:
    with engine().connect() as conn:
        return runs.model_runs_table(conn)


@st.cache_data(ttl=TTL)
def model_run(viewer: Viewer, version: str | None) -> dict | None:
    """A trained model's row and backtest report (no household data: every role may read it)."""
    with engine().connect() as conn:
        return runs.model_run(conn, version)


@st.cache_data(ttl=TTL)
def latest_scores(viewer: Viewer) -> tuple[str, dt.date] | None:
    with engine().connect() as conn:
        return runs.latest_scores(conn)


@st.cache_data(ttl=TTL)
def latest_scored(viewer: Viewer, office: str | None) -> pd.DataFrame:
    """The newest scores (office, score, band; no personal data), read once for every figure of them."""
    with engine().connect() as conn:
        return runs.latest_scored(conn, viewer, office)


@st.cache_data(ttl=TTL)
def outreach_candidates(
    viewer: Viewer,
    office: str | None,
    communes: tuple[str, ...],
    customer_types: tuple[str, ...],
    bands: tuple[str, ...],
    reasons: tuple[str, ...],
    limit: int,
) -> pd.DataFrame:
    """Households to visit, with personal data: cached per viewer, so per office scope."""
    with engine().connect() as conn:
        return outreach.outreach_candidates(
            conn,
            viewer,
            office,
            communes=list(communes),
            customer_types=list(customer_types),
            bands=list(bands),
            reasons=list(reasons),
            limit=limit,
        )


@st.cache_data(ttl=TTL)
def list_effects(viewer: Viewer, office: str | None, measured_on: dt.date | None = None) -> pd.DataFrame:
    with engine().connect() as conn:
        return outreach.list_effects(conn, viewer, office, measured_on)


@st.cache_data(ttl=TTL)
def list_members(viewer: Viewer, list_id: int) -> pd.DataFrame:
    with engine().connect() as conn:
        return outreach.list_members(conn, viewer, list_id)


def create_list(viewer: Viewer, office: str, top: int, **filters) -> dict:
    with writing(engine()) as conn:
        made = outreach.create_list(conn, viewer, office, top, **filters)
    clear()
    return made


def make_plan(viewer: Viewer, capacity: pd.DataFrame, weeks: int, language: str) -> dict:
    """Make the plan's lists (stored, control held back) and its files; what the plan tab shows."""
    from models.plan import plan_bytes, plan_outreach, plan_summary

    with writing(engine()) as conn:
        plan, ranked_by = plan_outreach(conn, viewer, capacity, weeks, lang=language)
    clear()
    contacted = plan[~plan["is_control"]].groupby("list_id").size()
    return {
        "ranked_by": ranked_by,
        "summary": plan_summary(plan, capacity, weeks),
        "files": {fmt: plan_bytes(plan, fmt) for fmt in ("xlsx", "csv")},
        "list_ids": [int(i) for i in contacted.index],
        "rows": [int(n) for n in contacted],
    }


def record_plan_export(
    viewer: Viewer, list_ids: tuple[int, ...], fmt: str, file_name: str, rows: tuple[int, ...]
) -> None:
    """Each office's part of a downloaded plan in the audit log, as a list download is."""
    with writing(engine()) as conn:
        for list_id, count in zip(list_ids, rows):
            outreach.record_export(conn, viewer, list_id, fmt, file_name, count)


def list_download(
    viewer: Viewer, list_id: int, fmt: str, language: str, file_name: str
) -> Callable[[], bytes]:
    """What a download button calls when clicked: builds the list's file and records the export.

    Nothing is read or built on a rerun; each real download is one audit entry (who, when, office,
    rows). Not cached: the file holds personal data. Streamlit runs it outside the script, so the
    engine is taken now.
    """
    warehouse = engine()

    def build() -> bytes:
        with writing(warehouse) as conn:
            content, _ = outreach.export_list(conn, viewer, list_id, fmt, file_name, language)
        return content

    return build


def save_outcomes(viewer: Viewer, list_id: int, updates: pd.DataFrame) -> int:
    with writing(engine()) as conn:
        changed = outreach.record_outcomes(conn, viewer, list_id, updates)
    clear()
    return changed


def import_outcomes(viewer: Viewer, content: bytes, file_name: str) -> dict[int, int]:
    sheet = read_returned_sheet(content, file_name)
    with writing(engine()) as conn:
        done = outreach.import_outcomes(conn, viewer, sheet)
    clear()
    return done


@st.cache_data(ttl=TTL)
def quarantine_download(viewer: Viewer, run_id: int, language: str) -> bytes:
    """A run's quarantined rows as a CSV to fix and send again (admins: it holds personal data)."""
    from etl.quarantine import quarantine_download as download

    with engine().connect() as conn:
        return download(conn, viewer, run_id, language)


@st.cache_data(ttl=TTL)
def lookalike_communes(viewer: Viewer) -> pd.DataFrame:
    """Commune names of the viewer's offices that look alike and no alias maps yet."""
    from cashless.settings import COMMUNE_ALIASES_CSV
    from etl.communes import lookalike_communes as lookalikes
    from etl.communes import read_commune_aliases

    with engine().connect() as conn:
        found = lookalikes(conn, read_commune_aliases(COMMUNE_ALIASES_CSV)).rename(
            columns={"name": "commune"}
        )
    office = access.office_scope(viewer)
    return found if office is None else found[found["office_code"] == office].reset_index(drop=True)

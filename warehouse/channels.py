"""Payment channels: the mix over time, the raw names the catalog does not know, and mapping them.

The raw channel text is stored as written and the catalog is joined at query time (DESIGN §3), so
mapping a new name corrects history: the snapshots are marked stale from the first day it was used.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Connection, func, insert, select

from cashless.errors import UserFacingError
from cashless.text import fold_text
from warehouse import access
from warehouse.access import Viewer, office_filter
from warehouse.bulk import fetch_frame
from warehouse.days import month_sql
from warehouse.metrics import cashless_rate, scope
from warehouse.schema import channel_names, channels, snapshot_channel_day
from warehouse.snapshots import mark_dirty

CATEGORIES = (
    "bank",
    "auto_debit",
    "intermediary",
    "e_wallet",
    "post_office",
    "counter_cash",
    "collector_cash",
)
UNKNOWN = "unknown"


class CatalogError(UserFacingError, ValueError):
    """A catalog entry that cannot be added as asked."""


def channel_mix(
    conn: Connection,
    start: dt.date,
    end: dt.date,
    office: str | None = None,
    viewer: Viewer | None = None,
    by_office: bool = False,
) -> pd.DataFrame:
    """Payments and VND per month, category and channel with paid_at in [start, end].

    Columns: month (first day), [office_code,] category, channel, is_cashless, payments, amount.
    Raw names not in the catalog appear as category 'unknown', channel = the raw text, not cashless.
    The snapshot rows are summed per month and raw name in SQL (a few hundred rows come back, not a
    row per day: 80 k days × names × offices in a year); the catalog is joined to those.
    """
    office = scope(viewer, office)
    group = "s.office_code, " if by_office else ""
    month = month_sql(conn, "s.day")
    sums = fetch_frame(
        conn,
        f"SELECT {month} AS month, {group}s.channel_name_id, SUM(s.payments) AS payments, "
        f"SUM(s.amount) AS amount FROM snapshot_channel_day s "
        f"WHERE s.day >= :start AND s.day <= :end AND {office_filter('s.office_code', office)} "
        f"GROUP BY {month}, {group}s.channel_name_id",
        {"start": start, "end": end, "office": office},
    )
    columns = ["month", *(["office_code"] if by_office else []), "category", "channel", "is_cashless"]
    columns += ["payments", "amount"]
    if sums.empty:
        return pd.DataFrame(columns=columns)
    named = sums.merge(_catalog_of_names(conn), on="channel_name_id", how="left")
    named["month"] = pd.to_datetime(named["month"], format="%Y-%m").dt.date
    named[["payments", "amount"]] = named[["payments", "amount"]].apply(pd.to_numeric).astype("int64")
    monthly = named.groupby(columns[:-2], as_index=False)[["payments", "amount"]].sum()
    return monthly.sort_values(columns[:-3]).reset_index(drop=True)


def _catalog_of_names(conn: Connection) -> pd.DataFrame:
    """Each raw channel name's catalog entry: channel_name_id, category, channel, is_cashless
    ('unknown', the raw text and False for names the catalog does not hold)."""
    names = fetch_frame(
        conn,
        f"SELECT n.id AS channel_name_id, COALESCE(c.category, '{UNKNOWN}') AS category, "
        "COALESCE(c.channel, n.raw_text) AS channel, CASE WHEN c.is_cashless THEN 1 ELSE 0 END AS is_cashless "
        "FROM channel_names n LEFT JOIN channels c ON c.key = n.key",
    )
    return names.astype({"channel_name_id": "int64", "is_cashless": bool})


def category_shares(mix: pd.DataFrame) -> pd.DataFrame:
    """Per month (and office, if `mix` has it) and category: payments, amount, shares of the totals."""
    keys = ["month", "office_code"] if "office_code" in mix.columns else ["month"]
    by_category = mix.groupby([*keys, "category"], as_index=False)[["payments", "amount"]].sum()
    totals = by_category.groupby(keys)[["payments", "amount"]].transform("sum")
    by_category["payment_share"] = cashless_rate(by_category["payments"], totals["payments"]).to_numpy()
    by_category["amount_share"] = cashless_rate(by_category["amount"], totals["amount"]).to_numpy()
    return by_category


def channel_shares(mix: pd.DataFrame) -> pd.DataFrame:
    """`mix` with each row's payment_share and amount_share of its month's (and office's) totals."""
    keys = ["month", "office_code"] if "office_code" in mix.columns else ["month"]
    totals = mix.groupby(keys)[["payments", "amount"]].transform("sum")
    return mix.assign(
        payment_share=cashless_rate(mix["payments"], totals["payments"]).to_numpy(),
        amount_share=cashless_rate(mix["amount"], totals["amount"]).to_numpy(),
    )


def unknown_channels(conn: Connection, viewer: Viewer, office: str | None = None) -> pd.DataFrame:
    """Raw channel names with no catalog entry: raw_text, payments, amount, first_day, last_day.

    Province totals (names never used included) for admins only; anyone else gets the names used in
    the office asked for or their own, or, seeing every office, one row per office (office_code first).
    """
    office = scope(viewer, office)
    everything = office is None and viewer.can("edit_catalog")
    by_office = office is None and not everything
    group = "s.office_code, " if by_office else ""
    unknown = "SELECT n.id FROM channel_names n LEFT JOIN channels c ON c.key = n.key WHERE c.key IS NULL"
    used = fetch_frame(  # one pass over the snapshot rows of the unknown names
        conn,
        f"SELECT {group}s.channel_name_id, SUM(s.payments) AS payments, SUM(s.amount) AS amount, "
        "MIN(s.day) AS first_day, MAX(s.day) AS last_day FROM snapshot_channel_day s "
        f"WHERE s.channel_name_id IN ({unknown}) AND {office_filter('s.office_code', office)} "
        f"GROUP BY {group}s.channel_name_id",
        {"office": office},
    )
    names = fetch_frame(conn, unknown.replace("SELECT n.id", "SELECT n.id AS channel_name_id, n.raw_text"))
    used = used.astype({"channel_name_id": "int64"})
    names = names.astype({"channel_name_id": "int64"})
    frame = names.merge(used, on="channel_name_id", how="left" if everything else "inner")
    for column in ("payments", "amount"):
        frame[column] = pd.to_numeric(frame[column]).fillna(0).astype("int64")
    for column in ("first_day", "last_day"):
        frame[column] = pd.to_datetime(frame[column]).dt.date
    order = (["office_code"] if by_office else []) + ["payments", "raw_text"]
    ascending = ([True] if by_office else []) + [False, True]
    columns = (["office_code"] if by_office else []) + [
        "raw_text",
        "payments",
        "amount",
        "first_day",
        "last_day",
    ]
    return frame.sort_values(order, ascending=ascending).reset_index(drop=True)[columns]


def catalog(conn: Connection) -> pd.DataFrame:
    """The channel catalog: raw_name, channel, category, is_cashless."""
    query = select(channels.c.raw_name, channels.c.channel, channels.c.category, channels.c.is_cashless)
    rows = conn.execute(query.order_by(channels.c.category, channels.c.channel, channels.c.raw_name)).all()
    return pd.DataFrame(rows, columns=["raw_name", "channel", "category", "is_cashless"])


def map_channel(
    conn: Connection, viewer: Viewer, raw_text: str, channel: str, category: str, is_cashless: bool
) -> dt.date | None:
    """Add a raw name to the catalog and mark snapshots stale from its first use (returned).

    The caller refreshes the snapshots (warehouse.snapshots.refresh_snapshots) after commit.
    """
    viewer.require("edit_catalog")
    if category not in CATEGORIES:
        raise CatalogError(f"category must be one of {', '.join(CATEGORIES)}, not '{category}'")
    if not channel.strip():
        raise CatalogError("a channel name is required")
    key = fold_text(raw_text)
    if conn.scalar(select(channels.c.key).where(channels.c.key == key)) is not None:
        raise CatalogError(f"'{raw_text}' is already in the catalog")
    row = {
        "key": key,
        "raw_name": raw_text,
        "channel": channel.strip(),
        "category": category,
        "is_cashless": is_cashless,
    }
    first = add_to_catalog(conn, [row])
    access.record(
        conn,
        viewer,
        "catalog_map",
        raw_text=raw_text,
        channel=channel,
        category=category,
        cashless=is_cashless,
    )
    return first


def add_to_catalog(conn: Connection, rows: list[dict]) -> dt.date | None:
    """Insert catalog rows (key, raw_name, channel, category, is_cashless) and mark the snapshots
    stale from the first day a raw name they map was used (returned; None if never used).

    Every source of catalog rows (the page and `cashless channels map` through map_channel, the
    reference data `db upgrade` seeds) goes through here,
    so the snapshots never disagree with the catalog joined at query time.
    """
    if not rows:
        return None
    conn.execute(insert(channels), rows)
    # The channel table of the snapshots holds every day a name was used (or the load left the
    # snapshots dirty from an earlier day, which mark_dirty keeps).
    first = conn.execute(
        select(func.min(snapshot_channel_day.c.day))
        .join(channel_names, channel_names.c.id == snapshot_channel_day.c.channel_name_id)
        .where(channel_names.c.key.in_([row["key"] for row in rows]))
    ).scalar()
    if first is None:
        return None
    first = pd.Timestamp(first).date()
    mark_dirty(conn, first)
    return first

"""Data quality: what each load did and the rows it quarantined, for the data page and its downloads."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, func, select

from warehouse.access import Viewer
from warehouse.schema import load_runs, quarantine

RUN_COLUMNS = [
    "id",
    "kind",
    "file_name",
    "status",
    "started_at",
    "finished_at",
    "rows_read",
    "rows_loaded",
    "rows_updated",
    "rows_quarantined",
    "message",
]


def load_history(conn: Connection, limit: int = 1000) -> pd.DataFrame:
    """The latest load runs first: file, kind, status, times, rows read/loaded/updated/quarantined, message."""
    query = select(*(load_runs.c[c] for c in RUN_COLUMNS)).order_by(load_runs.c.id.desc()).limit(limit)
    return pd.DataFrame(conn.execute(query).all(), columns=RUN_COLUMNS)


def quarantined_rows(
    conn: Connection, viewer: Viewer, run_id: int | None = None, limit: int = 10_000
) -> pd.DataFrame:
    """Quarantined rows with file, line, column and reason; the raw row (personal data) for admins only."""
    columns = [
        load_runs.c.id.label("run_id"),
        load_runs.c.file_name,
        load_runs.c.kind,
        quarantine.c.row_number,
        quarantine.c.column_name,
        quarantine.c.reason,
    ]
    if viewer.can("edit_catalog"):
        columns.append(quarantine.c.raw_row)
    query = select(*columns).join(load_runs, load_runs.c.id == quarantine.c.load_run_id)
    if run_id is not None:
        query = query.where(quarantine.c.load_run_id == run_id)
    query = query.order_by(load_runs.c.id.desc(), quarantine.c.row_number).limit(limit)
    return pd.DataFrame(conn.execute(query).all(), columns=[c.name for c in columns])


def quarantine_reasons(conn: Connection) -> pd.DataFrame:
    """How many rows were quarantined per kind of file, column and reason."""
    query = (
        select(load_runs.c.kind, quarantine.c.column_name, quarantine.c.reason, func.count().label("rows"))
        .join(load_runs, load_runs.c.id == quarantine.c.load_run_id)
        .group_by(load_runs.c.kind, quarantine.c.column_name, quarantine.c.reason)
        .order_by(func.count().desc())
    )
    return pd.DataFrame(conn.execute(query).all(), columns=["kind", "column_name", "reason", "rows"])

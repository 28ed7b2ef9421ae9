"""Data quality: what each load did and the rows it quarantined, for the data page and its downloads.

Office scope (DESIGN §8): a run belongs to the offices its rows are about, and a manager sees only
those runs, with their own office's share of the counts, and only their office's quarantined rows.
A row is about the office in its office column (customer files), else its customer's office
(payment files carry none); a row with neither (e.g. an unknown customer) and a run with no rows
at all (rejected or skipped files) are seen by the roles that see every office only.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Integer, bindparam, delete, func, insert, null, select, type_coerce, update

from warehouse.access import Viewer, office_scope
from warehouse.bulk import fetch_frame
from warehouse.keys import customer_offices
from warehouse.schema import customers, load_run_offices, load_runs, offices, quarantine

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


def load_history(conn: Connection, viewer: Viewer, limit: int = 1000) -> pd.DataFrame:
    """The latest load runs the viewer may see, first: file, kind, status, times, row counts, message.

    For a viewer limited to one office the counts are that office's rows (rows_read = loaded +
    quarantined; rows_updated, not known per office, is empty).
    """
    scope = office_scope(viewer)
    if scope is None:
        query = select(*(load_runs.c[c] for c in RUN_COLUMNS))
    else:
        mine = load_run_offices.c
        counts = {
            "rows_read": (mine.rows_loaded + mine.rows_quarantined).label("rows_read"),
            "rows_loaded": mine.rows_loaded,
            "rows_updated": type_coerce(null(), Integer).label("rows_updated"),
            "rows_quarantined": mine.rows_quarantined,
        }
        query = select(*(counts.get(c, load_runs.c[c]) for c in RUN_COLUMNS)).join(
            load_run_offices, (mine.load_run_id == load_runs.c.id) & (mine.office_code == scope)
        )
    query = query.order_by(load_runs.c.id.desc()).limit(limit)
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
    query = _scoped(select(*columns).join(load_runs, load_runs.c.id == quarantine.c.load_run_id), viewer)
    if run_id is not None:
        query = query.where(quarantine.c.load_run_id == run_id)
    query = query.order_by(load_runs.c.id.desc(), quarantine.c.row_number).limit(limit)
    return pd.DataFrame(conn.execute(query).all(), columns=[c.name for c in columns])


def quarantine_reasons(conn: Connection, viewer: Viewer) -> pd.DataFrame:
    """How many of the rows the viewer may see were quarantined per kind of file, column and reason."""
    query = (
        select(load_runs.c.kind, quarantine.c.column_name, quarantine.c.reason, func.count().label("rows"))
        .join(load_runs, load_runs.c.id == quarantine.c.load_run_id)
        .group_by(load_runs.c.kind, quarantine.c.column_name, quarantine.c.reason)
        .order_by(func.count().desc())
    )
    return pd.DataFrame(
        conn.execute(_scoped(query, viewer)).all(), columns=["kind", "column_name", "reason", "rows"]
    )


def _scoped(query, viewer: Viewer):
    """`query` over quarantine rows limited to the viewer's office (rows of no known office: none)."""
    scope = office_scope(viewer)
    return query if scope is None else query.where(quarantine.c.office_code == scope)


ID_BATCH = 5_000  # customer ids a query looks up (SQLite binds at most 32,766 values)


def attribute_runs(
    conn: Connection,
    run_id: int | None = None,
    kind: str | None = None,
    since: dt.date | None = None,
    paid_by: np.ndarray | None = None,
    offices: tuple[np.ndarray, pd.Index] | None = None,
) -> None:
    """Record the office of each quarantined row and the offices a run's rows belong to, with counts.

    Called by the loader inside a file's transaction: `paid_by`, the customer_key of each payment
    it wrote, saves reading them back (with `offices`, customer_offices the loader read once for all
    its files, it saves reading the customers too); else `since` (no payment of the run is dated
    earlier) keeps the read on the date index. run_id None: every run (the backfill of migration 0008).
    """
    run = "" if run_id is None else " AND q.load_run_id = :run"
    params = {"run": run_id, "since": since}
    rows = fetch_frame(
        conn, f"SELECT q.id, q.raw_row FROM quarantine q WHERE q.office_code IS NULL{run}", params
    )
    if len(rows):
        found = _row_offices(conn, rows["raw_row"])
        named = rows.assign(office=found.to_numpy())[found.notna().to_numpy()]
        if len(named):
            conn.execute(
                update(quarantine)
                .where(quarantine.c.id == bindparam("row_id"))
                .values(office_code=bindparam("office")),
                [{"row_id": int(i), "office": o} for i, o in zip(named["id"], named["office"])],
            )
    # rows per run and office: quarantined ones, then the customers or payments it wrote;
    # each source: (loaded, quarantined, FROM, WHERE, the table alias holding the office)
    sources = [("0", "COUNT(*)", "quarantine q", "q.office_code IS NOT NULL", "q")]
    if kind in (None, "customers"):
        sources.append(("COUNT(*)", "0", "customers q", "q.load_run_id IS NOT NULL", "q"))
    if kind in (None, "payments") and (run_id is None or since is not None) and paid_by is None:
        dated = "1 = 1" if since is None else "q.paid_at >= :since"
        sources.append(
            ("COUNT(*)", "0", "payments q JOIN customers c ON c.customer_key = q.customer_key", dated, "c")
        )
    parts = [
        fetch_frame(
            conn,
            f"SELECT q.load_run_id, {office}.office_code, {loaded} AS rows_loaded, "
            f"{quarantined} AS rows_quarantined FROM {source} WHERE {where}{run} "
            f"GROUP BY q.load_run_id, {office}.office_code",
            params,
        )
        for loaded, quarantined, source, where, office in sources
    ]
    if paid_by is not None and len(paid_by):
        parts.append(_payment_counts(conn, run_id, paid_by, offices))
    counts = pd.concat([part for part in parts if len(part)] or parts[:1], ignore_index=True)
    counts = counts.astype({"rows_loaded": "int64", "rows_quarantined": "int64"})
    counts = counts.groupby(["load_run_id", "office_code"], as_index=False)[
        ["rows_loaded", "rows_quarantined"]
    ].sum()
    if run_id is not None:
        conn.execute(delete(load_run_offices).where(load_run_offices.c.load_run_id == run_id))
    else:
        conn.execute(delete(load_run_offices))
    if len(counts):
        conn.execute(
            insert(load_run_offices),
            [
                {
                    "load_run_id": int(r.load_run_id),
                    "office_code": r.office_code,
                    "rows_loaded": int(r.rows_loaded),
                    "rows_quarantined": int(r.rows_quarantined),
                }
                for r in counts.itertuples()
            ],
        )


def _payment_counts(
    conn: Connection, run_id: int, paid_by: np.ndarray, offices: tuple[np.ndarray, pd.Index] | None
) -> pd.DataFrame:
    """load_run_id, office_code, rows_loaded, rows_quarantined (0) of payments by the customers `paid_by`."""
    if offices is None:
        people = fetch_frame(conn, "SELECT customer_key, office_code FROM customers")
        offices = customer_offices(people["customer_key"], people["office_code"])
    office_of, office_codes = offices
    paid_by = np.asarray(paid_by, dtype=np.int64)
    offices_paid = np.where(paid_by < len(office_of), office_of[np.minimum(paid_by, len(office_of) - 1)], -1)
    rows = np.bincount(offices_paid[offices_paid >= 0], minlength=len(office_codes))
    return pd.DataFrame(
        {"load_run_id": run_id, "office_code": office_codes, "rows_loaded": rows, "rows_quarantined": 0}
    )[rows > 0]


def _row_offices(conn: Connection, raw_rows: pd.Series) -> pd.Series:
    """The office each quarantined raw row (JSON) is about: its known office_code, else its customer's."""
    records = pd.DataFrame([json.loads(raw) for raw in raw_rows], index=raw_rows.index)
    known = set(conn.scalars(select(offices.c.code)))
    own = (
        records["office_code"]
        if "office_code" in records
        else pd.Series(None, index=records.index, dtype=object)
    )
    own = own.where(own.isin(known)).astype(object)
    if "customer_id" in records:
        ids = records["customer_id"].astype(str).str.strip()
        stored = ids.map(_stored_offices(conn, ids[own.isna()].unique())).astype(object)
        own = own.where(own.notna(), stored)  # objects both: no text fill into an all-NaN float column
    return own.where(own.notna(), None)


def _stored_offices(conn: Connection, ids) -> pd.Series:
    """customer_id -> office_code of the stored customers among `ids`: looked up by the unique index,
    where reading every customer cost a load 0.38 s a file with a quarantined row at 1x, 10 times that at 10x."""
    found: dict[str, str] = {}
    for start in range(0, len(ids), ID_BATCH):
        batch = [str(i) for i in ids[start : start + ID_BATCH]]
        query = select(customers.c.customer_id, customers.c.office_code)
        found.update(conn.execute(query.where(customers.c.customer_id.in_(batch))).all())
    return pd.Series(found, dtype=object)

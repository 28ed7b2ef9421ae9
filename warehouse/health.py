"""Is the warehouse fit to serve: reachable, at the current schema, loaded, snapshots up to date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Engine, desc, select, text
from sqlalchemy.exc import SQLAlchemyError

from warehouse.metrics import data_period
from warehouse.migrate import current_revision, head_revision
from warehouse.schema import load_runs, snapshot_state


@dataclass
class DatabaseStatus:
    """What `cashless db status` reports; `problems` empty means healthy."""

    reachable: bool
    schema_revision: str | None = None
    schema_head: str = ""
    last_load_at: dt.datetime | None = None
    last_load_file: str | None = None
    last_data_day: dt.date | None = None
    snapshots_refreshed_at: dt.datetime | None = None
    snapshots_stale_from: dt.date | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not self.problems


def database_status(
    engine: Engine, now: dt.datetime | None = None, max_load_age: dt.timedelta | None = None
) -> DatabaseStatus:
    """Check the database step by step; each failed check adds a problem that says what to do.

    `max_load_age`: when given, a last successful load older than this (before `now`) is a problem too.
    """
    status = DatabaseStatus(reachable=False, schema_head=head_revision())
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        status.reachable = True
        status.schema_revision = current_revision(engine)
    except SQLAlchemyError as error:
        status.problems.append(
            f"database not reachable ({str(getattr(error, 'orig', error)).strip().splitlines()[0]})"
        )
        return status
    if status.schema_revision != status.schema_head:
        status.problems.append(
            f"schema at {status.schema_revision or 'nothing'}, current is {status.schema_head}: run `cashless db upgrade`"
        )
        return status
    with engine.connect() as conn:
        last = conn.execute(
            select(load_runs.c.finished_at, load_runs.c.file_name)
            .where(load_runs.c.status == "loaded")
            .order_by(desc(load_runs.c.finished_at))
            .limit(1)
        ).first()
        state = conn.execute(select(snapshot_state.c.dirty_from, snapshot_state.c.refreshed_at)).first()
        status.last_data_day = data_period(conn)[1]
    if last is None:
        status.problems.append("nothing loaded yet: run `cashless ingest DIR` or `cashless load ...`")
    else:
        status.last_load_at, status.last_load_file = pd.Timestamp(last[0]).to_pydatetime(), last[1]
        now = now or dt.datetime.now()
        if max_load_age is not None and now - status.last_load_at > max_load_age:
            status.problems.append(
                f"the last load finished {status.last_load_at:%Y-%m-%d %H:%M}, longer ago than allowed"
            )
    if state is not None:
        status.snapshots_stale_from = None if state[0] is None else pd.Timestamp(state[0]).date()
        status.snapshots_refreshed_at = None if state[1] is None else pd.Timestamp(state[1]).to_pydatetime()
    if status.snapshots_stale_from is not None:
        status.problems.append(
            f"snapshots stale from {status.snapshots_stale_from} (a load was interrupted): run `cashless db refresh`"
        )
    return status

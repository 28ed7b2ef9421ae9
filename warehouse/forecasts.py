"""Year forecasts kept once made: opaque bodies under the key of the figures they were made from.

What a body holds and how its key is made is models.forecast's business; here they are only stored,
found and pruned. A forecast is written beside whatever else is running: it must never make a page
wait for a load's transaction, so a busy SQLite database skips the write (the next reader tries again).
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import Connection, Engine, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError

from warehouse.db import driver_connection, is_sqlite
from warehouse.schema import forecasts

log = logging.getLogger(__name__)

KEPT = 24  # the newest forecasts kept (one per year and as-of day asked for; ~0.7 MB each)
BUSY_MS = 200  # SQLite: how long a write waits for another writer before it is skipped


def stored(conn: Connection, key: str) -> bytes | None:
    """The body stored under `key`, or None."""
    body = conn.execute(select(forecasts.c.body).where(forecasts.c.key == key)).scalar()
    return None if body is None else bytes(body)


def store(engine: Engine, key: str, body: bytes) -> bool:
    """Keep `body` under `key` (a body already there stays) and drop all but the newest KEPT.

    Returns False, having stored nothing, when SQLite's writer lock stayed taken for BUSY_MS.
    """
    sqlite = is_sqlite(engine)
    insert = (sqlite_insert if sqlite else pg_insert)(forecasts)
    row = {"key": key, "made_at": dt.datetime.now(), "body": body}
    newest = select(forecasts.c.key).order_by(forecasts.c.made_at.desc()).limit(KEPT)
    with engine.connect().execution_options(write=True) as conn:
        if sqlite:
            waited = driver_connection(conn).execute("PRAGMA busy_timeout").fetchone()[0]
            driver_connection(conn).execute(f"PRAGMA busy_timeout={BUSY_MS}")
        try:
            with conn.begin():
                conn.execute(insert.values(row).on_conflict_do_nothing(index_elements=["key"]))
                conn.execute(delete(forecasts).where(forecasts.c.key.not_in(newest.scalar_subquery())))
        except OperationalError as error:
            if not sqlite:
                raise
            log.info("forecast not kept, the database is busy (%s)", error.orig)
            return False
        finally:
            if sqlite:
                driver_connection(conn).execute(f"PRAGMA busy_timeout={waited}")
    return True

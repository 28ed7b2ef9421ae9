"""Engine creation: one place that knows SQLite's pragmas and how to reach the raw driver connection."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager

from sqlalchemy import Connection, Engine, create_engine, event, make_url, text

from cashless.settings import DEFAULT_DB_PATH, database_url


def make_engine(url: str | None = None) -> Engine:
    """Engine for `url` (default: DATABASE_URL or data/cashless.db); SQLite gets WAL and a big cache."""
    url = url or database_url()
    if url.startswith("sqlite"):
        if url == f"sqlite:///{DEFAULT_DB_PATH}":
            DEFAULT_DB_PATH.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 60})
        event.listen(engine, "connect", _sqlite_pragmas)
        # Issue BEGIN ourselves so a file's whole load is one real transaction; writers ask for
        # BEGIN IMMEDIATE (see writing()) so two loads queue instead of failing on lock upgrade.
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_begin(conn: Connection) -> None:
    immediate = conn.get_execution_options().get("write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


WAL_AUTOCHECKPOINT = 1000  # pages (SQLite's default): a commit past this copies the WAL back
WRITER_LOCK = 0x63617368  # PostgreSQL advisory lock key held by the one writer at a time


@contextmanager
def writing(engine: Engine, checkpoint_later: bool = False) -> Iterator[Connection]:
    """A write transaction, committed on success; writers queue, one at a time, on both databases.

    SQLite: BEGIN IMMEDIATE. PostgreSQL: a transaction-level advisory lock (freed at commit, rollback
    or disconnect); without it two loads at once collided on the channel names they both added.
    `checkpoint_later` (SQLite): the commit leaves the WAL as it is, for `checkpoint_beside` to copy
    back into the database file (a checkpoint at each file's commit cost the demo load 1.3 s).
    """
    with engine.connect().execution_options(write=True) as conn:
        sqlite = is_sqlite(conn)
        deferred = checkpoint_later and sqlite
        if deferred:
            driver_connection(conn).execute("PRAGMA wal_autocheckpoint=0")
        try:
            with conn.begin():
                if not sqlite:
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITER_LOCK})
                yield conn
        finally:
            if deferred:
                driver_connection(conn).execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT}")


@contextmanager
def checkpoint_beside(engine: Engine) -> Iterator[None]:
    """SQLite: copy the WAL back into the database file on a thread of its own while the body runs
    (a passive checkpoint: it never blocks the body's reads or writes). Nothing on PostgreSQL."""
    if not is_sqlite(engine) or in_memory(engine):
        yield
        return

    def checkpoint() -> None:
        with closing(sqlite3.connect(engine.url.database, timeout=60)) as own:
            own.execute("PRAGMA wal_checkpoint(PASSIVE)")

    worker = threading.Thread(target=checkpoint, name="wal-checkpoint", daemon=True)
    worker.start()
    try:
        yield
    finally:
        worker.join()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # transactions are begun explicitly (see make_engine)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA cache_size=-262144")  # 256 MB page cache
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def is_sqlite(conn: Connection | Engine) -> bool:
    return conn.dialect.name == "sqlite"


def in_memory(conn: Connection | Engine) -> bool:
    """An in-memory SQLite database: no file another connection could open, and a connection that
    cannot leave its thread."""
    engine = conn if isinstance(conn, Engine) else conn.engine
    return is_sqlite(engine) and engine.url.database in (None, "", ":memory:")


def driver_connection(conn: Connection):
    """The DBAPI connection under `conn` (sqlite3 or psycopg), for executemany/COPY bulk paths."""
    return conn.connection.driver_connection


def shown_url(engine: Engine | None = None) -> str:
    """The database URL with its password masked: what messages and reports may show."""
    url = engine.url if engine is not None else make_url(database_url())
    return url.render_as_string(hide_password=True)

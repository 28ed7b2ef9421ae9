"""Engine creation: one place that knows SQLite's pragmas and how to reach the raw driver connection."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

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


WRITER_LOCK = 0x63617368  # PostgreSQL advisory lock key held by the one writer at a time


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A write transaction, committed on success; writers queue, one at a time, on both databases.

    SQLite: BEGIN IMMEDIATE. PostgreSQL: a transaction-level advisory lock (freed at commit, rollback
    or disconnect); without it two loads at once collided on the channel names they both added.
    """
    with engine.connect().execution_options(write=True) as conn, conn.begin():
        if not is_sqlite(conn):
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITER_LOCK})
        yield conn


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


def driver_connection(conn: Connection):
    """The DBAPI connection under `conn` (sqlite3 or psycopg), for executemany/COPY bulk paths."""
    return conn.connection.driver_connection


def shown_url(engine: Engine | None = None) -> str:
    """The database URL with its password masked: what messages and reports may show."""
    url = engine.url if engine is not None else make_url(database_url())
    return url.render_as_string(hide_password=True)

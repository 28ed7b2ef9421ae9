"""SQLite: a file's load commits without copying the WAL back into the database file; the
checkpoint beside the snapshot refresh does it, and the connection goes back to the pool as it was."""

from __future__ import annotations

from warehouse.db import WAL_AUTOCHECKPOINT, checkpoint_beside, driver_connection, make_engine, writing

ROWS = [("x" * 1000,)] * 8000  # 8 MB: past the 1,000 pages (4 MB) after which a commit copies back


def _insert(engine, **options) -> None:
    with writing(engine, **options) as conn:
        driver_connection(conn).executemany("INSERT INTO t VALUES (?)", ROWS)


def test_a_write_that_checkpoints_later_stays_in_the_wal_until_the_checkpoint_beside(tmp_path):
    path = tmp_path / "wal.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x TEXT)")
    before = path.stat().st_size

    _insert(engine, checkpoint_later=True)
    assert path.stat().st_size == before  # committed, and only in the WAL
    with engine.connect() as conn:  # the pooled connection checkpoints at its commits again
        assert (
            driver_connection(conn).execute("PRAGMA wal_autocheckpoint").fetchone()[0] == WAL_AUTOCHECKPOINT
        )
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM t").scalar() == len(ROWS)

    with checkpoint_beside(engine):
        pass
    copied = path.stat().st_size
    assert copied > before + 8_000_000

    _insert(engine)  # a plain write copies back at its own commit
    assert path.stat().st_size > copied + 8_000_000
    engine.dispose()

"""A backup taken with pg_dump and restored by deploy/restore.sh into a fresh database gives the same KPIs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid

import pytest
from sqlalchemy import create_engine, text

from cashless.settings import ROOT
from tests.conftest import POSTGRES_ADMIN_URL
from tests.warehouse.province_fixture import write_fixture

RESTORE = ROOT / "deploy" / "restore.sh"


def cashless(args, url):
    done = subprocess.run(
        [sys.executable, "-m", "cashless", *args],
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.mark.postgres
def test_dump_restore_gives_the_same_kpi(postgres_database, tmp_path):
    if shutil.which("pg_dump") is None or shutil.which("createdb") is None:
        pytest.skip("the PostgreSQL client tools (pg_dump, pg_restore, createdb) are not installed")
    source = postgres_database
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with create_engine(source).begin() as conn:  # the session database may hold another test's schema
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    paths = write_fixture(tmp_path)
    cashless(["db", "upgrade"], source)
    cashless(["load", "customers", str(paths[0]), "--quiet"], source)
    cashless(["load", "payments", *map(str, paths[1:]), "--quiet"], source)
    kpi = ["kpi", "--as-of", "2025-02-28", "--by", "office", "--format", "csv"]
    before = cashless(kpi, source)
    assert before.splitlines()[2].startswith("PA1102,5,3,0.600000")

    dump = tmp_path / "cashless.dump"
    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", libpq(source)], check=True, timeout=120)
    restored = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/cashless_restored_{uuid.uuid4().hex[:8]}"
    try:
        done = subprocess.run(
            [str(RESTORE), str(dump), restored], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        assert cashless(kpi, restored) == before
        assert "healthy" in cashless(["db", "status"], restored)
        again = subprocess.run(
            [str(RESTORE), str(dump), restored], capture_output=True, text=True, timeout=120
        )
        assert again.returncode != 0 and "already exists" in again.stderr  # never over an existing database
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{restored.rsplit("/", 1)[1]}" WITH (FORCE)'))
        admin.dispose()


def test_restore_usage(tmp_path):
    done = subprocess.run([str(RESTORE)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and "usage" in done.stderr
    done = subprocess.run(
        [str(RESTORE), str(tmp_path / "none.dump"), "postgresql://x@h/db"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 1 and "cannot read" in done.stderr

"""Shared fixtures: a fresh warehouse on SQLite and on the real PostgreSQL server, per test."""

from __future__ import annotations

import os
import uuid

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import create_engine, text

from warehouse.db import make_engine
from warehouse.migrate import upgrade

POSTGRES_ADMIN_URL = os.environ.get(
    "CASHLESS_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _postgres_reason() -> str | None:
    """None when the PostgreSQL server answers, else why the PostgreSQL tests are skipped."""
    try:
        with create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 3}).connect() as conn:
            conn.execute(text("SELECT 1"))
        return None
    except Exception as error:  # any failure to connect means: no server here
        return f"no PostgreSQL server answers at {POSTGRES_ADMIN_URL}: {str(error).splitlines()[0]}"


_PG_SKIP = _postgres_reason()


@pytest.fixture(scope="session")
def postgres_database():
    """A throwaway database on the PostgreSQL server for this test session."""
    if _PG_SKIP:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI has a PostgreSQL server, yet: {_PG_SKIP}")
        pytest.skip(_PG_SKIP)
    name = f"cashless_test_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def fresh_postgres(url: str):
    """An engine on `url` with an empty public schema."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    return engine


DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def new_warehouse(request, folder):
    """An upgraded, empty warehouse on the database `request.param` names (SQLite in `folder`)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{folder / 'warehouse.db'}")
    else:
        engine = fresh_postgres(request.getfixturevalue("postgres_database"))
    upgrade(engine)
    return engine


@pytest.fixture(params=DATABASES)
def engine(request, tmp_path):
    """An upgraded, empty warehouse on each database."""
    engine = new_warehouse(request, tmp_path)
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_engine(postgres_database):
    """An upgraded, empty warehouse on PostgreSQL alone (for what only PostgreSQL has)."""
    engine = fresh_postgres(postgres_database)
    upgrade(engine)
    yield engine
    engine.dispose()


# Property tests: no deadline (the machine is shared, timings vary), a fixed number of examples.
settings.register_profile(
    "cashless", deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("cashless")

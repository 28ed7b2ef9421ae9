"""The Alembic migrations build exactly the schema declared in warehouse/schema.py (what it declares
for the database at hand: payment_ids on PostgreSQL only, the date index of payments on SQLite only)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from warehouse.migrate import current_revision, head_revision
from warehouse.schema import made_on, metadata


def test_migrations_match_the_declared_schema(engine):
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        differences = compare_metadata(
            MigrationContext.configure(conn, opts={"include_object": made_on(conn.dialect.name)}), metadata
        )
    assert differences == []

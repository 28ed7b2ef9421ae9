"""The Alembic migrations build exactly the schema declared in warehouse/schema.py."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from warehouse.migrate import current_revision, head_revision
from warehouse.schema import metadata


def test_migrations_match_the_declared_schema(engine):
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []

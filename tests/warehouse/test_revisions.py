"""The start-up shortcut for the schema check agrees with Alembic."""

from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from warehouse.db import make_engine
from warehouse.migrate import alembic_config, current_revision, head_revision


def test_head_revision_is_alembics_head():
    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_current_revision_is_alembics(engine, tmp_path):
    with engine.connect() as conn:
        assert current_revision(engine) == MigrationContext.configure(conn).get_current_revision()
    assert current_revision(engine) == head_revision()
    assert current_revision(make_engine(f"sqlite:///{tmp_path / 'empty.db'}")) is None

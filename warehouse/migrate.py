"""Schema upgrades through Alembic, plus the committed reference data (offices, channel catalog)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, insert, select

from cashless.settings import CHANNELS_CSV, OFFICES_CSV
from etl.text import fold_text
from warehouse.schema import channels, offices, snapshot_state

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade(engine: Engine) -> None:
    """Migrate the schema to the latest revision and add missing reference rows; safe to repeat."""
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
        seed_reference_data(conn)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def seed_reference_data(conn) -> None:
    """Insert offices and catalog rows that are not there yet; never overwrites edits made in the app."""
    known_offices = set(conn.scalars(select(offices.c.code)))
    office_rows = pd.read_csv(OFFICES_CSV, dtype=str)
    new_offices = [r for r in office_rows.to_dict("records") if r["code"] not in known_offices]
    if new_offices:
        conn.execute(insert(offices), new_offices)

    known_keys = set(conn.scalars(select(channels.c.key)))
    catalog = pd.read_csv(CHANNELS_CSV, dtype=str)
    new_channels = []
    for row in catalog.to_dict("records"):
        key = fold_text(row["raw_name"])
        if key not in known_keys:
            known_keys.add(key)
            new_channels.append(
                {
                    "key": key,
                    "raw_name": row["raw_name"],
                    "channel": row["channel"],
                    "category": row["category"],
                    "is_cashless": row["is_cashless"] == "1",
                }
            )
    if new_channels:
        conn.execute(insert(channels), new_channels)

    if conn.scalar(select(snapshot_state.c.id)) is None:
        conn.execute(insert(snapshot_state), [{"id": 1, "dirty_from": None}])

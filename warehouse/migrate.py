"""Schema upgrades through Alembic, plus the committed reference data (offices, channel catalog)."""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, insert, inspect, select, text

from cashless.settings import CHANNELS_CSV, OFFICES_CSV
from cashless.text import fold_text
from warehouse.channels import add_to_catalog
from warehouse.schema import channels, offices, snapshot_state

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config():
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade(engine: Engine) -> None:
    """Migrate the schema to the latest revision and add missing reference rows; safe to repeat."""
    from alembic import command

    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
        seed_reference_data(conn)


def current_revision(engine: Engine) -> str | None:
    """The schema revision recorded in the database (None before the first upgrade).

    Read with one query rather than through Alembic, whose import alone costs commands like
    `cashless kpi` a noticeable part of their start-up.
    """
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return versions[0] if len(versions) == 1 else None


def head_revision() -> str:
    """The latest migration: the one no other names as its down_revision (read without importing them)."""
    revisions = [_revision_ids(path) for path in (MIGRATIONS_DIR / "versions").glob("*.py")]
    replaced = {down for _, downs in revisions for down in downs}
    heads = [revision for revision, _ in revisions if revision not in replaced]
    if len(heads) == 1:
        return heads[0]
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _revision_ids(path: Path) -> tuple[str, tuple[str, ...]]:
    """`revision` and `down_revision` of a migration file, from its module-level (annotated) assignments."""
    values = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
        target = node.target if isinstance(node, ast.AnnAssign) and node.value is not None else target
        if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
            values[target.id] = ast.literal_eval(node.value)
    down = values.get("down_revision")
    downs = () if down is None else (down,) if isinstance(down, str) else tuple(down)
    return values["revision"], downs


def seed_reference_data(conn, catalog_csv: Path = CHANNELS_CSV) -> None:
    """Insert offices and catalog rows that are not there yet; never overwrites edits made in the app.

    New catalog rows mark the snapshots stale from the first use of the raw names they map.
    """
    if conn.scalar(select(snapshot_state.c.id)) is None:
        conn.execute(insert(snapshot_state), [{"id": 1, "dirty_from": None}])

    known_offices = set(conn.scalars(select(offices.c.code)))
    office_rows = pd.read_csv(OFFICES_CSV, dtype=str)
    new_offices = [r for r in office_rows.to_dict("records") if r["code"] not in known_offices]
    if new_offices:
        conn.execute(insert(offices), new_offices)

    known_keys = set(conn.scalars(select(channels.c.key)))
    catalog = pd.read_csv(catalog_csv, dtype=str)
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
    add_to_catalog(conn, new_channels)

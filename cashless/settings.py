"""Every path and tunable of the project, worked out once; commands take these as defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
GENERATED_DIR = DATA_DIR / "generated"
MODELS_DIR = DATA_DIR / "models"
DEFAULT_DB_PATH = DATA_DIR / "cashless.db"
OFFICES_CSV = DATA_DIR / "offices.csv"
CHANNELS_CSV = DATA_DIR / "channels.csv"
COLUMN_ALIASES_CSV = DATA_DIR / "column_aliases.csv"


def database_url() -> str:
    """`DATABASE_URL` from the environment, else the embedded SQLite file under data/."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_DB_PATH}"


@dataclass(frozen=True)
class LoadSettings:
    """Knobs of the ETL bulk path."""

    chunk_rows: int = 250_000
    progress: bool = True
    # Prepare (read, validate, shape) the next file on a helper process while this one writes, for
    # loads of at least this many bytes (below, the helper's start-up costs more than it saves).
    parse_ahead: bool = True
    helper_min_bytes: int = 32 * 2**20
    # Payments kept in memory for the snapshot refresh; past this, a load refreshes in batches.
    max_rows_in_memory: int = 8_000_000


@dataclass(frozen=True)
class ModelSettings:
    """Parameters of the outreach model (DESIGN §6)."""

    horizon_months: int = 3
    control_share: float = 0.10
    risk_band_cutoffs: tuple[float, float] = (0.5, 0.8)
    seed: int = 20250228

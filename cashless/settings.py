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
COMMUNE_ALIASES_CSV = DATA_DIR / "commune_aliases.csv"
DEMO_TARGETS_CSV = DATA_DIR / "demo_targets.csv"
# The demo's accounts, one per role (README: "Signing in"); never used outside `cashless demo`.
DEMO_PASSWORD = "cashless-demo"
DEMO_USERS = (
    ("admin", "admin", None),
    ("executive", "executive", None),
    ("planner", "planner", None),
    ("manager.yenson", "manager", "PA1102"),
)


def database_url() -> str:
    """`DATABASE_URL` from the environment, else the embedded SQLite file under data/."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_DB_PATH}"


def models_dir() -> Path:
    """Where trained model artefacts go: `CASHLESS_MODELS_DIR`, else data/models."""
    return Path(os.environ.get("CASHLESS_MODELS_DIR") or MODELS_DIR)


REFRESH_CUSTOMER_WEIGHT = 4  # a customer's memory in a refresh, in payments (from its 1x and 10x peaks)
# The batch refresh's memory budget by database, in payments' worth (LoadSettings.refresh_budget).
# SQLite keeps its page cache (256 MB) in the loading process, PostgreSQL in the server: at 10x
# (2.8 M customers) SQLite refreshes after every monthly file (peak 1,811-1,831 MiB; every two
# files peaked at 1,918 MiB = 2.01e9 B), PostgreSQL every two files (peak 1,668 MiB; a third
# faster than after every file).
REFRESH_BUDGETS = {"sqlite": 13_000_000, "postgresql": 14_000_000}


@dataclass(frozen=True)
class LoadSettings:
    """Knobs of the ETL bulk path."""

    chunk_rows: int = 250_000
    progress: bool = True
    # Prepare (read, validate, shape) the next chunks and files while this one writes: on a helper
    # process for loads of at least this many bytes, below on a thread (a process's start-up, 0.8 s,
    # costs more than its own core saves there).
    parse_ahead: bool = True
    helper_min_bytes: int = 32 * 2**20
    # Memory of a batch snapshot refresh, in payments' worth: a payment held costs ~50 B at the
    # refresh's peak, a customer of the warehouse ~210 B (REFRESH_CUSTOMER_WEIGHT payments). Past it,
    # a load refreshes in batches; the demo's 6 M payments refresh once (two refreshes: 1.2 s more).
    # None: the database's own budget (REFRESH_BUDGETS).
    refresh_budget: int | None = None
    # During such a batch refresh the helper is stopped (its memory given back) only on a warehouse
    # of more customers than this: the demo's keeps preparing the next chunks instead.
    helper_pause_customers: int = 1_000_000
    # Renamed or merged communes (office_code, old_name, new_name): history rolls up under the new name.
    commune_aliases: Path = COMMUNE_ALIASES_CSV


@dataclass(frozen=True)
class ModelSettings:
    """Parameters of the outreach model (DESIGN §6)."""

    horizon_months: int = 3  # H: the label is "still not cashless H months after the cut-off"
    history_months: int = 6  # payment habits are read over this many months before the cut-off
    training_cutoffs: int = 4  # monthly snapshots stacked into one training set
    # training reads and learns from at most this many customers, a seeded sample beyond (the demo
    # province has 282k: all of them; a 10x one 2.8M: the backtest of a 1M sample is as good, and
    # training takes a third of the time and memory)
    training_customers: int = 1_000_000
    control_share: float = 0.10  # of every outreach list, per office, held back and not contacted
    # score below the first: low, from the second on: high (chance of still paying cash H months on)
    risk_band_cutoffs: tuple[float, float] = (0.85, 0.95)
    seed: int = 20250228
    # gradient boosting: small trees (the households' traits add up more than they interact), at
    # most 80 (early stopping on a 10% validation split may stop sooner): the backtest is as good as
    # with 138 trees at 0.1 (ROC-AUC 0.731 vs 0.732) and scoring, which predicts each household once
    # per candidate reason, takes 40% less
    learning_rate: float = 0.2
    max_iter: int = 80
    max_leaf_nodes: int = 7
    min_samples_leaf: int = 1000
    # reasons: a feature is a reason when setting it to a converter's value lowers the score by this much
    reason_min_effect: float = 0.005
    # only features that helped on the backtest (permutation importance, ROC-AUC) become reasons
    reason_min_importance: float = 0.001
    permutation_repeats: int = 3
    # OpenMP threads for fitting and scoring. One, because on a shared 2-core machine two threads
    # spin-wait on each other: a fit measured 3-5 s on one thread, 25-28 s on two, under load.
    threads: int = 1


@dataclass(frozen=True)
class SignInSettings:
    """Sign-in throttling and how long a sign-in lasts in the browser."""

    max_failures: int = 5  # failed sign-ins of one account, or from one client, before a lock
    failure_window_minutes: int = 15  # failures further apart than this start the count again
    lock_minutes: int = 5
    idle_hours: float = 8.0  # a sign-in unused this long ends (the cookie and the open session)

    @classmethod
    def from_env(cls) -> SignInSettings:
        """Defaults, with `CASHLESS_SESSION_IDLE_HOURS` for the idle expiry."""
        idle = os.environ.get("CASHLESS_SESSION_IDLE_HOURS")
        return cls(idle_hours=float(idle)) if idle else cls()

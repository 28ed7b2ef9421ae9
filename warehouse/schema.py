"""The warehouse tables (SQLAlchemy Core). Alembic migrations in warehouse/migrations create them."""

from __future__ import annotations

import re

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

offices = Table(
    "offices",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("name", String(200), nullable=False),
)

communes = Table(
    "communes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("office_code", String(16), ForeignKey("offices.code"), nullable=False),
    Column("name", String(200), nullable=False),  # '' = commune not given in the export
    UniqueConstraint("office_code", "name"),
)

load_runs = Table(
    "load_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # customers | payments
    Column("file_name", String(500), nullable=False),
    Column("file_hash", String(64), nullable=False, index=True),
    Column("status", String(16), nullable=False),  # loaded | skipped | rejected
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("rows_read", Integer, nullable=False, default=0),
    Column("rows_loaded", Integer, nullable=False, default=0),
    Column("rows_updated", Integer, nullable=False, default=0),
    Column("rows_quarantined", Integer, nullable=False, default=0),
    Column("message", Text),
)

customers = Table(
    "customers",
    metadata,
    Column("customer_key", Integer, primary_key=True, autoincrement=True),
    Column("customer_id", String(40), nullable=False, unique=True),
    Column("office_code", String(16), ForeignKey("offices.code"), nullable=False),
    Column("commune_id", Integer, ForeignKey("communes.id"), nullable=False),
    Column("customer_type", String(16), nullable=False),
    Column("name", String(200)),
    Column("address", String(400)),
    Column("phone", String(40)),
    Column("contract_start", Date, nullable=False),
    Column("contract_end", Date),
    Column("load_run_id", Integer, ForeignKey("load_runs.id")),
)

channels = Table(
    "channels",
    metadata,
    Column("key", String(200), primary_key=True),  # fold_text(raw name): case/accent/space-insensitive
    Column("raw_name", String(200), nullable=False),
    Column("channel", String(100), nullable=False),
    Column("category", String(32), nullable=False),
    Column("is_cashless", Boolean, nullable=False),
)

channel_names = Table(
    "channel_names",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("raw_text", String(200), nullable=False, unique=True),  # as written in the export
    Column("key", String(200), nullable=False, index=True),  # joins channels.key at query time
)

# SQLite: one table keyed by payment_id. PostgreSQL (migration 0011): range-partitioned by month
# of paid_at (payments_2025_02 holds February 2025; loads add the months they need, see
# warehouse.partitions), keyed by PAYMENTS_POSTGRES_KEY, and payment_ids holds the global
# uniqueness of payment_id that a partitioned, distributable key cannot.
payments = Table(
    "payments",
    metadata,
    Column("payment_id", String(64), primary_key=True),
    Column("customer_key", Integer, nullable=False),
    Column("bill_period", Integer, nullable=False),  # YYYYMM
    Column("paid_at", Date, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("channel_name_id", Integer, nullable=False),
    Column("load_run_id", Integer, nullable=False),
    # Only the date index: one on customer_key would be filled in random order and triples the
    # cost of a monthly load (measured: 3.3 s vs 8.8 s per 273k rows); readers scan by date.
    # PostgreSQL has none: its readers' date ranges prune to whole months instead.
    Index("ix_payments_paid_at", "paid_at", info={"databases": ("sqlite",)}),
)

# PostgreSQL's primary key of payments. It holds the customer (Citus: the distribution column) and
# the partition key (every unique key of a partitioned table must), and serves one lookup: a
# replaced row deleted by its full key, found in payment_ids. The id leads, as in payment_ids: a
# month's ids arrive in order (etl/payment_ids.py), so the index fills at its right edge; led by
# the customer it filled in random order, 3-4x slower (measured: 2.7 M rows into one month's
# partition, 6 s against 19-26 s). No reader looks payments up by customer: they scan by date.
PAYMENTS_POSTGRES_KEY = ("payment_id", "customer_key", "paid_at")
PAYMENTS_PARTITION_KEY = "paid_at"
PAYMENT_PARTITION = re.compile(r"payments_(\d{4})_(\d{2})")  # the month partition's name: payments_2025_02

# PostgreSQL only: who owns each payment_id and the day its payment is stored under (so a re-sent
# id finds its row in the right month). Written in the same transaction as payments.
payment_ids = Table(
    "payment_ids",
    metadata,
    Column("payment_id", String(64), primary_key=True),
    Column("customer_key", Integer, nullable=False),
    Column("paid_at", Date, nullable=False),
    info={"databases": ("postgresql",)},
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("load_run_id", Integer, ForeignKey("load_runs.id"), nullable=False, index=True),
    Column("row_number", Integer, nullable=False),
    Column("column_name", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("raw_row", Text, nullable=False),  # JSON of the row as read
    # the office the row is about: its office column, else its customer's (None: neither known)
    Column("office_code", String(16), index=True),
)

# Which offices a load run's rows belong to, with that office's share of them (warehouse.quality).
load_run_offices = Table(
    "load_run_offices",
    metadata,
    Column("load_run_id", Integer, ForeignKey("load_runs.id"), primary_key=True),
    Column("office_code", String(16), ForeignKey("offices.code"), primary_key=True),
    Column("rows_loaded", Integer, nullable=False),
    Column("rows_quarantined", Integer, nullable=False),
)

# One row per customer and day on which the day-level cashless flag of their payments changed.
customer_status_changes = Table(
    "customer_status_changes",
    metadata,
    Column("customer_key", Integer, primary_key=True),
    Column("day", Date, primary_key=True),
    Column("cashless", Boolean, nullable=False),
    Index("ix_customer_status_changes_day", "day"),
)


def _snapshot_columns() -> list[Column]:
    """Levels (as of the end of the day) and the day's flows; rows exist only on days something changed.

    converted_/slipped_week and _month: customers converted or slipped back over the seven days
    ending on the day, and since the end of the month before (warehouse.movements).
    """
    return [
        Column("day", Date, primary_key=True),
        Column("active", Integer, nullable=False),
        Column("cashless", Integer, nullable=False),
        Column("converted_week", Integer, nullable=False),
        Column("slipped_week", Integer, nullable=False),
        Column("converted_month", Integer, nullable=False),
        Column("slipped_month", Integer, nullable=False),
        Column("payments", Integer, nullable=False),
        Column("amount", BigInteger, nullable=False),
        Column("cashless_payments", Integer, nullable=False),
        Column("cashless_amount", BigInteger, nullable=False),
    ]


snapshot_office_day = Table(
    "snapshot_office_day",
    metadata,
    Column("office_code", String(16), primary_key=True),
    *_snapshot_columns(),
)

snapshot_commune_day = Table(
    "snapshot_commune_day",
    metadata,
    Column("commune_id", Integer, primary_key=True),
    Column("office_code", String(16), nullable=False),
    *_snapshot_columns(),
)

snapshot_channel_day = Table(
    "snapshot_channel_day",
    metadata,
    Column("office_code", String(16), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("channel_name_id", Integer, primary_key=True),
    Column("payments", Integer, nullable=False),
    Column("amount", BigInteger, nullable=False),
)

# Single row: the earliest day whose snapshots are stale (NULL = up to date).
snapshot_state = Table(
    "snapshot_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dirty_from", Date),
    Column("refreshed_at", DateTime),
)

targets = Table(
    "targets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("office_code", String(16), nullable=False),  # office code, or 'ALL' for the province
    Column("period_type", String(8), nullable=False),  # year | quarter | month
    Column("period", String(8), nullable=False),  # 2025 | 2025-Q1 | 2025-03
    Column("target_rate", Float, nullable=False),
    Column("set_by", String(100), nullable=False),
    Column("set_at", DateTime, nullable=False),
    Index("ix_targets_office_period", "office_code", "period_type", "period"),
)

# One row per trained model: its artefact (joblib under MODELS_DIR) and its backtest (JSON).
model_runs = Table(
    "model_runs",
    metadata,
    Column("version", String(40), primary_key=True),
    Column("cutoff", Date, nullable=False),  # the last day of data the model was trained with
    Column("horizon_months", Integer, nullable=False),
    Column("trained_at", DateTime, nullable=False),
    Column("trained_by", String(64)),
    Column("artefact_path", String(500), nullable=False),
    Column("metrics_json", Text, nullable=False),
)

# One row per household scored: the model's score at `as_of`, its risk band and top three reasons.
scores = Table(
    "scores",
    metadata,
    Column("model_version", String(40), primary_key=True),
    Column("as_of", Date, primary_key=True),
    Column("customer_key", Integer, primary_key=True),
    Column("score", Float, nullable=False),  # probability of still not being cashless H months on
    Column("risk_band", String(8), nullable=False),  # high | medium | low
    Column("reason_1", String(40)),  # reason codes (cashless/texts.py), strongest first
    Column("reason_2", String(40)),
    Column("reason_3", String(40)),
    Column("reasons_vi", Text, nullable=False),
    Column("reasons_en", Text, nullable=False),
)

# Served to the candidates list: the highest scores of a version and day first, without a sort.
Index("ix_scores_rank", scores.c.model_version, scores.c.as_of, scores.c.score)

# The scores of a version and day counted per office, risk band and twentieth of the score range:
# what the model page shows, written with the scores (a few hundred rows instead of every household).
score_summary = Table(
    "score_summary",
    metadata,
    Column("model_version", String(40), primary_key=True),
    Column("as_of", Date, primary_key=True),
    Column("office_code", String(16), primary_key=True),
    Column("risk_band", String(8), primary_key=True),
    Column("score_bin", Integer, primary_key=True),  # floor(score × SCORE_BINS), the top bin holding 1.0
    Column("households", Integer, nullable=False),
    Column("score_sum", Float, nullable=False),
)

# An outreach list: the top households of one office by score, a random share held back as control.
outreach_lists = Table(
    "outreach_lists",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("office_code", String(16), ForeignKey("offices.code"), nullable=False, index=True),
    Column("model_version", String(40), nullable=False),
    Column("as_of", Date, nullable=False),  # the day the scores are as of
    Column("households", Integer, nullable=False),  # contacted + control
    Column("control_share", Float, nullable=False),
    Column("seed", BigInteger, nullable=False),  # draws the control group again, identically
    Column("filters", Text),  # JSON of the filters the list was made with
)

outreach_members = Table(
    "outreach_members",
    metadata,
    Column("list_id", Integer, ForeignKey("outreach_lists.id"), primary_key=True),
    Column("customer_key", Integer, primary_key=True),
    Column("rank", Integer, nullable=False),  # 1 = highest score in the list
    Column("score", Float, nullable=False),
    Column("is_control", Boolean, nullable=False),  # held back: never exported for contact
    Column("assigned_to", String(100)),
    Column("outcome", String(16)),  # contacted | agreed | refused | unreachable | converted
    Column("outcome_at", DateTime),
    Column("outcome_by", String(64)),
)

# Members of each outreach list counted by group, outcome ('' = none) and status at the end of
# measured_on, under the snapshots' refresh time they were counted at (warehouse.list_counts).
list_effect_counts = Table(
    "list_effect_counts",
    metadata,
    Column("list_id", Integer, ForeignKey("outreach_lists.id"), primary_key=True),
    Column("measured_on", Date, primary_key=True),
    Column("is_control", Boolean, primary_key=True),
    Column("outcome", String(16), primary_key=True),
    Column("households", Integer, nullable=False),
    Column("converted", Integer, nullable=False),
    Column("counted_at", DateTime, nullable=False),
)

# Year forecasts once made (models.forecast): the encoded forecast under a hash of the month-end
# figures and settings it was made from, so that a reader with the same figures finds it.
forecasts = Table(
    "forecasts",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("made_at", DateTime, nullable=False),
    Column("body", LargeBinary, nullable=False),
)

# Local accounts (DESIGN §8); `email` maps an OIDC sign-in to the same row.
users = Table(
    "users",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(16), nullable=False),  # admin | executive | planner | manager
    Column("office_code", String(16), ForeignKey("offices.code")),  # managers only
    Column("email", String(200), unique=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime, nullable=False),
    # Bumped by sign-out and password changes: session cookies carry it, so older ones stop working.
    Column("session_version", Integer, nullable=False, default=0, server_default="0"),
    # Set by an admin's reset to a one-time password: the next sign-in must choose a new one.
    Column("must_change_password", Boolean, nullable=False, default=False, server_default=false()),
    # mailed the weekly review of their scope by `cashless report send`
    Column("subscribed", Boolean, nullable=False, default=False, server_default=false()),
)

# Failed sign-ins per account ("user:NAME") and per client ("client:ADDRESS"): a run of failures
# locks the key for a while (warehouse/access.py, sign-in throttling).
sign_in_throttle = Table(
    "sign_in_throttle",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("first_failure_at", DateTime, nullable=False),
    Column("locked_until", DateTime),
)

# Facts about the database itself, e.g. that `cashless demo` created it ("made_by" = "demo").
database_facts = Table(
    "database_facts",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("at", DateTime, nullable=False),
)

# Who did what, when: exports, target edits, outcome imports, user changes.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False, index=True),
    Column("username", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("office_code", String(16)),
    Column("rows", Integer),
    Column("detail", Text),  # JSON
)


# How the PostgreSQL tables would spread over a Citus cluster: the distribution column of each
# distributed table (each of its unique keys must hold it), and the small tables copied to every
# node. payment_ids is spread by payment_id, its own key, so an id's owner is one lookup away.
DISTRIBUTION_COLUMNS = {
    "payments": "customer_key",
    "payment_ids": "payment_id",
    "customer_status_changes": "customer_key",
}
REFERENCE_TABLES = ("offices", "channels", "channel_names")


def made_on(dialect: str):
    """Alembic's include_object for `dialect`: the declared objects the migrations create there, and
    no monthly partitions of payments (they are payments, not tables of their own)."""

    def include(obj, name, type_, reflected, compare_to) -> bool:
        if type_ == "table" and reflected and compare_to is None and PAYMENT_PARTITION.fullmatch(name):
            return False
        return dialect in obj.info.get("databases", (dialect,))

    return include

"""outreach list members counted for the list effects, stored when they change

Revision ID: 0012
Revises: 0011

The weekly review and the outreach page measure every list's contacted and control households on
the last day with data, which read each member's status changes on every first visit (0.3-0.6 s
at 10x). `list_effect_counts` keeps those counts, made by warehouse.list_counts after a snapshot
refresh, a new list or recorded outcomes; `cashless db upgrade` fills it for the lists already made.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "list_effect_counts",
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("measured_on", sa.Date(), nullable=False),
        sa.Column("is_control", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("converted", sa.Integer(), nullable=False),
        sa.Column("counted_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"], ["outreach_lists.id"], name=op.f("fk_list_effect_counts_list_id_outreach_lists")
        ),
        sa.PrimaryKeyConstraint(
            "list_id", "measured_on", "is_control", "outcome", name=op.f("pk_list_effect_counts")
        ),
    )


def downgrade() -> None:
    op.drop_table("list_effect_counts")

"""model runs, scores per as-of day with reason codes, outreach lists and their members

Revision ID: 0003
Revises: 0002

`scores` is recreated rather than altered: its key gains `as_of` (a model scores more than one
day) and nothing wrote to it before this revision.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("model_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trained_by", sa.String(length=64), nullable=True))

    op.drop_table("scores")
    op.create_table(
        "scores",
        sa.Column("model_version", sa.String(length=40), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("customer_key", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("risk_band", sa.String(length=8), nullable=False),
        sa.Column("reason_1", sa.String(length=40), nullable=True),
        sa.Column("reason_2", sa.String(length=40), nullable=True),
        sa.Column("reason_3", sa.String(length=40), nullable=True),
        sa.Column("reasons_vi", sa.Text(), nullable=False),
        sa.Column("reasons_en", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("model_version", "as_of", "customer_key", name=op.f("pk_scores")),
    )

    op.create_table(
        "outreach_lists",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("office_code", sa.String(length=16), nullable=False),
        sa.Column("model_version", sa.String(length=40), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("control_share", sa.Float(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("filters", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["office_code"], ["offices.code"], name=op.f("fk_outreach_lists_office_code_offices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_lists")),
    )
    with op.batch_alter_table("outreach_lists", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outreach_lists_office_code"), ["office_code"], unique=False)

    op.create_table(
        "outreach_members",
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("customer_key", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("is_control", sa.Boolean(), nullable=False),
        sa.Column("assigned_to", sa.String(length=100), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("outcome_at", sa.DateTime(), nullable=True),
        sa.Column("outcome_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["list_id"], ["outreach_lists.id"], name=op.f("fk_outreach_members_list_id_outreach_lists")
        ),
        sa.PrimaryKeyConstraint("list_id", "customer_key", name=op.f("pk_outreach_members")),
    )


def downgrade() -> None:
    op.drop_table("outreach_members")
    op.drop_table("outreach_lists")
    op.drop_table("scores")
    op.create_table(
        "scores",
        sa.Column("model_version", sa.String(length=40), nullable=False),
        sa.Column("customer_key", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("risk_band", sa.String(length=8), nullable=False),
        sa.Column("reasons_vi", sa.Text(), nullable=False),
        sa.Column("reasons_en", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("model_version", "customer_key", name=op.f("pk_scores")),
    )
    with op.batch_alter_table("model_runs", schema=None) as batch_op:
        batch_op.drop_column("trained_by")

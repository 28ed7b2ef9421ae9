"""the office of each quarantined row, and the offices each load run's rows belong to

Revision ID: 0008
Revises: 0003

Runs loaded before this revision are attributed here from the rows they still hold: their
quarantined rows, their payments, and the customers they were the last to write
(warehouse.quality.attribute_runs; the loader records each new run as it loads it).
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.add_column(sa.Column("office_code", sa.String(length=16), nullable=True))
        batch_op.create_index(batch_op.f("ix_quarantine_office_code"), ["office_code"], unique=False)

    op.create_table(
        "load_run_offices",
        sa.Column("load_run_id", sa.Integer(), nullable=False),
        sa.Column("office_code", sa.String(length=16), nullable=False),
        sa.Column("rows_loaded", sa.Integer(), nullable=False),
        sa.Column("rows_quarantined", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["load_run_id"], ["load_runs.id"], name=op.f("fk_load_run_offices_load_run_id_load_runs")
        ),
        sa.ForeignKeyConstraint(
            ["office_code"], ["offices.code"], name=op.f("fk_load_run_offices_office_code_offices")
        ),
        sa.PrimaryKeyConstraint("load_run_id", "office_code", name=op.f("pk_load_run_offices")),
    )

    from warehouse.quality import attribute_runs

    attribute_runs(op.get_bind())


def downgrade() -> None:
    op.drop_table("load_run_offices")
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quarantine_office_code"))
        batch_op.drop_column("office_code")

"""conversions and slip-backs of the week and of the month so far as snapshot levels

Revision ID: 0009
Revises: 0008

The daily `converted`/`slipped` columns counted changes within one day, which no range of DESIGN §4
adds up to; nothing read them. They give way to levels per day: customers converted or slipped
back over the seven days ending on the day and since the end of the month before
(warehouse.movements). The snapshots are marked stale from their first day, so the next refresh
(`cashless db upgrade` runs it) fills the new columns.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TABLES = ("snapshot_office_day", "snapshot_commune_day")
MEASURES = ("converted_week", "slipped_week", "converted_month", "slipped_month")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("converted")
            batch.drop_column("slipped")
            for name in MEASURES:
                batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
    op.execute(
        "UPDATE snapshot_state SET dirty_from = (SELECT MIN(day) FROM snapshot_office_day) "
        "WHERE id = 1 AND EXISTS (SELECT 1 FROM snapshot_office_day)"
    )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            for name in MEASURES:
                batch.drop_column(name)
            batch.add_column(sa.Column("converted", sa.Integer(), nullable=False, server_default="0"))
            batch.add_column(sa.Column("slipped", sa.Integer(), nullable=False, server_default="0"))

"""year forecasts kept in the warehouse, by the figures they were made from

Revision ID: 0013
Revises: 0012

The overview, the targets page and the weekly review forecast every office to the year end: 14 ETS
fits and their simulated paths, 0.25-0.4 s on every first visit and after every cache expiry.
`forecasts` keeps each forecast once made, under a hash of the month-end figures and the settings it
was made from (models.forecast.forecast_key), so a reader finds it whenever the figures are the same.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "forecasts",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("made_at", sa.DateTime(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_forecasts")),
    )


def downgrade() -> None:
    op.drop_table("forecasts")

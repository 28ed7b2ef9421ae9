"""scores counted per office, band and bin for the model page; an index for the candidates' order

Revision ID: 0010
Revises: 0009

The model page read every household's score (640 k rows at 10x, 1.2 s) to draw a histogram of
twenty bins and a table per office; `score_summary` holds those counts, written with the scores
(models.runs) and filled here from the scores already stored. `ix_scores_rank` lets the outreach
candidates (highest scores first, a few hundred shown) stop early instead of sorting every score.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BINS = 20  # models.runs.SCORE_BINS when this revision was written


def upgrade() -> None:
    op.create_table(
        "score_summary",
        sa.Column("model_version", sa.String(40), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("office_code", sa.String(16), nullable=False),
        sa.Column("risk_band", sa.String(8), nullable=False),
        sa.Column("score_bin", sa.Integer(), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("score_sum", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint(
            "model_version", "as_of", "office_code", "risk_band", "score_bin", name=op.f("pk_score_summary")
        ),
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    floor = f"CAST(s.score * {BINS} AS INTEGER)" if sqlite else f"CAST(FLOOR(s.score * {BINS}) AS INTEGER)"
    score_bin = f"CASE WHEN s.score >= 1 THEN {BINS - 1} ELSE {floor} END"
    op.execute(
        "INSERT INTO score_summary (model_version, as_of, office_code, risk_band, score_bin, households, score_sum) "
        f"SELECT s.model_version, s.as_of, c.office_code, s.risk_band, {score_bin}, COUNT(*), SUM(s.score) "
        "FROM scores s JOIN customers c ON c.customer_key = s.customer_key "
        f"GROUP BY s.model_version, s.as_of, c.office_code, s.risk_band, {score_bin}"
    )
    op.create_index("ix_scores_rank", "scores", ["model_version", "as_of", "score"])


def downgrade() -> None:
    op.drop_index("ix_scores_rank", table_name="scores")
    op.drop_table("score_summary")

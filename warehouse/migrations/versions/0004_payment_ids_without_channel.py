"""hashed payment ids keyed without the channel

Revision ID: 0004
Revises: 0003

Payments loaded without a transaction id got 'H' + paid day + 12 hex digits hashed from (customer,
period, day, amount, channel) and their occurrence in the file. The key no longer holds the channel
(a re-export with the channel spelled differently must update, not add): the stored ids are
recomputed as etl/payment_ids.py now makes them, numbering the payments that share a key, so that
re-sending an old file updates its payments instead of adding them again. No schema change.
"""

import re

import numpy as np
import pandas as pd
from alembic import op
from sqlalchemy import text

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

HASHED = re.compile(r"^H\d{8}[0-9a-f]{12}$")


def upgrade() -> None:
    conn = op.get_bind()
    rows = pd.DataFrame(
        conn.execute(
            text(
                "SELECT p.payment_id, c.customer_id, p.bill_period, p.paid_at, p.amount FROM payments p "
                "JOIN customers c ON c.customer_key = p.customer_key WHERE p.payment_id LIKE 'H%'"
            )
        ).all(),
        columns=["payment_id", "customer_id", "bill_period", "paid_at", "amount"],
    )
    rows = rows[rows["payment_id"].astype(str).str.match(HASHED)].sort_values("payment_id")
    if rows.empty:
        return
    new_ids = payment_ids(rows)
    changed = new_ids != rows["payment_id"].to_numpy()
    updates = [
        {"old": old, "new": new}
        for old, new in zip(rows["payment_id"].to_numpy()[changed], new_ids[changed], strict=True)
    ]
    if not updates:
        return
    # Through temporary ids first, so that no new id meets an old one still waiting its turn.
    for step in (("old", "tmp"), ("tmp", "new")):
        conn.execute(
            text("UPDATE payments SET payment_id = :to WHERE payment_id = :from"),
            [{"from": _id(u, step[0]), "to": _id(u, step[1])} for u in updates],
        )


def _id(update: dict, which: str) -> str:
    return "~" + update["old"] if which == "tmp" else update[which]


def payment_ids(rows: pd.DataFrame) -> np.ndarray:
    """The ids etl/payment_ids.py gives these rows (copied here: a migration stays as it was written).

    Rows sharing a natural key are numbered 0, 1, ... across the warehouse, as a file holding them
    all would number them.
    """
    key = pd.DataFrame(
        {
            "customer_id": rows["customer_id"].astype(str).to_numpy(),
            "bill_period": rows["bill_period"].astype("int64").to_numpy(),
            "paid_at": pd.to_datetime(rows["paid_at"].astype(str)).astype("datetime64[s]").to_numpy(),
            "amount": rows["amount"].astype("int64").to_numpy(),
        }
    )
    base = pd.util.hash_pandas_object(key, index=False).to_numpy()
    occurrence = pd.Series(base).groupby(base).cumcount().to_numpy()
    hashed = pd.util.hash_pandas_object(
        pd.DataFrame({"base": base, "occurrence": occurrence}), index=False
    ).to_numpy()
    hex_text = hashed.astype(">u8").tobytes().hex().encode("ascii")
    hex_ids = np.frombuffer(hex_text, dtype="S16").astype(str)
    days = (
        pd.to_datetime(rows["paid_at"].astype(str)).dt.strftime("%Y%m%d").astype(str).reset_index(drop=True)
    )
    return ("H" + days + pd.Series(hex_ids, dtype=str).str.slice(0, 12)).to_numpy(dtype=object)


def downgrade() -> None:
    """The former ids cannot be rebuilt (they held the channel as written); they stay as they are."""

"""The ids given to payments without a transaction id never change between versions.

A re-sent file must get the ids its first load gave, or every payment in it would be stored twice.
The expected ids were written by the first implementation (pandas string concatenation and a
group-by count); the faster one must give them bit for bit.
"""

from __future__ import annotations

import pandas as pd

from etl.payment_ids import PaymentIdHasher

COLUMNS = ["payment_id", "customer_id", "bill_period", "paid_at", "amount"]


def _chunk(rows: list[list]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.assign(paid_at=pd.to_datetime(frame["paid_at"]).astype("datetime64[s]"))


def test_hashed_ids_are_those_earlier_versions_gave() -> None:
    hasher = PaymentIdHasher()
    first = _chunk(
        [
            [None, "PA1101000001", 202501, "2025-02-03", 150000],
            [None, "PA1101000002", 202501, "2025-02-03", 98000],
            [None, "PA1101000001", 202501, "2025-02-03", 150000],  # the same payment twice: two payments
            ["GD-77", "PA1101000003", 202501, "2025-02-04", 10000],  # its own id, kept
        ]
    )
    later = _chunk(
        [
            [None, "PA1101000001", 202501, "2025-02-03", 150000],  # a third one, in a later chunk
            [None, "PA1101000004", 202412, "2025-01-31", 20000],
        ]
    )
    assert hasher.assign(first).tolist() == [
        "H20250203f884342a9e30",
        "H20250203439950b1dced",
        "H202502031ec9ae97d9e6",
        "GD-77",
    ]
    assert hasher.assign(later).tolist() == ["H2025020380f04eb3e189", "H2025013184a3e6dde0be"]


def test_a_new_file_counts_its_payments_afresh() -> None:
    """The occurrence count is per file: the same payment in another file gets the same id."""
    chunk = _chunk([[None, "PA1101000001", 202501, "2025-02-03", 150000]])
    assert PaymentIdHasher().assign(chunk).tolist() == PaymentIdHasher().assign(chunk).tolist()
    assert PaymentIdHasher().assign(chunk).tolist() == ["H20250203f884342a9e30"]

"""Stable payment ids for exports that carry no transaction id (DESIGN §3)."""

from __future__ import annotations

import numpy as np
import pandas as pd

NATURAL_KEY = ["customer_id", "bill_period", "paid_at", "amount"]


class PaymentIdHasher:
    """Hash of the natural key (customer_id, bill_period, paid_at, amount) and its occurrence in the file.

    The occurrence index counts rows with the same key across all chunks of one file: two identical
    payments in one file are two payments, and the same payment in another file (a re-send, an
    overlapping export) gets the same id, so it is one payment. A file holding a key more often
    than earlier files adds the extra ones. The channel is left out of the key: a re-export with the
    channel spelled differently (or corrected) updates the payment instead of adding a second one.
    """

    def __init__(self) -> None:
        self._seen = pd.Series(dtype="int64")

    def assign(self, payments: pd.DataFrame) -> pd.Series:
        """The row's own payment_id where given, else the stable id 'H' + paid date + 12 hex digits."""
        given = payments["payment_id"]
        missing = given.isna()
        if not missing.any():
            return given
        rows = payments.loc[missing, NATURAL_KEY]
        base = pd.util.hash_pandas_object(rows, index=False).to_numpy()
        occurrence = pd.Series(base).groupby(base).cumcount().to_numpy()
        earlier = self._seen.reindex(base).fillna(0).to_numpy(dtype="int64")
        occurrence = occurrence + earlier
        counts = pd.Series(base).value_counts()
        self._seen = self._seen.add(counts, fill_value=0).astype("int64")
        ids = pd.util.hash_pandas_object(
            pd.DataFrame({"base": base, "occurrence": occurrence}), index=False
        ).to_numpy()
        hex_text = ids.astype(">u8").tobytes().hex().encode("ascii")
        hex_ids = pd.Series(np.frombuffer(hex_text, dtype="S16").astype(str), dtype=str)
        # The paid date leads the id so a month's new ids land together in the unique index.
        days = _compact_days(rows["paid_at"])
        result = given.astype(object)
        result[missing] = ("H" + days + hex_ids.str.slice(0, 12)).to_numpy()
        return result


def _compact_days(paid_at: pd.Series) -> pd.Series:
    """'YYYYMMDD' of each date, formatted once per distinct day (a month's file has ~30)."""
    codes, distinct = pd.factorize(paid_at)
    text = np.asarray(pd.DatetimeIndex(distinct).strftime("%Y%m%d"), dtype=object)
    return pd.Series(text[codes], dtype=str)

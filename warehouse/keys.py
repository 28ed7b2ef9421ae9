"""Arrays indexed by customer_key: the warehouse's keys are small dense integers, so looking a
customer's value up is an array index, not a join or a hash."""

from __future__ import annotations

import numpy as np
import pandas as pd


def by_key(customer_keys, values, fill: int = -1) -> np.ndarray:
    """`values` in an array indexed by customer_key, `fill` where there is no such customer."""
    keys = np.asarray(customer_keys, dtype=np.int64)
    out = np.full(int(keys.max()) + 1 if len(keys) else 1, fill, dtype=np.int64)
    out[keys] = values
    return out


def customer_offices(customer_keys, office_codes) -> tuple[np.ndarray, pd.Index]:
    """Each customer's office as a position in the returned codes, in an array indexed by
    customer_key (-1 where there is no such customer)."""
    positions, codes = pd.factorize(pd.Series(office_codes))
    return by_key(customer_keys, positions), codes

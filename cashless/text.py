"""Text normalisation shared by the ETL: header and channel matching ignore case, accents and spacing."""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

_SPACES = re.compile(r"\s+")


def fold_text(text: str) -> str:
    """Case-, accent- and whitespace-insensitive key: 'Thu  tại Quầy ' -> 'thu tai quay'."""
    decomposed = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped).strip().casefold()


def fold_series(values: pd.Series) -> pd.Series:
    """fold_text over a Series, computed once per distinct value (raw channel names repeat a lot)."""
    uniques = pd.unique(values.dropna())
    mapping = {value: fold_text(value) for value in uniques}
    return values.map(mapping)

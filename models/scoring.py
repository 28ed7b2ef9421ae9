"""Scores, risk bands and reasons for every household active and not cashless on a day."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from cashless.settings import ModelSettings
from models.features import FEATURES
from models.reasons import explain, scores_and_effects

BANDS = ("low", "medium", "high")


def risk_bands(scores: pd.Series | np.ndarray, cutoffs: tuple[float, float]) -> np.ndarray:
    """'low' below the first cut-off, 'high' from the second on, 'medium' in between."""
    values = np.asarray(scores, dtype=float)
    return np.array(BANDS, dtype=object)[np.searchsorted(np.asarray(cutoffs), values, side="right")]


def score_households(
    pipeline: Pipeline,
    references: dict,
    features: pd.DataFrame,
    settings: ModelSettings,
    reason_features: list[str] | tuple[str, ...] = FEATURES,
) -> pd.DataFrame:
    """score, risk_band, reason_1..3 (codes), reasons_vi, reasons_en per household (features' index).

    Only `reason_features` (those that helped the model on the backtest) are offered as reasons.
    """
    if features.empty:
        columns = ["score", "risk_band", "reason_1", "reason_2", "reason_3", "reasons_vi", "reasons_en"]
        return pd.DataFrame(columns=columns, index=features.index)
    score, effects = scores_and_effects(pipeline, features, references, reason_features)
    reasons = explain(effects, features, references, settings.reason_min_effect, settings.history_months)
    frame = pd.DataFrame(
        {"score": score, "risk_band": risk_bands(score, settings.risk_band_cutoffs)}, index=features.index
    )
    return frame.join(reasons)

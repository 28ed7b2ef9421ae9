"""Why a household scores high: per-household feature effects read off the fitted model.

For each feature, the effect on a household is how much its predicted score drops when that one
feature is set to the value typical of households that did go cashless (the reference) and all
its other features are kept: effect = p(x) - p(x with feature := reference). The three largest
positive effects become its reasons, worded through cashless/texts.py. These are one-at-a-time
counterfactuals, not Shapley values: they ignore interactions between features, and features that
carry the same fact (never paid cashless) are merged under one reason.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from cashless.texts import REASONS, text
from models.features import BOOLEAN, CATEGORICAL, FEATURES, NUMERIC
from models.trees import TreeEnsemble

PAYMENT_FEATURES = {
    "payments_6m",
    "paid_months_6m",
    "cashless_share_6m",
    "counter_share_6m",
    "collector_share_6m",
    "mean_days_late",
    "late_share_6m",
    "bill_level",
}
# The reason for a missing value: it means the same fact whichever feature is missing.
MISSING_REASON = {"months_since_slip": "never_cashless", "bill_trend": "no_recent_payment"} | {
    feature: "no_payments_6m" for feature in PAYMENT_FEATURES
}
# Features that say the same thing in other words share one reason.
SAME_REASON = {"late_share_6m_high": "mean_days_late_high", "late_share_6m_low": "mean_days_late_low"}
TOP_REASONS = 3


def reason_references(features: pd.DataFrame, labels: pd.Series, min_share: float = 0.01) -> dict:
    """The reference value per feature, from training snapshots.

    Numbers: the median among households that converted (label 0). Categories and yes/no features:
    the level whose households most often converted (among levels with at least `min_share` of rows).
    """
    labels = labels.reindex(features.index)
    references = {}
    for feature in CATEGORICAL + BOOLEAN:
        rates = labels.groupby(features[feature]).agg(["mean", "size"])
        rates = rates[rates["size"] >= min_share * len(labels)]
        references[feature] = _plain(rates["mean"].idxmin())
    converted = features[labels == 0]
    for feature in NUMERIC:
        values = converted[feature].to_numpy(dtype=float)
        references[feature] = float(np.nanmedian(values)) if np.isfinite(values).any() else 0.0
    return references


def _plain(value):
    """numpy scalars as plain Python values (they go into JSON and joblib alike)."""
    return value.item() if hasattr(value, "item") else value


def feature_effects(
    pipeline: Pipeline, features: pd.DataFrame, references: dict, candidates: list[str] | tuple[str, ...]
) -> pd.DataFrame:
    """Per household and candidate feature: its score minus its score with that feature at the reference."""
    return scores_and_effects(pipeline, features, references, candidates)[1]


def scores_and_effects(
    pipeline: Pipeline, features: pd.DataFrame, references: dict, candidates: list[str] | tuple[str, ...]
) -> tuple[np.ndarray, pd.DataFrame]:
    """The pipeline's score of each household and the effects of feature_effects, in one pass.

    Exactly what predict_proba gives on the households and on each changed copy, the copies' leaves
    found by table lookups (models/trees.py) instead of predicting every copy through every tree.
    """
    columns, model = pipeline[:-1], pipeline[-1]
    encoded = columns.transform(features[list(FEATURES)])
    trees = TreeEnsemble(model, columns.transform(pd.DataFrame([references])[list(FEATURES)])[0])
    position = {name: i for i, name in enumerate(columns.get_feature_names_out())}
    score = np.empty(len(encoded))
    effects = np.zeros((len(encoded), len(candidates)))
    for start in range(0, len(encoded), ROWS_AT_ONCE):
        patterns, leaves = trees.leaves(trees.prepare(encoded[start : start + ROWS_AT_ONCE]))
        contributions = trees.contributions(leaves)
        score[start : start + leaves.shape[1]] = trees.probability(contributions)
        for k, feature in enumerate(candidates):
            moved, changed = trees.changed(patterns, contributions, position[feature])
            effects[start + moved, k] = score[start + moved] - changed
    return score, pd.DataFrame(effects, index=features.index, columns=list(candidates))


ROWS_AT_ONCE = 65_536  # households whose decisions and leaves (one per tree) are held at once


def reason_codes(features: pd.DataFrame, references: dict) -> pd.DataFrame:
    """Per household and feature: the reason code that feature's effect would be reported under."""
    ids, vocabulary = _code_ids(features, references, FEATURES)
    return pd.DataFrame(vocabulary[ids], index=features.index, columns=list(FEATURES))


def _code_ids(features: pd.DataFrame, references: dict, names) -> tuple[np.ndarray, np.ndarray]:
    """reason_codes as integers (households x `names`) and the code each integer stands for.

    Each feature picks among a few codes (low, high, missing; phone or not; ...), so the codes are
    worked out once per feature and only their positions are computed per household.
    """
    vocabulary: dict[str, int] = {}

    def among(words: list[str], choice: np.ndarray) -> np.ndarray:
        ids = [vocabulary.setdefault(SAME_REASON.get(word, word), len(vocabulary)) for word in words]
        return np.array(ids, dtype=np.int64)[choice]

    columns = []
    for feature in names:
        values = features[feature]
        if feature == "office_code":
            columns.append(among(["office_slow"], np.zeros(len(values), dtype=np.int64)))
        elif feature == "customer_type":
            choice, types = pd.factorize(values.astype(str))
            columns.append(among([f"type_{name}" for name in types], choice))
        elif feature == "has_phone":
            columns.append(among(["no_phone", "has_phone"], (values == 1).to_numpy(dtype=np.int64)))
        elif feature == "ever_cashless":
            columns.append(
                among(["never_cashless", "went_back_to_cash"], (values == 1).to_numpy(dtype=np.int64))
            )
        else:
            numbers = values.to_numpy(dtype=float)
            choice = np.where(np.isnan(numbers), 2, np.where(numbers < references[feature], 0, 1))
            missing = MISSING_REASON.get(feature, f"{feature}_low")
            columns.append(among([f"{feature}_low", f"{feature}_high", missing], choice))
    ids = np.column_stack(columns) if columns else np.zeros((len(features), 0), dtype=np.int64)
    return ids, np.array(list(vocabulary), dtype=object)


def top_reasons(
    effects: pd.DataFrame, codes: pd.DataFrame, min_effect: float, top: int = TOP_REASONS
) -> pd.DataFrame:
    """reason_1..reason_{top}: the codes with the largest effects above `min_effect` (None if fewer).

    Features reported under the same code count once, with their largest effect; equal effects keep
    the order of the effects' columns.
    """
    ids, vocabulary = pd.factorize(codes[effects.columns].to_numpy(dtype=object).ravel())
    chosen = _top_ids(effects.to_numpy(dtype=float), ids.reshape(len(effects), -1), min_effect, top)
    return _named(chosen, np.asarray(vocabulary, dtype=object), effects.index)


def explain(
    effects: pd.DataFrame, features: pd.DataFrame, references: dict, min_effect: float, months: int
) -> pd.DataFrame:
    """top_reasons of reason_codes, and their reason_text in Vietnamese and English (reasons_vi,
    reasons_en), worked out on integer codes: what scoring writes for every household."""
    ids, vocabulary = _code_ids(features, references, effects.columns)
    chosen = _top_ids(effects.to_numpy(dtype=float), ids, min_effect, TOP_REASONS)
    frame = _named(chosen, vocabulary, effects.index)
    for lang in ("vi", "en"):
        frame[f"reasons_{lang}"] = _texts(chosen, vocabulary, lang, months, effects.index)
    return frame


def _named(chosen: np.ndarray, vocabulary: np.ndarray, index: pd.Index) -> pd.DataFrame:
    """reason_1.. columns of code names from integer codes (-1: None)."""
    names = np.append(vocabulary, None)  # -1 picks the None
    columns = [f"reason_{k}" for k in range(1, chosen.shape[1] + 1)]
    return pd.DataFrame(names[chosen], index=index, columns=columns, dtype=object)


def _top_ids(effects: np.ndarray, ids: np.ndarray, min_effect: float, top: int) -> np.ndarray:
    """Per row, the ids of the `top` largest effects above `min_effect`, one per id (-1: none).

    An id met again in a later column is folded into its first column, which keeps the larger
    effect; a stable sort then ranks the columns, so ties go to the earlier column.
    """
    effects = np.where(effects > min_effect, effects, -np.inf)
    for j in range(1, effects.shape[1]):
        for i in range(j):  # the first live column with the same id, if any, takes column j
            same = (ids[:, i] == ids[:, j]) & (effects[:, i] > -np.inf) & (effects[:, j] > -np.inf)
            effects[same, i] = np.maximum(effects[same, i], effects[same, j])
            effects[same, j] = -np.inf
    ranked = np.argsort(-effects, axis=1, kind="stable")[:, :top]
    chosen = np.take_along_axis(ids, ranked, axis=1)
    chosen = np.where(np.take_along_axis(effects, ranked, axis=1) > -np.inf, chosen, -1)
    if chosen.shape[1] < top:  # fewer candidate features than reasons asked for
        chosen = np.pad(chosen, ((0, 0), (0, top - chosen.shape[1])), constant_values=-1)
    return chosen


def reason_text(codes: pd.DataFrame, lang: str, months: int) -> pd.Series:
    """The reasons of each row as one line of text ('; '-separated) in `lang`."""
    ids, vocabulary = pd.factorize(codes.to_numpy(dtype=object).ravel())  # None -> -1
    return _texts(ids.reshape(codes.shape), np.asarray(vocabulary, dtype=object), lang, months, codes.index)


def _texts(ids: np.ndarray, vocabulary: np.ndarray, lang: str, months: int, index: pd.Index) -> pd.Series:
    """reason_text of integer codes (-1: none), worked out once per distinct combination of reasons
    (a few thousand) and spread to the rows."""
    if len(ids) == 0:
        return pd.Series("", index=index, dtype=object)
    words = {code: text(REASONS, code, lang, months=months) for code in REASONS}
    combination = np.zeros(len(ids), dtype=np.int64)
    for column in ids.T:  # one integer per combination of reasons
        combination = combination * (len(vocabulary) + 1) + column + 1
    _, first, rows = np.unique(combination, return_index=True, return_inverse=True)
    lines = [
        "; ".join(words[vocabulary[i]] for i in ids[row] if i >= 0 and vocabulary[i] in words)
        for row in first
    ]
    return pd.Series(np.array(lines, dtype=object)[rows], index=index, dtype=object)

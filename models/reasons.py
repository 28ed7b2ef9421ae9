"""Why a household scores high: per-household feature effects read off the fitted model.

For each feature, the effect on a household is how much its predicted score drops when that one
feature is set to the value typical of households that did go cashless (the reference) and all
its other features are kept: effect = p(x) - p(x with feature := reference). The three largest
positive effects become its reasons, worded through cashless/texts.py. These are one-at-a-time
counterfactuals, not Shapley values: they ignore interactions between features, and features that
carry the same fact (never paid cashless) are merged under one reason.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from cashless.texts import REASONS, text
from models.features import BOOLEAN, CATEGORICAL, FEATURES, NUMERIC

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

    A household changed in one feature can only reach another leaf in a tree whose path for the
    household splits on that feature: only those (household, tree) pairs are run again, every other
    leaf is the one the household already has. The raw score is summed tree by tree in the model's
    own order, so scores and effects are exactly what predict_proba gives on each changed copy
    (tests/models/test_reasons.py checks it), at about a sixth of the tree evaluations.
    """
    columns, model = pipeline[:-1], pipeline[-1]
    encoded = columns.transform(features[list(FEATURES)])
    reference = columns.transform(pd.DataFrame([references])[list(FEATURES)])
    position = {name: i for i, name in enumerate(columns.get_feature_names_out())}
    trees = _Trees(model)
    reference = trees.prepare(reference)[0]
    score = np.empty(len(encoded))
    effects = np.zeros((len(encoded), len(candidates)))
    for start in range(0, len(encoded), ROWS_AT_ONCE):
        rows = slice(start, start + ROWS_AT_ONCE)
        block = trees.prepare(encoded[rows])
        leaves = trees.leaves(block)
        score[rows] = trees.probability(leaves)
        for k, feature in enumerate(candidates):
            j = position[feature]
            differs = ~(encoded[rows, j] == reference[j])  # NaN (missing) differs from any value
            moved, changed = trees.moved(block, leaves, differs, j, reference[j])
            if len(moved):
                effects[start + moved, k] = score[start + moved] - trees.probability(changed)
    return score, pd.DataFrame(effects, index=features.index, columns=list(candidates))


ROWS_AT_ONCE = 65_536  # households whose leaves (one per tree) are held at once


class _Trees:
    """The fitted HistGradientBoostingClassifier tree by tree (scikit-learn internals, pinned version).

    Each tree is also copied with its leaves holding their own node number, so that running it
    tells which leaf a row reaches. prepare: the model's own input checks and category encoding;
    leaves: each tree's leaf per row; probability: the model's sum of leaf values and its link.
    A scikit-learn upgrade that moves these shows in tests/models/test_reasons.py.
    """

    def __init__(self, model) -> None:
        from sklearn.utils._openmp_helpers import _openmp_effective_n_threads

        self.model = model
        self.values, self.finders = [], []
        self.paths: dict[
            int, list[tuple[int, np.ndarray]]
        ] = {}  # feature -> (tree, nodes whose path tests it)
        for t, (tree,) in enumerate(model._predictors):  # one tree per iteration (binary)
            self.values.append(tree.nodes["value"].copy())
            finder = copy.copy(tree)
            finder.nodes = tree.nodes.copy()
            finder.nodes["value"] = np.arange(len(tree.nodes))
            self.finders.append(finder)
            on_path = _features_on_path(tree.nodes, model.n_features_in_)
            for j in np.flatnonzero(on_path.any(axis=0)):
                self.paths.setdefault(int(j), []).append((t, on_path[:, j]))
        self.bitsets, self.feature_map = model._bin_mapper.make_known_categories_bitsets()
        self.threads = _openmp_effective_n_threads()

    def prepare(self, encoded: np.ndarray) -> np.ndarray:
        return self.model._preprocess_X(encoded, reset=False)

    def _leaf(self, t: int, rows: np.ndarray) -> np.ndarray:
        return self.finders[t].predict(rows, self.bitsets, self.feature_map, self.threads).astype(np.int32)

    def leaves(self, rows: np.ndarray) -> np.ndarray:
        """The leaf (node number) each row reaches in each tree: trees x rows."""
        return np.stack([self._leaf(t, rows) for t in range(len(self.finders))])

    def moved(
        self, block: np.ndarray, leaves: np.ndarray, differs: np.ndarray, j: int, value: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """The rows that reach another leaf somewhere with feature `j` set to `value`, and all their leaves."""
        moves, hit = [], np.zeros(len(differs), dtype=bool)
        for t, tested in self.paths.get(j, []):
            again = np.flatnonzero(differs & tested[leaves[t]])
            if len(again):
                changed = block[again]
                changed[:, j] = value
                leaf = self._leaf(t, changed)
                other = leaf != leaves[t, again]
                moves.append((t, again[other], leaf[other]))
                hit[again[other]] = True
        rows = np.flatnonzero(hit)
        changed, position = leaves[:, rows], np.cumsum(hit) - 1
        for t, moved_rows, leaf in moves:
            changed[t, position[moved_rows]] = leaf
        return rows, changed

    def probability(self, leaves: np.ndarray) -> np.ndarray:
        """predict_proba's positive class from each tree's leaf, summed in the model's order."""
        raw = np.zeros(leaves.shape[1]) + self.model._baseline_prediction[0]
        for values, leaf in zip(self.values, leaves):
            raw += values[leaf]
        return self.model._loss.predict_proba(raw)[:, 1]


def _features_on_path(nodes: np.ndarray, n_features: int) -> np.ndarray:
    """Per node of a tree: which features the splits from the root down to it test (nodes x features)."""
    on_path = np.zeros((len(nodes), n_features), dtype=bool)
    stack = [0]
    while stack:  # a walk over the tree's few nodes
        node = stack.pop()
        if not nodes["is_leaf"][node]:
            for child in (nodes["left"][node], nodes["right"][node]):
                on_path[child] = on_path[node]
                on_path[child, nodes["feature_idx"][node]] = True
                stack.append(child)
    return on_path


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

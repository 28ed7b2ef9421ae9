"""The fitted gradient boosting model tree by tree, for the reasons (models/reasons.py).

scikit-learn scores a row by summing, tree after tree, the value of the leaf the row reaches. The
reasons need that sum again for every household with one feature set to its reference value, for
about ten features: ten more predictions of every tree. Instead, a row's decision at each split of
a tree (left or not) is worked out once, the decisions packed into one integer per tree, and a
table per tree maps that integer to the leaf. Setting feature j to the reference only overwrites
the bits of the splits on j with the reference's own decisions, so a changed copy's leaf is a table
lookup. Leaf values are summed in the model's order, so scores and effects are exactly what
predict_proba gives; the decisions are checked against scikit-learn's own predictor on every row.

Uses scikit-learn internals of the pinned version (tree predictors, bitsets, the model's encoder
and loss): a version that moves them fails here loudly and in tests/models/test_reasons.py.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

MAX_SPLITS = 16  # splits per tree: a tree's table has 2**splits entries


@dataclass
class _Tree:
    values: np.ndarray  # leaf value by node number
    finder: object  # the tree with each leaf's value set to its node number: predicts the leaf
    splits: np.ndarray  # node numbers of the splits; split s is bit s of a decision pattern
    table: np.ndarray  # decision pattern -> leaf node number


class TreeEnsemble:
    """A fitted binary HistGradientBoostingClassifier's trees, and `reference` (an encoded row) as the
    value every feature can be set to."""

    def __init__(self, model, reference: np.ndarray) -> None:
        from sklearn.utils._openmp_helpers import _openmp_effective_n_threads

        self.model = model
        self.threads = _openmp_effective_n_threads()
        self.known, self.feature_map = model._bin_mapper.make_known_categories_bitsets()
        self.reference = self.prepare(reference.reshape(1, -1))
        self.trees = [self._tree(tree) for (tree,) in model._predictors]  # one tree per iteration
        # per feature: (tree, pattern -> leaf with the feature at the reference, pattern -> whether
        # that is another leaf), for the trees that split on it
        self.on: dict[int, list[tuple[int, np.ndarray, np.ndarray]]] = {}
        for t, tree in enumerate(self.trees):
            tested = tree.finder.nodes["feature_idx"][tree.splits]
            forced = int(self._patterns(tree, self.reference.T, list(np.isnan(self.reference.T)))[0])
            patterns = np.arange(len(tree.table))
            for j in np.unique(tested):
                mask = int(sum(1 << s for s in np.flatnonzero(tested == j)))
                table = tree.table[(patterns & ~mask) | (forced & mask)]
                self.on.setdefault(int(j), []).append((t, table, table != tree.table))

    def prepare(self, encoded: np.ndarray) -> np.ndarray:
        """The pipeline's encoded rows as the model reads them (its own checks and category codes)."""
        return self.model._preprocess_X(encoded, reset=False)

    def _tree(self, tree) -> _Tree:
        nodes = tree.nodes
        splits = np.flatnonzero(nodes["is_leaf"] == 0)
        if len(splits) > MAX_SPLITS:
            raise ValueError(f"a tree with {len(splits)} splits: reasons handle at most {MAX_SPLITS}")
        finder = copy.copy(tree)
        finder.nodes = nodes.copy()
        finder.nodes["value"] = np.arange(len(nodes))
        bit = np.full(len(nodes), -1)
        bit[splits] = np.arange(len(splits))
        patterns = np.arange(2 ** len(splits))
        node = np.zeros(len(patterns), dtype=np.int64)
        for _ in range(len(splits)):  # walk every pattern down the tree, one level at a time
            left = (patterns >> np.maximum(bit[node], 0)) & 1 == 1
            step = np.where(left, nodes["left"][node], nodes["right"][node])
            node = np.where(nodes["is_leaf"][node] == 1, node, step)
        return _Tree(nodes["value"].copy(), finder, splits, node.astype(np.int32))

    def _goes_left(self, tree: _Tree, s: int, values: np.ndarray, nan: np.ndarray | None) -> np.ndarray:
        """Whether each of `values` goes left at split `s` (as _predictor.pyx decides); `nan`: where
        they are missing (None: nowhere)."""
        node = tree.finder.nodes[tree.splits[s]]
        missing = bool(node["missing_go_to_left"])
        if not node["is_categorical"]:
            left = values <= node["num_threshold"]
            return left | nan if missing and nan is not None else left
        invalid = np.isnan(values) | (values < 0)
        code = np.where(invalid, 0, values).astype(np.uint8)  # the predictor's cast
        left = _bits(tree.finder.raw_left_cat_bitsets[node["bitset_idx"]])[code]
        known = _bits(self.known[self.feature_map[node["feature_idx"]]])[code]
        return np.where(invalid | ~(left | known), missing, left)

    def _patterns(self, tree: _Tree, columns: np.ndarray, missing: list) -> np.ndarray:
        """Each row's decisions at the tree's splits as one integer (`columns`: features x rows)."""
        pattern = np.zeros(columns.shape[1], dtype=np.int32)
        for s, node in enumerate(tree.splits):
            f = tree.finder.nodes["feature_idx"][node]
            pattern |= self._goes_left(tree, s, columns[f], missing[f]).astype(np.int32) << s
        return pattern

    def leaves(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Decision patterns and leaves (node numbers) of prepared `rows` in every tree: trees x rows."""
        columns = np.ascontiguousarray(rows.T)
        missing = [nan if nan.any() else None for nan in np.isnan(columns)]
        patterns = np.stack([self._patterns(tree, columns, missing) for tree in self.trees])
        leaves = np.stack([tree.table[pattern] for tree, pattern in zip(self.trees, patterns)])
        for tree, leaf in zip(self.trees, leaves):
            found = tree.finder.predict(rows, self.known, self.feature_map, self.threads)
            if not np.array_equal(found, leaf):
                raise RuntimeError("tree decisions differ from scikit-learn's predictor: see models/trees.py")
        return patterns, leaves

    def contributions(self, leaves: np.ndarray) -> np.ndarray:
        """Each tree's leaf value per row (trees x rows)."""
        return np.stack([tree.values[leaf] for tree, leaf in zip(self.trees, leaves)])

    def probability(self, contributions: np.ndarray) -> np.ndarray:
        """predict_proba's positive class: the trees' values summed in the model's order, then the link."""
        raw = np.zeros(contributions.shape[1]) + self.model._baseline_prediction[0]
        for values in contributions:
            raw += values
        return self.model._loss.predict_proba(raw)[:, 1]

    def changed(
        self, patterns: np.ndarray, contributions: np.ndarray, j: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """The rows that reach another leaf somewhere with feature `j` at the reference, and their
        probability so (the unchanged trees' values reused, all summed in the model's order)."""
        trees = self.on.get(j, [])
        hit = np.zeros(contributions.shape[1], dtype=bool)
        for t, _, moves in trees:
            hit |= moves[patterns[t]]
        rows = np.flatnonzero(hit)
        tables = {t: table for t, table, _ in trees}
        raw = np.zeros(len(rows)) + self.model._baseline_prediction[0]
        for t, tree in enumerate(self.trees):
            raw += tree.values[tables[t][patterns[t, rows]]] if t in tables else contributions[t, rows]
        return rows, self.model._loss.predict_proba(raw)[:, 1]


def _bits(words: np.ndarray) -> np.ndarray:
    """A scikit-learn bitset (uint32 words) as 256 booleans, category code -> member."""
    return np.unpackbits(np.asarray(words, dtype="<u4").view(np.uint8), bitorder="little").astype(bool)

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
        # per feature: (tree, bits of its splits on the feature, the reference's decisions there)
        self.on: dict[int, list[tuple[int, int, int]]] = {}
        for t, tree in enumerate(self.trees):
            tested = tree.finder.nodes["feature_idx"][tree.splits]
            forced = self._patterns(tree, self.reference)[0]
            for j in np.unique(tested):
                mask = int(sum(1 << s for s in np.flatnonzero(tested == j)))
                self.on.setdefault(int(j), []).append((t, mask, int(forced) & mask))

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

    def _goes_left(self, tree: _Tree, s: int, values: np.ndarray) -> np.ndarray:
        """Whether each of `values` goes left at split `s` (as _predictor.pyx decides)."""
        node = tree.finder.nodes[tree.splits[s]]
        missing = bool(node["missing_go_to_left"])
        if not node["is_categorical"]:
            return (values <= node["num_threshold"]) | (np.isnan(values) & missing)
        invalid = np.isnan(values) | (values < 0)
        code = np.where(invalid, 0, values).astype(np.uint8)  # the predictor's cast
        left = _bits(tree.finder.raw_left_cat_bitsets[node["bitset_idx"]])[code]
        known = _bits(self.known[self.feature_map[node["feature_idx"]]])[code]
        return np.where(invalid | ~(left | known), missing, left)

    def _patterns(self, tree: _Tree, rows: np.ndarray) -> np.ndarray:
        pattern = np.zeros(len(rows), dtype=np.int32)
        for s, node in enumerate(tree.splits):
            column = rows[:, tree.finder.nodes["feature_idx"][node]]
            pattern |= self._goes_left(tree, s, column).astype(np.int32) << s
        return pattern

    def leaves(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Decision patterns and leaves (node numbers) of prepared `rows` in every tree: trees x rows."""
        patterns = np.stack([self._patterns(tree, rows) for tree in self.trees])
        leaves = np.stack([tree.table[pattern] for tree, pattern in zip(self.trees, patterns)])
        for tree, leaf in zip(self.trees, leaves):
            found = tree.finder.predict(rows, self.known, self.feature_map, self.threads)
            if not np.array_equal(found, leaf):
                raise RuntimeError("tree decisions differ from scikit-learn's predictor: see models/trees.py")
        return patterns, leaves

    def moved(self, patterns: np.ndarray, leaves: np.ndarray, j: int) -> tuple[np.ndarray, np.ndarray]:
        """The rows that reach another leaf somewhere with feature `j` at the reference, and all their
        leaves so (trees x those rows)."""
        moves, hit = [], np.zeros(leaves.shape[1], dtype=bool)
        for t, mask, forced in self.on.get(j, []):
            leaf = self.trees[t].table[(patterns[t] & ~mask) | forced]
            other = leaf != leaves[t]
            moves.append((t, leaf, other))
            hit |= other
        rows = np.flatnonzero(hit)
        changed = leaves[:, rows]
        for t, leaf, _ in moves:
            changed[t] = leaf[rows]
        return rows, changed

    def probability(self, leaves: np.ndarray) -> np.ndarray:
        """predict_proba's positive class from each tree's leaf (trees x rows), summed in the model's order."""
        raw = np.zeros(leaves.shape[1]) + self.model._baseline_prediction[0]
        for tree, leaf in zip(self.trees, leaves):
            raw += tree.values[leaf]
        return self.model._loss.predict_proba(raw)[:, 1]


def _bits(words: np.ndarray) -> np.ndarray:
    """A scikit-learn bitset (uint32 words) as 256 booleans, category code -> member."""
    return np.unpackbits(np.asarray(words, dtype="<u4").view(np.uint8), bitorder="little").astype(bool)

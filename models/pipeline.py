"""The scikit-learn pipelines: the outreach model and the two baselines it must beat (DESIGN §6)."""

from __future__ import annotations

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OrdinalEncoder

from cashless.settings import ModelSettings
from models.features import BOOLEAN, CATEGORICAL, NUMERIC

# Baselines: one feature each, turned into a probability by a one-variable logistic regression fitted
# on the same training snapshots, so Brier and calibration are comparable. The ranking is the rule's.
BASELINES = {
    "commune_rate": "commune_cashless_rate",  # (a) the commune's cashless rate: low rate, high score
    "never_cashless": "ever_cashless",  # (b) "has never paid cashless"
}


def make_pipeline(settings: ModelSettings) -> Pipeline:
    """Categories ordinal-encoded (unknown -> missing) and numbers as they are, into gradient boosting."""
    columns = ColumnTransformer(
        [
            (
                "categories",
                OrdinalEncoder(
                    handle_unknown="use_encoded_value", unknown_value=np.nan, encoded_missing_value=np.nan
                ),
                list(CATEGORICAL),
            ),
            ("numbers", "passthrough", list(BOOLEAN + NUMERIC)),
        ],
        verbose_feature_names_out=False,
    )
    model = HistGradientBoostingClassifier(
        categorical_features=list(range(len(CATEGORICAL))),
        learning_rate=settings.learning_rate,
        max_iter=settings.max_iter,
        max_leaf_nodes=settings.max_leaf_nodes,
        min_samples_leaf=settings.min_samples_leaf,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=10,
        random_state=settings.seed,
    )
    return Pipeline([("columns", columns), ("model", model)])


def make_baseline(name: str) -> Pipeline:
    """The baseline `name` (a key of BASELINES) as a pipeline over the same feature frame."""
    feature = BASELINES[name]
    return Pipeline(
        [
            ("columns", ColumnTransformer([("rule", "passthrough", [feature])])),
            ("model", LogisticRegression()),
        ]
    )

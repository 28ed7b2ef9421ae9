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
    """Per household and candidate feature: its score minus its score with that feature at the reference.

    Works on the encoded matrix (one column per feature): each feature adds the households whose
    value differs from the reference to one stacked prediction.
    """
    columns, model = pipeline[:-1], pipeline[-1]
    encoded = columns.transform(features[list(FEATURES)])
    reference = columns.transform(pd.DataFrame([references])[list(FEATURES)])[0]
    position = {name: i for i, name in enumerate(columns.get_feature_names_out())}
    score = model.predict_proba(encoded)[:, 1]
    # every changed copy in one matrix and one prediction: far cheaper than one call per feature
    rows, blocks = [], []
    for feature in candidates:
        j = position[feature]
        differs = np.flatnonzero(~(encoded[:, j] == reference[j]))  # NaN (missing) differs from any value
        changed = encoded[differs]
        changed[:, j] = reference[j]
        rows.append(differs)
        blocks.append(changed)
    changed_scores = model.predict_proba(np.concatenate(blocks))[:, 1] if blocks else np.empty(0)
    effects, start = {}, 0
    for feature, differs in zip(candidates, rows):
        effect = np.zeros(len(encoded))
        effect[differs] = score[differs] - changed_scores[start : start + len(differs)]
        effects[feature] = effect
        start += len(differs)
    return pd.DataFrame(effects, index=features.index)


def reason_codes(features: pd.DataFrame, references: dict) -> pd.DataFrame:
    """Per household and feature: the reason code that feature's effect would be reported under."""
    codes = {}
    for feature in FEATURES:
        values = features[feature]
        if feature == "office_code":
            codes[feature] = pd.Series("office_slow", index=features.index)
        elif feature == "customer_type":
            codes[feature] = "type_" + values.astype(str)
        elif feature == "has_phone":
            codes[feature] = pd.Series(np.where(values == 1, "has_phone", "no_phone"), index=features.index)
        elif feature == "ever_cashless":
            codes[feature] = pd.Series(
                np.where(values == 1, "went_back_to_cash", "never_cashless"), index=features.index
            )
        else:
            numbers = values.to_numpy(dtype=float)
            direction = np.where(numbers < references[feature], f"{feature}_low", f"{feature}_high")
            missing = MISSING_REASON.get(feature, f"{feature}_low")
            codes[feature] = pd.Series(np.where(np.isnan(numbers), missing, direction), index=features.index)
    return pd.DataFrame(codes, index=features.index).replace(SAME_REASON)


def top_reasons(
    effects: pd.DataFrame, codes: pd.DataFrame, min_effect: float, top: int = TOP_REASONS
) -> pd.DataFrame:
    """reason_1..reason_{top}: the codes with the largest effects above `min_effect` (None if fewer)."""
    long = pd.DataFrame(
        {
            "row": np.repeat(np.arange(len(effects)), effects.shape[1]),
            "code": codes[effects.columns].to_numpy().ravel(),
            "effect": effects.to_numpy().ravel(),
        }
    )
    long = long[long["effect"] > min_effect]
    long = long.groupby(["row", "code"], sort=False)["effect"].max().reset_index()
    long = long.sort_values(["row", "effect"], ascending=[True, False], kind="stable")
    long["rank"] = long.groupby("row").cumcount() + 1
    long = long[long["rank"] <= top]
    wide = long.pivot(index="row", columns="rank", values="code").reindex(
        index=range(len(effects)), columns=range(1, top + 1)
    )
    wide.columns = [f"reason_{k}" for k in wide.columns]
    wide.index = effects.index
    return wide.astype(object).where(wide.notna(), None)


def reason_text(codes: pd.DataFrame, lang: str, months: int) -> pd.Series:
    """The reasons of each row as one line of text ('; '-separated) in `lang`."""
    words = {code: text(REASONS, code, lang, months=months) for code in REASONS}
    joined = pd.Series("", index=codes.index, dtype=object)
    for column in codes.columns:
        part = codes[column].map(words)
        joined = joined.where(part.isna(), joined.where(joined == "", joined + "; ") + part.fillna(""))
    return joined

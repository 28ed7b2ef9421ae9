"""Reasons come from the fitted model: what lowers a household's score when set to a converter's value."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from cashless.settings import ModelSettings
from cashless.texts import REASONS
from models import reasons
from models.features import FEATURES, LABEL
from models.pipeline import make_pipeline
from models.reasons import (
    SAME_REASON,
    feature_effects,
    reason_codes,
    reason_references,
    reason_text,
    scores_and_effects,
    top_reasons,
)
from models.scoring import risk_bands, score_households

SETTINGS = replace(ModelSettings(), min_samples_leaf=50)


def _households(n: int, seed: int = 1) -> pd.DataFrame:
    """Households that differ only in phone and commune rate; everything else typical."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "office_code": "PA1101",
            "customer_type": "residential",
            "has_phone": rng.integers(0, 2, n),
            "ever_cashless": (np.arange(n) % 10 == 9).astype(int),
            "contract_months": 120.0,
            "commune_cashless_rate": rng.uniform(0.3, 0.9, n),
            "months_since_slip": np.where(np.arange(n) % 10 == 9, 5.0, np.nan),  # one in ten went back
            "payments_6m": 6,
            "paid_months_6m": 6,
            "cashless_share_6m": 0.0,
            "counter_share_6m": 1.0,
            "collector_share_6m": 0.0,
            "mean_days_late": 10.0,
            "late_share_6m": 0.0,
            "bill_level": 0.0,
            "bill_trend": 0.0,
        }
    )
    return frame[list(FEATURES)]


@pytest.fixture(scope="module")
def fitted():
    """A model on households whose conversion depends on a phone (strongly) and the commune rate."""
    train = _households(6000)
    rng = np.random.default_rng(2)
    logit = 1.5 - 2.5 * train["has_phone"] - 5 * (train["commune_cashless_rate"] - 0.6)
    train[LABEL] = (rng.random(len(train)) < 1 / (1 + np.exp(-logit))).astype(int)
    pipeline = make_pipeline(SETTINGS).fit(train[list(FEATURES)], train[LABEL])
    return pipeline, reason_references(train[list(FEATURES)], train[LABEL])


def test_references_are_what_converters_look_like(fitted):
    _, references = fitted
    assert references["has_phone"] == 1  # households with a phone convert more often
    assert 0.6 < references["commune_cashless_rate"] < 0.8  # converters live in high-rate communes
    assert references["office_code"] == "PA1101" and references["mean_days_late"] == 10


def test_reasons_name_what_pushes_the_score_up(fitted):
    pipeline, references = fitted
    households = _households(3).assign(has_phone=[0, 0, 1], commune_cashless_rate=[0.32, 0.85, 0.85])
    scored = score_households(pipeline, references, households, SETTINGS)
    first, second, third = (scored.iloc[i] for i in range(3))
    # no phone and a low-rate commune: both reasons, the phone first (the larger effect)
    assert [first["reason_1"], first["reason_2"]] == ["no_phone", "commune_cashless_rate_low"]
    assert first["reasons_vi"].startswith(
        "Chưa có số điện thoại liên hệ; Xã có tỷ lệ không dùng tiền mặt thấp"
    )
    assert first["reasons_en"].startswith("No phone number on file; Commune with a low cashless rate")
    assert second["reason_1"] == "no_phone" and second["reason_2"] is None  # commune rate above reference
    assert third[["reason_1", "reason_2", "reason_3"]].isna().all()  # like a converter: nothing to say
    assert third["reasons_vi"] == "" and first["score"] > second["score"] > third["score"]


def test_effects_are_score_differences(fitted):
    pipeline, references = fitted
    household = _households(1).assign(has_phone=0, commune_cashless_rate=0.4)
    effects = feature_effects(pipeline, household, references, FEATURES)
    with_phone = household.assign(has_phone=1)
    expected = pipeline.predict_proba(household)[0, 1] - pipeline.predict_proba(with_phone)[0, 1]
    assert effects.loc[0, "has_phone"] == pytest.approx(expected)
    assert effects.loc[0, "office_code"] == 0  # already at the reference


def test_effects_are_exactly_the_predictions_of_the_changed_households(monkeypatch):
    """Trees re-run only where they split on the feature: the same numbers as predicting every copy."""
    rng = np.random.default_rng(5)
    n = 3000
    households = _households(n, seed=4).assign(
        office_code=rng.choice(["PA1101", "PA1102", "PA1103"], n),
        customer_type=rng.choice(["residential", "business", "public"], n),
        contract_months=rng.uniform(1, 200, n),
        mean_days_late=np.where(rng.random(n) < 0.1, np.nan, rng.normal(10, 8, n)),
        bill_level=rng.normal(0, 0.5, n),
    )
    logit = (
        1.0
        - 2 * households["has_phone"]
        + (households["office_code"] == "PA1103")
        + 0.05 * households["mean_days_late"].fillna(30)
        - households["bill_level"]
    )
    labels = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    pipeline = make_pipeline(SETTINGS).fit(households, labels)
    references = reason_references(households, pd.Series(labels, index=households.index))
    monkeypatch.setattr(reasons, "ROWS_AT_ONCE", 700)  # several blocks, the last one short
    score, effects = scores_and_effects(pipeline, households, references, FEATURES)
    assert np.array_equal(score, pipeline.predict_proba(households)[:, 1])
    for feature in FEATURES:
        changed = households.assign(**{feature: references[feature]})
        expected = score - pipeline.predict_proba(changed)[:, 1]
        np.testing.assert_array_equal(effects[feature].to_numpy(), expected, err_msg=feature)
    assert (effects.abs().sum() > 0).sum() >= 4  # the check is not vacuous


def test_missing_values_share_one_reason_and_reasons_are_deduplicated():
    features = _households(2).assign(
        payments_6m=[0, 6], mean_days_late=[np.nan, 30.0], bill_level=[np.nan, -0.3]
    )
    references = {f: 0 for f in FEATURES} | {"mean_days_late": 10.0, "bill_level": 0.0, "payments_6m": 6}
    codes = reason_codes(features, references)
    assert list(codes.loc[0, ["payments_6m", "mean_days_late", "bill_level"]]) == [
        "payments_6m_low",
        "no_payments_6m",
        "no_payments_6m",
    ]
    assert (
        codes.loc[1, "mean_days_late"] == "mean_days_late_high"
        and codes.loc[1, "bill_level"] == "bill_level_low"
    )
    effects = pd.DataFrame(0.0, index=features.index, columns=list(FEATURES))
    effects.loc[0, ["payments_6m", "mean_days_late", "bill_level"]] = [0.02, 0.05, 0.04]
    effects.loc[1, ["mean_days_late", "bill_level", "has_phone"]] = [0.03, 0.004, -0.2]
    top = top_reasons(effects, codes, min_effect=0.005)
    assert top.loc[0].tolist() == ["no_payments_6m", "payments_6m_low", None]
    assert top.loc[1].tolist() == ["mean_days_late_high", None, None]  # 0.004 is below the threshold
    assert reason_text(top, "en", 6).tolist() == [
        "No payment at all in the last 6 months; Few payments in the last 6 months",
        "Usually pays late",
    ]


def test_every_reason_code_has_both_languages():
    features = _households(4).assign(
        customer_type=["residential", "business", "public", "other"], ever_cashless=[0, 1, 0, 1]
    )
    codes = set(reason_codes(features, {f: 0.5 for f in FEATURES}).to_numpy().ravel())
    for feature in FEATURES:
        codes |= (
            {f"{feature}_low", f"{feature}_high"}
            if feature not in ("office_code", "customer_type")
            else set()
        )
    codes -= {"has_phone_low", "has_phone_high", "ever_cashless_low", "ever_cashless_high"}
    codes = {SAME_REASON.get(code, code) for code in codes}
    assert codes <= set(REASONS)
    assert all(vi and en and vi != en for vi, en in REASONS.values())


def test_risk_bands_at_the_cutoffs():
    assert list(risk_bands([0.2, 0.85, 0.9, 0.95, 0.99], (0.85, 0.95))) == [
        "low",
        "medium",
        "medium",
        "high",
        "high",
    ]

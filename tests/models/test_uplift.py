"""Effect intervals, power, Qini and uplift@k on tiny cases worked by hand; the T-learner on a made-up wave."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from cashless.settings import ModelSettings
from models.features import BOOLEAN, CATEGORICAL, NUMERIC
from models.uplift import (
    compare_rankings,
    detectable_effect,
    fit_t_learner,
    newcombe_interval,
    qini_coefficient,
    qini_curve,
    uplift_at_k,
    wilson_interval,
)


def test_wilson_interval_matches_the_hand_computed_value():
    # 1 of 10: centre (0.1 + 1.96²/20) / (1 + 1.96²/10) = 0.2155, half 0.1976
    low, high = wilson_interval(1, 10)
    assert low == pytest.approx(0.01788, abs=1e-4) and high == pytest.approx(0.40415, abs=1e-4)


def test_newcombe_interval_matches_newcombes_worked_example():
    # Newcombe (1998), example (a): 56/70 vs 48/80, difference 0.2000, method 10: 0.0524 to 0.3339
    low, high = newcombe_interval(56, 70, 48, 80)
    assert low == pytest.approx(0.0524, abs=1e-4) and high == pytest.approx(0.3339, abs=1e-4)
    # a small control group: wider than the Wald interval on the same counts (12/100 vs 1/10)
    low, high = newcombe_interval(12, 100, 1, 10)
    wald = 1.96 * np.sqrt(0.12 * 0.88 / 100 + 0.1 * 0.9 / 10)
    assert high - low > 0 and low < 0.02 < high
    assert np.isnan(newcombe_interval(1, 10, 0, 0)[0])  # no control: no interval
    assert (high - low) != pytest.approx(2 * wald)


def test_detectable_effect_by_hand():
    # p = 0.1, 900 contacted, 100 control: √(0.09 × (1/900 + 1/100)) = 0.031623; × (1.959964 + 0.841621)
    assert detectable_effect(900, 100, 0.1) == pytest.approx(0.088594, abs=1e-6)
    assert detectable_effect(3600, 400, 0.1) == pytest.approx(0.088594 / 2, abs=1e-6)  # 4× the people: half
    assert np.isinf(detectable_effect(100, 0, 0.1))


def test_qini_and_uplift_at_k_on_a_tiny_list():
    # by score: T converted, C not, T not, C not -> Q(n) = 1 at every cut; 2 treated: y = 0.5 from n = 1
    score, treated, converted = [4, 3, 2, 1], [1, 0, 1, 0], [1, 0, 0, 0]
    x, y = qini_curve(score, treated, converted)
    assert x.tolist() == [0, 0.25, 0.5, 0.75, 1.0] and y.tolist() == [0, 0.5, 0.5, 0.5, 0.5]
    # area 0.25 × 0.25 + 0.75 × 0.5 = 0.4375, the random line's 0.25
    assert qini_coefficient(score, treated, converted) == pytest.approx(0.1875)
    assert qini_coefficient([1, 2, 3, 4], treated, converted) < 0.1875  # the worst order does worse
    assert uplift_at_k(score, treated, converted, 0.5) == 1.0  # top 2: the treated converted, the control not
    assert np.isnan(uplift_at_k(score, treated, converted, 0.25))  # top 1 holds no control


def made_up_wave(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """Households whose visit effect is 0.3 with a phone and 0 without; base conversion 0.1."""
    rng = np.random.default_rng(seed)
    features = pd.DataFrame({c: rng.random(n) for c in NUMERIC})
    features["office_code"] = rng.choice(["PA1101", "PA1102"], n)
    features["customer_type"] = "sinh hoạt"
    for column in BOOLEAN:
        features[column] = rng.random(n) < 0.5
    features = features[list(CATEGORICAL + BOOLEAN + NUMERIC)]
    effect = np.where(features["has_phone"], 0.3, 0.0)
    treated = rng.random(n) < 0.5
    converted = rng.random(n) < 0.1 + effect * treated
    return features, treated, converted, effect


def test_t_learner_finds_who_a_visit_moves():
    settings = replace(ModelSettings(), min_samples_leaf=50)
    features, treated, converted, effect = made_up_wave(4000, 1)
    learner = fit_t_learner(features, treated, converted, settings)
    held_out, t_out, y_out, true_out = made_up_wave(4000, 2)
    uplift = learner.predict(held_out)
    assert uplift[true_out > 0].mean() - uplift[true_out == 0].mean() > 0.2
    table = compare_rankings(
        {"uplift": uplift, "random": np.random.default_rng(0).random(len(uplift))}, t_out, y_out, boots=30
    ).set_index("ranking")
    assert table.loc["uplift", "qini"] > table.loc["random", "qini_high"]
    assert table.loc["uplift", "qini_low"] <= table.loc["uplift", "qini"] <= table.loc["uplift", "qini_high"]
    with pytest.raises(ValueError, match="control households need both"):
        fit_t_learner(features, treated, np.where(treated, converted, False), settings)

"""Backtest metrics on tiny hand-worked scores, ties included (a yes/no baseline is all ties)."""

from __future__ import annotations

import numpy as np
import pytest

from models.evaluation import (
    best_baseline,
    calibration_frame,
    calibration_table,
    comparison_table,
    evaluate_scores,
    gains,
    lift_ratios,
    lift_table,
    top_share_rate,
)

LABELS = [1, 0, 1, 1, 0, 0, 1, 0, 0, 0]
RANKED = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0]


def test_top_share_rate_counts_the_highest_scores():
    assert top_share_rate(LABELS, RANKED, 0.1) == 1.0
    assert top_share_rate(LABELS, RANKED, 0.2) == 0.5
    assert top_share_rate(LABELS, RANKED, 0.4) == 0.75
    assert top_share_rate(LABELS, RANKED, 1.0) == 0.4


def test_ties_are_shared_out_evenly():
    assert top_share_rate(LABELS, [0.5] * 10, 0.1) == pytest.approx(0.4)
    # a yes/no rule: 4 households flagged, 2 of them positive; the top 30% takes 3 of the 4 flagged
    flags, labels = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0], [1, 1, 0, 0, 1, 0, 0, 0, 0, 0]
    assert top_share_rate(labels, flags, 0.3) == pytest.approx(0.5)
    assert top_share_rate(labels, flags, 0.5) == pytest.approx((2 + 1 / 6) / 5)


def test_gains_per_tenth():
    assert gains(LABELS, RANKED) == pytest.approx([1, 0, 1, 1, 0, 0, 1, 0, 0, 0])
    assert gains(LABELS, [0.5] * 10) == pytest.approx([0.4] * 10)


def test_calibration_table_in_equal_count_bins():
    p = [0.1] * 5 + [0.9] * 5
    y = [0, 0, 0, 0, 1, 1, 1, 1, 1, 0]
    table = calibration_table(y, p, bins=2)
    assert table.to_dict("list") == {
        "bin": [0, 1],
        "rows": [5, 5],
        "predicted": pytest.approx([0.1, 0.9]),
        "observed": pytest.approx([0.2, 0.8]),
    }


def test_evaluate_scores_worked_by_hand():
    result = evaluate_scores(LABELS, RANKED)
    assert result["base_rate"] == 0.4
    assert result["top_decile_rate"] == 1.0 and result["top_decile_lift"] == pytest.approx(2.5)
    assert result["max_lift"] == pytest.approx(2.5) and result["top_decile_self_converted"] == 0
    # positives at ranks 1, 3, 4, 7: pairs (positive above negative) = 6 + 5 + 5 + 3 = 19 of 24
    assert result["roc_auc"] == pytest.approx(19 / 24)
    assert result["pr_auc"] == pytest.approx((1 + 2 / 3 + 3 / 4 + 4 / 7) / 4)
    assert result["brier"] == pytest.approx(np.mean((np.array(RANKED) - np.array(LABELS)) ** 2))
    assert len(result["calibration"]) == 10 and len(result["gains"]) == 10


def test_model_against_baselines():
    backtest = {
        "model": {"top_decile_lift": 1.10, "top_decile_self_converted": 0.03} | _others(0.73),
        "commune_rate": {"top_decile_lift": 1.05, "top_decile_self_converted": 0.06} | _others(0.62),
        "never_cashless": {"top_decile_lift": 1.00, "top_decile_self_converted": 0.10} | _others(0.58),
    }
    table = comparison_table(backtest)
    assert list(table["score"]) == ["model", "commune_rate", "never_cashless"]
    assert list(table["roc_auc"]) == [0.73, 0.62, 0.58]
    assert best_baseline(backtest) == {
        "roc_auc": 0.62, "pr_auc": 0.9, "brier": 0.1, "top_decile_lift": 1.05,
        "top_decile_self_converted": 0.06, "calibration_error": 0.01,
    }  # fmt: skip
    ratios = lift_ratios(backtest)
    assert ratios["lift"] == pytest.approx(1.10 / 1.05)
    assert ratios["wasted_visits"] == pytest.approx(2.0)


def _others(auc: float) -> dict:
    return {"roc_auc": auc, "pr_auc": 0.9, "brier": 0.1, "calibration_error": 0.01}


def test_lift_and_calibration_frames_for_the_page():
    backtest = {
        name: evaluate_scores(LABELS, scores)
        for name, scores in (("model", RANKED), ("commune_rate", [0.5] * 10))
    }
    lift = lift_table(backtest)
    model = lift[lift["score"] == "model"]
    assert list(model["decile"]) == list(range(1, 11))
    assert list(model["lift"]) == pytest.approx([2.5, 0, 2.5, 2.5, 0, 0, 2.5, 0, 0, 0])
    assert list(lift.loc[lift["score"] == "commune_rate", "lift"]) == pytest.approx([1.0] * 10)
    calibration = calibration_frame(backtest)
    assert list(calibration.columns) == ["score", "bin", "rows", "predicted", "observed"]
    assert len(calibration) == 20 and set(calibration["score"]) == {"model", "commune_rate"}

"""How good a score is on a labelled snapshot: returned as dicts, never printed (STYLE).

The label is 1 = still not cashless at T+H, so a good score puts those first. Ties (a baseline
that is a yes/no rule has only two values) are shared out evenly: the top 10% of a tied score
gets the tied group's average rate, as random tie-breaking would on average.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

TOP_SHARE = 0.10
CALIBRATION_BINS = 10


def top_share_rate(label: np.ndarray, score: np.ndarray, share: float = TOP_SHARE) -> float:
    """The rate of label 1 among the `share` of rows with the highest score, ties shared evenly."""
    label = np.asarray(label, dtype=float)
    score = np.asarray(score, dtype=float)
    take = share * len(label)
    if take <= 0:
        return float("nan")
    groups = (
        pd.DataFrame({"score": score, "label": label})
        .groupby("score", sort=True)["label"]
        .agg(["size", "sum"])
        .iloc[::-1]
    )
    before = groups["size"].cumsum().shift(fill_value=0).to_numpy()
    taken = np.clip(take - before, 0, groups["size"].to_numpy())
    positives = (taken / groups["size"].to_numpy() * groups["sum"].to_numpy()).sum()
    return float(positives / take)


def gains(label: np.ndarray, score: np.ndarray, steps: int = 10) -> list[float]:
    """Rate of label 1 in each tenth of the rows from the highest score down (ties shared evenly)."""
    cumulative = [0.0] + [top_share_rate(label, score, k / steps) * k / steps for k in range(1, steps + 1)]
    return [(cumulative[k] - cumulative[k - 1]) * steps for k in range(1, steps + 1)]


def calibration_table(
    label: np.ndarray, probability: np.ndarray, bins: int = CALIBRATION_BINS
) -> pd.DataFrame:
    """Per bin of predicted probability (equal-count bins): rows, mean predicted, observed rate."""
    frame = pd.DataFrame({"p": np.asarray(probability, dtype=float), "y": np.asarray(label, dtype=float)})
    ranks = frame["p"].rank(method="first")
    frame["bin"] = np.minimum((ranks - 1) * bins // len(frame), bins - 1).astype(int) if len(frame) else []
    table = frame.groupby("bin").agg(rows=("y", "size"), predicted=("p", "mean"), observed=("y", "mean"))
    return table.reset_index()


def evaluate_scores(label: np.ndarray, probability: np.ndarray) -> dict:
    """ROC-AUC, PR-AUC, Brier score, top-decile rate and lift, calibration error and table, gains."""
    label = np.asarray(label, dtype=int)
    probability = np.asarray(probability, dtype=float)
    base = float(label.mean())
    top = top_share_rate(label, probability)
    calibration = calibration_table(label, probability)
    gap = (calibration["predicted"] - calibration["observed"]).abs()
    return {
        "rows": int(len(label)),
        "base_rate": base,
        "roc_auc": float(roc_auc_score(label, probability)),
        "pr_auc": float(average_precision_score(label, probability)),
        "brier": float(brier_score_loss(label, probability)),
        "top_decile_rate": top,
        "top_decile_lift": top / base,
        # the most a top decile can reach is 1 / base_rate: reported so the lift reads in context
        "max_lift": 1 / base,
        # households in the top decile that went cashless on their own: visits that were not needed
        "top_decile_self_converted": 1 - top,
        "calibration_error": float((gap * calibration["rows"]).sum() / calibration["rows"].sum()),
        "calibration_max_gap": float(gap.max()),
        "calibration": calibration.to_dict("records"),
        "gains": gains(label, probability),
    }


COMPARED = ("roc_auc", "pr_auc", "brier", "top_decile_lift", "top_decile_self_converted", "calibration_error")
SCORES = ("model", "commune_rate", "never_cashless")


def comparison_table(backtest: dict) -> pd.DataFrame:
    """The backtest side by side: one row per score (model, then the baselines), COMPARED columns."""
    rows = [{"score": name} | {k: backtest[name][k] for k in COMPARED} for name in SCORES if name in backtest]
    return pd.DataFrame(rows, columns=["score", *COMPARED])


def best_baseline(backtest: dict) -> dict:
    """The better baseline's figure for each compared metric (higher AUC and lift, lower the rest)."""
    baselines = [backtest[name] for name in SCORES[1:] if name in backtest]
    higher = ("roc_auc", "pr_auc", "top_decile_lift")
    return {key: (max if key in higher else min)(b[key] for b in baselines) for key in COMPARED}


def lift_ratios(backtest: dict) -> dict:
    """How the model compares with the better baseline on the top decile, both ways of reading it.

    lift: the model's top-decile lift over the better baseline's. wasted_visits: the better
    baseline's share of top-decile households that went cashless on their own over the model's.
    """
    model, best = backtest["model"], best_baseline(backtest)
    best_lift, fewest_wasted = best["top_decile_lift"], best["top_decile_self_converted"]
    return {
        "lift": model["top_decile_lift"] / best_lift,
        "wasted_visits": fewest_wasted / model["top_decile_self_converted"]
        if model["top_decile_self_converted"] > 0
        else float("inf"),
    }


def lift_table(backtest: dict) -> pd.DataFrame:
    """Per score and tenth of households (highest scores first): rate still not cashless, and its lift."""
    rows = [
        {"score": name, "decile": k, "rate": rate, "lift": rate / backtest[name]["base_rate"]}
        for name in SCORES
        if name in backtest
        for k, rate in enumerate(backtest[name]["gains"], start=1)
    ]
    return pd.DataFrame(rows, columns=["score", "decile", "rate", "lift"])


def calibration_frame(backtest: dict) -> pd.DataFrame:
    """Every score's calibration table stacked: score, bin, rows, predicted, observed."""
    frames = [
        pd.DataFrame(backtest[name]["calibration"]).assign(score=name) for name in SCORES if name in backtest
    ]
    return pd.concat(frames, ignore_index=True)[["score", "bin", "rows", "predicted", "observed"]]

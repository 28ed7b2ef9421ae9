"""Whose switch does a visit cause (DESIGN §6): intervals for a wave's effect, the power of a wave,
the Qini coefficient and uplift@k, and a T-learner on the outreach model's pipeline.

Written by hand (a few dozen lines each) rather than taken from unmaintained uplift packages.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm
from sklearn.pipeline import Pipeline

from cashless.settings import ModelSettings
from models.pipeline import make_pipeline

Z95 = float(norm.ppf(0.975))
Z80_POWER = float(norm.ppf(0.80))


def wilson_interval(successes, trials, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion (works on numbers and arrays; NaN where there are no trials)."""
    x, n = np.asarray(successes, dtype=float), np.asarray(trials, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def newcombe_interval(x1, n1, x0, n0, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Newcombe's hybrid score interval (method 10) for p1 − p0 from two Wilson intervals.

    Keeps its coverage where the Wald interval is too narrow: small control groups, rates near 0 or 1.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        p1 = np.asarray(x1, dtype=float) / np.asarray(n1, dtype=float)
        p0 = np.asarray(x0, dtype=float) / np.asarray(n0, dtype=float)
    l1, u1 = wilson_interval(x1, n1, z)
    l0, u0 = wilson_interval(x0, n0, z)
    difference = p1 - p0
    low = difference - np.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
    high = difference + np.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
    return low, high


def detectable_effect(contacted, control, base_rate) -> np.ndarray:
    """The smallest difference in conversion a wave detects with 80% power at 5% two-sided.

    Normal approximation for two proportions at a base rate (e.g. the pooled one): (z.975 + z.80) × √(p(1−p)(1/n1 + 1/n0)).
    """
    p = np.clip(np.asarray(base_rate, dtype=float), 0.0, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = np.sqrt(p * (1 - p) * (1 / np.asarray(contacted, float) + 1 / np.asarray(control, float)))
    return (Z95 + Z80_POWER) * spread


# --- evaluating a ranking on a randomised wave ---


def qini_curve(score, treated, converted) -> tuple[np.ndarray, np.ndarray]:
    """Share of households targeted (x, from 0) and extra conversions per treated household (y).

    Households in descending score; at each cut n: Q(n) = Yt(n) − Yc(n)·Nt(n)/Nc(n) (0 while no control
    is reached), divided by the wave's treated count so curves of different waves compare.
    """
    order = np.argsort(-np.asarray(score, dtype=float), kind="stable")
    t = np.asarray(treated, dtype=bool)[order]
    y = np.asarray(converted, dtype=float)[order]
    nt, nc = np.cumsum(t), np.cumsum(~t)
    yt, yc = np.cumsum(y * t), np.cumsum(y * ~t)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = yt - np.where(nc > 0, yc * nt / nc, 0.0)
    x = np.arange(len(t) + 1) / len(t)
    return x, np.concatenate([[0.0], q / max(nt[-1], 1)])


def qini_coefficient(score, treated, converted) -> float:
    """Area between the Qini curve and the random line to the same end (trapezoids): 0 for a random order."""
    x, y = qini_curve(score, treated, converted)
    area = float(np.sum((y[1:] + y[:-1]) / 2 * np.diff(x)))
    return area - y[-1] / 2


def uplift_at_k(score, treated, converted, share: float = 0.10) -> float:
    """Conversion of treated minus control households among the top `share` by score (NaN if a group is empty)."""
    order = np.argsort(-np.asarray(score, dtype=float), kind="stable")
    top = order[: max(int(round(share * len(order))), 1)]
    t = np.asarray(treated, dtype=bool)[top]
    y = np.asarray(converted, dtype=float)[top]
    if t.all() or not t.any():
        return float("nan")
    return float(y[t].mean() - y[~t].mean())


def compare_rankings(
    rankings: dict[str, np.ndarray], treated, converted, share: float = 0.10, boots: int = 200, seed: int = 0
) -> pd.DataFrame:
    """Qini and uplift@share of each ranking on one wave, with 95% bootstrap intervals (households resampled)."""
    treated, converted = np.asarray(treated, dtype=bool), np.asarray(converted, dtype=float)
    rng = np.random.default_rng(seed)
    samples = [rng.integers(0, len(treated), len(treated)) for _ in range(boots)]
    rows = []
    for name, score in rankings.items():
        score = np.asarray(score, dtype=float)
        qini = [qini_coefficient(score[s], treated[s], converted[s]) for s in samples]
        at_k = [uplift_at_k(score[s], treated[s], converted[s], share) for s in samples]
        rows.append(
            {
                "ranking": name,
                "qini": qini_coefficient(score, treated, converted),
                "qini_low": float(np.nanquantile(qini, 0.025)),
                "qini_high": float(np.nanquantile(qini, 0.975)),
                "uplift_at_k": uplift_at_k(score, treated, converted, share),
                "uplift_low": float(np.nanquantile(at_k, 0.025)),
                "uplift_high": float(np.nanquantile(at_k, 0.975)),
            }
        )
    return pd.DataFrame(rows)


# --- the T-learner ---


@dataclass
class TLearner:
    """Two outreach pipelines: P(convert | visited, x) and P(convert | not visited, x); uplift = the difference."""

    visited: Pipeline
    not_visited: Pipeline

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        return self.visited.predict_proba(features)[:, 1] - self.not_visited.predict_proba(features)[:, 1]


def fit_t_learner(
    features: pd.DataFrame, treated, converted, settings: ModelSettings = ModelSettings()
) -> TLearner:
    """Fit one pipeline on the visited households and one on the control, each to predict conversion."""
    treated, converted = np.asarray(treated, dtype=bool), np.asarray(converted, dtype=int)
    for group, name in ((treated, "visited"), (~treated, "control")):
        if len(set(converted[group])) < 2:
            raise ValueError(f"the {name} households need both converted and not converted ones")
    visited = make_pipeline(settings).fit(features[treated], converted[treated])
    not_visited = make_pipeline(settings).fit(features[~treated], converted[~treated])
    return TLearner(visited, not_visited)

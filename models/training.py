"""The temporal backtest and the fit of the model that is kept (DESIGN §6).

With data up to D and horizon H, the evaluation cut-off T_e is the latest month end whose label
(status at T_e + H) is known at D. The backtest fits on the month ends up to T_e - H, so every
training label was known at T_e, and scores T_e: what the model would have said then, against
what happened. The model that is kept is then fitted the same way on the month ends up to T_e.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance
from sklearn.pipeline import Pipeline

from cashless.errors import UserFacingError
from cashless.settings import ModelSettings
from models.evaluation import evaluate_scores
from models.features import (
    DAYS_PER_MONTH,
    FEATURES,
    LABEL,
    build_training_set,
    horizon_end,
    latest_labelled_cutoff,
    month_end_cutoffs,
)
from models.history import History
from models.pipeline import BASELINES, make_baseline, make_pipeline
from models.reasons import reason_references

IMPORTANCE_ROWS = 20_000  # rows of the evaluation snapshot the permutation importance is measured on


class ModelError(UserFacingError):
    """The model cannot be trained or used as asked (too little data, no model yet, ...)."""


@dataclass(frozen=True)
class CutoffPlan:
    """Which month ends the backtest and the kept model use, for data ending on `data_end`."""

    data_end: dt.date
    horizon_months: int
    evaluation: dt.date
    backtest_training: list[dt.date]
    final_training: list[dt.date]

    @property
    def first(self) -> dt.date:
        return min(self.backtest_training)

    def as_dict(self) -> dict:
        return {
            "data_end": self.data_end.isoformat(),
            "evaluation_cutoff": self.evaluation.isoformat(),
            "evaluation_label_day": horizon_end(self.evaluation, self.horizon_months).isoformat(),
            "backtest_training": [d.isoformat() for d in self.backtest_training],
            "final_training": [d.isoformat() for d in self.final_training],
        }


def plan_cutoffs(data_end: dt.date, settings: ModelSettings) -> CutoffPlan:
    """The evaluation cut-off and the two sets of training cut-offs for data ending on `data_end`."""
    evaluation = latest_labelled_cutoff(data_end, settings.horizon_months)
    last_backtest = latest_labelled_cutoff(evaluation, settings.horizon_months)
    return CutoffPlan(
        data_end=data_end,
        horizon_months=settings.horizon_months,
        evaluation=evaluation,
        backtest_training=month_end_cutoffs(last_backtest, settings.training_cutoffs),
        final_training=month_end_cutoffs(evaluation, settings.training_cutoffs),
    )


def history_start(first_cutoff: dt.date, settings: ModelSettings) -> dt.date:
    """The first payment day the features of `first_cutoff` can read."""
    return first_cutoff - dt.timedelta(days=round(settings.history_months * DAYS_PER_MONTH) + 1)


def training_sample(customers: pd.DataFrame, settings: ModelSettings) -> np.ndarray | None:
    """The customers training reads and learns from: everyone (None) up to settings.training_customers,
    else a seeded random sample of that many (their snapshots at every cut-off, so households stay whole)."""
    keys = customers["customer_key"].to_numpy()
    if len(keys) <= settings.training_customers:
        return None
    rng = np.random.default_rng(settings.seed)
    return np.sort(rng.choice(keys, settings.training_customers, replace=False))


def fit_model(training: pd.DataFrame, settings: ModelSettings) -> Pipeline:
    """The gradient-boosting pipeline fitted on stacked snapshots."""
    _check_trainable(training)
    return make_pipeline(settings).fit(training[list(FEATURES)], training[LABEL])


def _check_trainable(training: pd.DataFrame) -> None:
    if len(training) < 100 or training[LABEL].nunique() < 2:
        raise ModelError(
            f"too little to learn from: {len(training)} labelled households, "
            f"{int(training[LABEL].sum()) if len(training) else 0} of them still not cashless"
        )


def run_backtest(training: pd.DataFrame, evaluation: pd.DataFrame, settings: ModelSettings) -> dict:
    """Model and baselines fitted on `training`, scored on `evaluation`: metrics and importance."""
    model = fit_model(training, settings)
    if len(evaluation) == 0 or evaluation[LABEL].nunique() < 2:
        raise ModelError("the evaluation snapshot has no households of one of the two outcomes")
    X, y = evaluation[list(FEATURES)], evaluation[LABEL].to_numpy()
    results = {"model": evaluate_scores(y, model.predict_proba(X)[:, 1])}
    for name in BASELINES:
        baseline = make_baseline(name).fit(training[list(FEATURES)], training[LABEL])
        results[name] = evaluate_scores(y, baseline.predict_proba(X)[:, 1])
    return {"metrics": results, "importance": importance_table(model, evaluation, settings)}


def importance_table(model: Pipeline, evaluation: pd.DataFrame, settings: ModelSettings) -> list[dict]:
    """Permutation importance on the evaluation snapshot: drop in ROC-AUC when a feature is shuffled.

    Measured on the encoded columns (one per feature), so shuffling is the same as on the raw ones.
    """
    sample = evaluation.sample(n=min(IMPORTANCE_ROWS, len(evaluation)), random_state=settings.seed)
    encoded = model[:-1].transform(sample[list(FEATURES)])
    names = list(model[:-1].get_feature_names_out())
    result = permutation_importance(
        model[-1],
        encoded,
        sample[LABEL].to_numpy(),
        scoring="roc_auc",
        n_repeats=settings.permutation_repeats,
        random_state=settings.seed,
    )
    table = pd.DataFrame(
        {"feature": names, "importance": result.importances_mean, "std": result.importances_std}
    ).sort_values("importance", ascending=False)
    return table.to_dict("records")


@dataclass
class TrainedModel:
    """What `train` produces: the kept pipeline, the reason references and the backtest report."""

    pipeline: Pipeline
    references: dict
    reason_features: list[str]
    report: dict


def build_snapshots(
    history: History, plan: CutoffPlan, settings: ModelSettings
) -> dict[dt.date, pd.DataFrame]:
    """The labelled snapshot (build_training_set) of every cut-off the plan uses, by cut-off."""
    cutoffs = sorted(set(plan.backtest_training) | set(plan.final_training) | {plan.evaluation})
    return {cutoff: build_training_set(history, [cutoff], settings) for cutoff in cutoffs}


def train(snapshots: dict[dt.date, pd.DataFrame], plan: CutoffPlan, settings: ModelSettings) -> TrainedModel:
    """Backtest on the plan's earlier cut-offs, then fit the kept model on the latest ones.

    Takes the snapshots of build_snapshots and lets go of those only the backtest needs before the
    final fit (`snapshots` is emptied of them), so a large province's training holds less at once.
    """
    timings = {}

    def stack(days: list[dt.date]) -> pd.DataFrame:
        return pd.concat([snapshots[day] for day in days])

    started = time.perf_counter()
    backtest = run_backtest(stack(plan.backtest_training), snapshots[plan.evaluation], settings)
    timings["backtest"] = time.perf_counter() - started
    backtest_rows = int(sum(len(snapshots[d]) for d in plan.backtest_training))
    evaluation_rows = int(len(snapshots[plan.evaluation]))
    for day in set(snapshots) - set(plan.final_training):
        del snapshots[day]

    started = time.perf_counter()
    final = stack(plan.final_training)
    pipeline = fit_model(final, settings)
    references = reason_references(final[list(FEATURES)], final[LABEL])
    timings["final_fit"] = time.perf_counter() - started

    report = {
        "plan": plan.as_dict(),
        "horizon_months": settings.horizon_months,
        "settings": _jsonable(asdict(settings)),
        "backtest": backtest["metrics"],
        "importance": backtest["importance"],
        "training_rows": int(len(final)),
        "backtest_training_rows": backtest_rows,
        "evaluation_rows": evaluation_rows,
        "references": references,
        "timings": timings,
    }
    return TrainedModel(
        pipeline=pipeline,
        references=references,
        reason_features=helpful_features(backtest["importance"], settings.reason_min_importance),
        report=report,
    )


def helpful_features(importance: list[dict], threshold: float) -> list[str]:
    """Features whose shuffling cost the backtest at least `threshold` of ROC-AUC: the reason candidates."""
    return [row["feature"] for row in importance if row["importance"] >= threshold]


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value

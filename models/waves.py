"""Past outreach waves for the demo, and the uplift model learnt from recorded waves (DESIGN §6).

The demo's payments are generated before any list exists, so a demo wave cannot change them. Instead
each wave takes an office's top households by score at a past cut-off, as create_list does, and
draws who was visited so that the recorded outcomes are what a randomised wave would show if a visit
raised a household's chance of converting by a known, heterogeneous effect (larger with a phone and a
younger contract, none for habitual late payers): among households that converted, more were visited.
With q the chance of converting and s the control share, the control converts at q − (1 − s)·τ and
the visited at that plus τ, which is what P(visited | converted) = (1 − s)(q − (1 − s)τ + τ)/q gives.
Real deployments skip all this: their lists and payments are the record.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

import joblib
import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, insert

from cashless.settings import ModelSettings, models_dir
from models.features import FEATURES, build_features, build_labels, horizon_end
from models.history import read_history
from models.outreach import list_effects
from models.runs import latest_scores, load_artefact, model_run
from models.training import history_start
from models.uplift import TLearner, compare_rankings, fit_t_learner
from warehouse import list_counts
from warehouse.access import Viewer
from warehouse.bulk import fetch_frame
from warehouse.db import writing
from warehouse.schema import outreach_lists, outreach_members

log = logging.getLogger(__name__)
UPLIFT_FILE = "uplift.joblib"
FEATURE_LIST = list(FEATURES)
WAVE_LISTS = 4000  # households per office and wave: about half of those not yet cashless


def true_effect(features: pd.DataFrame) -> np.ndarray:
    """The demo's visit effect on the chance of converting: phone and young contract help, late habits kill it."""
    effect = 0.01 + 0.05 * features["has_phone"].astype(float) + 0.04 * (features["contract_months"] < 48)
    return np.where(features["late_share_6m"] >= 0.5, 0.0, effect)


def draw_visited(
    converted: np.ndarray, chance: np.ndarray, effect: np.ndarray, share: float, seed: int
) -> np.ndarray:
    """Who was visited, so that (visited, converted) looks like a randomised wave with `effect` (module doc)."""
    q = np.clip(chance, 1e-3, 1 - 1e-3)
    tau = np.minimum(effect, 0.9 * q / (1 - share))  # the control's chance must stay ≥ 0
    treated_rate = q - (1 - share) * tau + tau
    if_converted = (1 - share) * treated_rate / q
    if_not = (1 - share) * (1 - treated_rate) / (1 - q)
    p = np.where(converted.astype(bool), if_converted, if_not)
    return np.random.default_rng(seed).random(len(q)) < np.clip(p, 0, 1)


def simulate_waves(
    engine: Engine, viewer: Viewer, cutoffs: list[dt.date], settings: ModelSettings = ModelSettings()
) -> list[dict]:
    """Record one list per office and cut-off (top households by the latest model's score then)."""
    with engine.connect() as conn:
        run = model_run(conn)
        artefact = load_artefact(run)
        history = read_history(
            conn, history_start(min(cutoffs), settings), horizon_end(max(cutoffs), settings.horizon_months)
        )
    made = []
    for number, cutoff in enumerate(cutoffs, start=1):
        features = build_features(history, cutoff, settings)
        labels = build_labels(history, cutoff, settings.horizon_months)
        features = features.loc[features.index.intersection(labels.index)]
        score = artefact["pipeline"].predict_proba(features[FEATURE_LIST])[:, 1]
        wave = features.assign(score=score).sort_values("score", ascending=False)
        wave = wave.groupby("office_code", sort=True).head(WAVE_LISTS)
        converted = 1 - labels.loc[wave.index].to_numpy()
        chance = 1 - wave["score"].to_numpy()
        chance = chance * converted.mean() / chance.mean()  # the model's odds, at the wave's observed rate
        visited = draw_visited(
            converted, chance, true_effect(wave), settings.control_share, settings.seed + number
        )
        log.info("wave %s: mean true effect %.4f", cutoff, true_effect(wave).mean())
        wave = wave.assign(is_control=~visited)
        with writing(engine) as conn:
            for office, rows in wave.groupby("office_code", sort=True):
                made.append(_record(conn, viewer, run["version"], cutoff, office, rows, settings, number))
    return made


def _record(conn: Connection, viewer: Viewer, version: str, cutoff, office, rows, settings, number) -> dict:
    list_id = conn.execute(
        insert(outreach_lists).values(
            created_at=dt.datetime.combine(cutoff + dt.timedelta(days=1), dt.time(8)),
            created_by=viewer.username,
            office_code=office,
            model_version=version,
            as_of=cutoff,
            households=len(rows),
            control_share=settings.control_share,
            seed=settings.seed + number,
            filters=json.dumps({"demo_wave": number}),
        )
    ).inserted_primary_key[0]
    conn.execute(
        insert(outreach_members),
        [
            {"list_id": list_id, "customer_key": int(k), "rank": r, "score": float(s), "is_control": bool(c)}
            for r, (k, s, c) in enumerate(zip(rows.index, rows["score"], rows["is_control"]), start=1)
        ],
    )
    list_counts.store_counts(conn, [list_id])
    return {
        "list_id": int(list_id),
        "office_code": office,
        "as_of": cutoff,
        "control": int(rows["is_control"].sum()),
    }


def recorded_waves(conn: Connection) -> pd.DataFrame:
    """Every list member with its list's cut-off: customer_key, as_of, is_control, score (one row per list member)."""
    frame = fetch_frame(
        conn,
        "SELECT om.customer_key, l.as_of, om.is_control, om.score FROM outreach_members om "
        "JOIN outreach_lists l ON l.id = om.list_id",
        {},
    )
    frame["as_of"] = pd.to_datetime(frame["as_of"]).dt.date
    frame["is_control"] = frame["is_control"].astype(bool)
    return frame


def learn_uplift(engine: Engine, viewer: Viewer, settings: ModelSettings = ModelSettings()) -> dict:
    """Fit a T-learner on every wave but the last, evaluate on the last against propensity and random,
    then refit on all waves and save it; returns the evaluation (also saved, for `model report`)."""
    with engine.connect() as conn:
        members = recorded_waves(conn)
        data_end = conn.exec_driver_sql("SELECT MAX(day) FROM snapshot_office_day").scalar()
        data_end = pd.Timestamp(data_end).date()
        waves = sorted(
            d for d in members["as_of"].unique() if horizon_end(d, settings.horizon_months) <= data_end
        )
        if len(waves) < 2:
            raise ValueError("an uplift model needs at least two waves measured H months on")
        history = read_history(
            conn, history_start(min(waves), settings), horizon_end(max(waves), settings.horizon_months)
        )
        effects = []
        for day in waves:
            measured = list_effects(conn, viewer, measured_on=horizon_end(day, settings.horizon_months))
            effects.append(_pooled_wave(measured[measured["as_of"] == day], day))
    frames = []
    for day in waves:
        features = build_features(history, day, settings)
        labels = build_labels(history, day, settings.horizon_months)
        wave = members[members["as_of"] == day].set_index("customer_key")
        keys = wave.index.intersection(features.index).intersection(labels.index)
        frames.append(
            features.loc[keys, FEATURE_LIST].assign(
                wave=day,
                treated=~wave.loc[keys, "is_control"],
                converted=1 - labels.loc[keys],
                score=wave.loc[keys, "score"],
            )
        )
    data = pd.concat(frames)
    train, test = data[data["wave"] != waves[-1]], data[data["wave"] == waves[-1]]
    learner = fit_t_learner(train[FEATURE_LIST], train["treated"], train["converted"], settings)
    rankings = {
        "uplift": learner.predict(test[FEATURE_LIST]),
        "propensity": test["score"].to_numpy(),
        "random": np.random.default_rng(settings.seed).random(len(test)),
    }
    comparison = compare_rankings(rankings, test["treated"], test["converted"], seed=settings.seed)
    final = fit_t_learner(data[FEATURE_LIST], data["treated"], data["converted"], settings)
    evaluation = {
        "held_out_wave": waves[-1].isoformat(),
        "trained_on": [d.isoformat() for d in waves[:-1]],
        "households": int(len(test)),
        "waves": effects,
        "rankings": comparison.to_dict("records"),
    }
    joblib.dump(
        {"learner": final, "settings": settings, "evaluation": evaluation}, models_dir() / UPLIFT_FILE
    )
    return evaluation


def _pooled_wave(rows: pd.DataFrame, day: dt.date) -> dict:
    """One wave's effect over its offices' lists, with the Newcombe–Wilson interval and the detectable effect."""
    from models.uplift import detectable_effect, newcombe_interval

    x1, n1 = int(rows["contacted_converted"].sum()), int(rows["contacted"].sum())
    x0, n0 = int(rows["control_converted"].sum()), int(rows["control"].sum())
    low, high = newcombe_interval(x1, n1, x0, n0)
    return {
        "as_of": day.isoformat(),
        "contacted": n1,
        "control": n0,
        "contacted_rate": x1 / n1 if n1 else None,
        "control_rate": x0 / n0 if n0 else None,
        "difference": x1 / n1 - x0 / n0 if n1 and n0 else None,
        "ci_low": float(low),
        "ci_high": float(high),
        "detectable": float(detectable_effect(n1, n0, (x1 + x0) / (n1 + n0))),
    }


def saved_uplift() -> dict | None:
    """The saved uplift model and its evaluation, if one was learnt."""
    path = models_dir() / UPLIFT_FILE
    return joblib.load(path) if path.is_file() else None


def predict_uplift(conn: Connection, keys: np.ndarray, saved: dict | None = None) -> np.ndarray | None:
    """Expected extra chance of converting if visited, for `keys` at the latest scores' day (None without a model)."""
    saved = saved if saved is not None else saved_uplift()
    latest = latest_scores(conn)
    if saved is None or latest is None:
        return None
    settings, day = saved["settings"], latest[1]
    history = read_history(conn, history_start(day, settings), day, payments_of=lambda c, s: np.asarray(keys))
    features = build_features(history, day, settings).reindex(keys)
    learner: TLearner = saved["learner"]
    uplift = np.full(len(keys), np.nan)
    known = features[FEATURES[0]].notna().to_numpy()
    if known.any():
        uplift[known] = learner.predict(features.loc[known, FEATURE_LIST])
    return np.nan_to_num(uplift, nan=0.0)

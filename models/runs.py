"""Training and scoring against the warehouse: read, fit or score, write the artefact and the rows.

The I/O edges of the model: everything else in models/ is DataFrames in, DataFrames out.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from dataclasses import asdict, replace
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, delete, func, insert, select
from threadpoolctl import threadpool_limits

from cashless.settings import ModelSettings, models_dir
from models.features import build_features, scored_keys
from models.history import read_history
from models.scoring import score_households
from models.training import (
    ModelError,
    build_snapshots,
    history_start,
    plan_cutoffs,
    train,
    training_sample,
)
from warehouse import access, metrics
from warehouse.access import Viewer, office_filter
from warehouse.bulk import bulk_insert, fetch_frame
from warehouse.db import writing
from warehouse.schema import model_runs, scores
from warehouse.schema import score_summary as summary_table

log = logging.getLogger(__name__)

SCORE_BINS = 20  # the model page's histogram: twentieths of the score range


def train_and_store(
    engine: Engine,
    viewer: Viewer,
    settings: ModelSettings = ModelSettings(),
    cutoff: dt.date | None = None,
    folder: Path | None = None,
) -> dict:
    """Backtest and fit on the data up to `cutoff` (default: the last day loaded), keep the model.

    Writes the artefact to `folder` (default: settings.models_dir())/<version>.joblib and a
    model_runs row; returns that row's values with the report.
    """
    started = time.perf_counter()
    with engine.connect() as conn:
        data_end = _data_day(conn, cutoff)
        plan = plan_cutoffs(data_end, settings)
        history = read_history(
            conn,
            history_start(plan.first, settings),
            data_end,
            payments_until=plan.evaluation,
            payments_of=lambda customers, _: training_sample(customers, settings),
        )
    timings = {"read": time.perf_counter() - started}
    snapshots = build_snapshots(history, plan, settings)
    customers = {"learnt_from": len(history.customers), "of": len(history.customers)}
    if history.payers is not None:
        customers["learnt_from"] = len(history.payers)
    del history  # the snapshots are all training needs from here on
    timings["features"] = time.perf_counter() - started - timings["read"]
    with threadpool_limits(settings.threads):
        trained = train(snapshots, plan, settings)
    trained.report["timings"] = timings | trained.report["timings"]
    trained.report["customers"] = customers

    trained_at = dt.datetime.now().replace(microsecond=0)
    folder = Path(folder or models_dir()).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    with writing(engine) as conn:
        version = _new_version(conn, data_end, trained_at)
        path = folder / f"{version}.joblib"
        joblib.dump(
            {
                "version": version,
                "pipeline": trained.pipeline,
                "references": trained.references,
                "reason_features": trained.reason_features,
                "settings": asdict(settings),
                "cutoff": data_end,
            },
            path,
        )
        trained.report["timings"]["total"] = time.perf_counter() - started
        row = {
            "version": version,
            "cutoff": data_end,
            "horizon_months": settings.horizon_months,
            "trained_at": trained_at,
            "trained_by": viewer.username,
            "artefact_path": str(path),
            "metrics_json": json.dumps(trained.report, ensure_ascii=False, default=str),
        }
        conn.execute(insert(model_runs).values(**row))
        access.record(conn, viewer, "model_train", version=version, cutoff=data_end)
    return row | {"report": trained.report}


def _data_day(conn: Connection, day: dt.date | None) -> dt.date:
    """`day`, or the last day with data; refuses a day after the data."""
    last = metrics.data_period(conn)[1]
    if last is None:
        raise ModelError("no data loaded yet; run `cashless load ...` or `cashless demo`")
    if day is not None and day > last:
        raise ModelError(f"the data ends on {last.isoformat()}; no model can use {day.isoformat()}")
    return day or last


def _new_version(conn: Connection, data_end: dt.date, trained_at: dt.datetime) -> str:
    base = f"{data_end:%Y%m%d}-{trained_at:%Y%m%d-%H%M%S}"
    taken = set(conn.scalars(select(model_runs.c.version).where(model_runs.c.version.like(f"{base}%"))))
    version, count = base, 1
    while version in taken:
        count += 1
        version = f"{base}-{count}"
    return version


def model_run(conn: Connection, version: str | None = None) -> dict | None:
    """A model_runs row (the latest trained when `version` is None) with its report decoded."""
    query = select(model_runs)
    query = (
        query.where(model_runs.c.version == version)
        if version
        else query.order_by(model_runs.c.trained_at.desc(), model_runs.c.version.desc()).limit(1)
    )
    row = conn.execute(query).mappings().first()
    if row is None:
        return None
    return dict(row) | {"report": json.loads(row["metrics_json"])}


def model_runs_table(conn: Connection) -> pd.DataFrame:
    """Every trained model, newest first: version, cutoff, trained_at, trained_by."""
    columns = [model_runs.c.version, model_runs.c.cutoff, model_runs.c.trained_at, model_runs.c.trained_by]
    rows = conn.execute(select(*columns).order_by(model_runs.c.trained_at.desc())).all()
    return pd.DataFrame(rows, columns=[c.name for c in columns])


def load_artefact(run: dict) -> dict:
    """The pipeline, references and settings a model run saved."""
    path = Path(run["artefact_path"])
    if not path.is_file():
        raise ModelError(f"the artefact of model {run['version']} is missing ({path}); train again")
    return joblib.load(path)


def score_and_store(
    engine: Engine,
    viewer: Viewer,
    settings: ModelSettings = ModelSettings(),
    as_of: dt.date | None = None,
    version: str | None = None,
) -> dict:
    """Score every household active and not cashless at `as_of` with the latest (or given) model.

    Replaces that model's scores for that day. Bands and reason threshold come from `settings`;
    the features are built with the settings the model was trained with.
    """
    started = time.perf_counter()
    with engine.connect() as conn:
        run = model_run(conn, version)
        if run is None:
            raise ModelError(
                "no model trained yet; run `cashless model train`"
                if version is None
                else f"no model version '{version}'"
            )
        day = _data_day(conn, as_of)
        model_cutoff = pd.Timestamp(run["cutoff"]).date()
        if day < model_cutoff:
            raise ModelError(
                f"model {run['version']} learnt from data up to {model_cutoff.isoformat()}; scoring "
                f"{day.isoformat()} would use what happened later: train with --cutoff {day.isoformat()}"
            )
        artefact = load_artefact(run)
        trained_with = ModelSettings(**_settings_fields(artefact["settings"]))
        history = read_history(
            conn, history_start(day, trained_with), day, payments_of=lambda c, s: scored_keys(c, s, day)
        )
    timings = {"read": time.perf_counter() - started}
    features = build_features(history, day, trained_with)
    del history
    timings["features"] = time.perf_counter() - started - sum(timings.values())
    with threadpool_limits(settings.threads):
        scored = score_households(
            artefact["pipeline"],
            artefact["references"],
            features,
            replace(settings, history_months=trained_with.history_months),
            artefact["reason_features"],
        )
    timings["score"] = time.perf_counter() - started - sum(timings.values())
    rows = scored.reset_index().rename(columns={"index": "customer_key"})
    rows.insert(0, "model_version", run["version"])
    rows.insert(1, "as_of", day.isoformat())
    summary = summarise_scored(scored, features["office_code"]).assign(
        model_version=run["version"], as_of=day.isoformat()
    )
    with writing(engine) as conn:
        for table in (scores, summary_table):
            conn.execute(delete(table).where(table.c.model_version == run["version"], table.c.as_of == day))
        bulk_insert(conn, "scores", rows[[c.name for c in scores.columns]])
        bulk_insert(conn, "score_summary", summary[[c.name for c in summary_table.columns]])
        access.record(conn, viewer, "model_score", rows=len(rows), version=run["version"], as_of=day)
    timings["write"] = time.perf_counter() - started - sum(timings.values())
    bands = scored["risk_band"].value_counts().to_dict()
    return {
        "version": run["version"],
        "as_of": day,
        "households": len(rows),
        "bands": {band: int(bands.get(band, 0)) for band in ("high", "medium", "low")},
        "seconds": time.perf_counter() - started,
        "timings": timings,
    }


def _settings_fields(saved: dict) -> dict:
    """A saved settings dict as ModelSettings arguments (tuples back from lists, unknown keys dropped)."""
    known = ModelSettings.__dataclass_fields__
    return {k: tuple(v) if isinstance(v, list) else v for k, v in saved.items() if k in known}


def latest_scores(conn: Connection) -> tuple[str, dt.date] | None:
    """(model version, as_of) of the newest scores: the latest model's latest scored day."""
    newest_day = (  # per model run, an index seek: not a join over every stored score
        select(func.max(scores.c.as_of))
        .where(scores.c.model_version == model_runs.c.version)
        .scalar_subquery()
    )
    row = conn.execute(
        select(model_runs.c.version, newest_day.label("as_of"))
        .where(newest_day.is_not(None))
        .order_by(model_runs.c.trained_at.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return row[0], pd.Timestamp(row[1]).date()


def summarise_scored(scored: pd.DataFrame, office_of: pd.Series) -> pd.DataFrame:
    """Households and their score sum per office, risk band and score bin (score_summary's rows).

    `scored`: score and risk_band by customer_key; `office_of`: office_code by customer_key.
    """
    score = scored["score"].to_numpy(dtype=float)
    frame = pd.DataFrame(
        {
            "office_code": office_of.reindex(scored.index).to_numpy(),
            "risk_band": scored["risk_band"].to_numpy(),
            "score_bin": np.clip(np.floor(score * SCORE_BINS), 0, SCORE_BINS - 1).astype(int),
            "score": score,
        }
    )
    return frame.groupby(["office_code", "risk_band", "score_bin"], as_index=False).agg(
        households=("score", "size"), score_sum=("score", "sum")
    )


def latest_scored(conn: Connection, viewer: Viewer, office: str | None = None) -> pd.DataFrame:
    """The newest scores the viewer may see, counted per office, risk band and score bin (no
    personal data): office_code, risk_band, score_bin, households, score_sum.

    One small read (score_summary) that both the distribution and the summary are computed from.
    """
    scope = access.office_scope(viewer, office)
    latest = latest_scores(conn)
    columns = ["office_code", "risk_band", "score_bin", "households", "score_sum"]
    if latest is None:
        return pd.DataFrame(columns=columns)
    frame = fetch_frame(
        conn,
        f"SELECT {', '.join(columns)} FROM score_summary WHERE model_version = :version "
        f"AND as_of = :as_of AND {office_filter('office_code', scope)}",
        {"version": latest[0], "as_of": latest[1], "office": scope},
    )
    return frame.astype({"score_bin": int, "households": int, "score_sum": float})


def distribute_scores(scored: pd.DataFrame) -> pd.DataFrame:
    """Households per office and score bin, and their share of the office's (from latest_scored).

    Columns: office_code, bin_start, bin_end, households, share.
    """
    edges = np.linspace(0, 1, SCORE_BINS + 1)
    table = scored.groupby(["office_code", "score_bin"], as_index=False)["households"].sum()
    table["bin_start"] = edges[table["score_bin"].to_numpy()]
    table["bin_end"] = edges[table["score_bin"].to_numpy() + 1]
    table["share"] = table["households"] / table.groupby("office_code")["households"].transform("sum")
    return table[["office_code", "bin_start", "bin_end", "households", "share"]]


def summarise_scores(scored: pd.DataFrame) -> pd.DataFrame:
    """Per office (from latest_scored): households scored, per risk band, and the mean score."""
    bands = scored.pivot_table(
        index="office_code", columns="risk_band", values="households", aggfunc="sum", fill_value=0
    )
    bands = bands.reindex(columns=["high", "medium", "low"], fill_value=0)
    totals = scored.groupby("office_code")[["households", "score_sum"]].sum()
    summary = pd.DataFrame(
        {"households": totals["households"], "mean_score": totals["score_sum"] / totals["households"]}
    )
    return summary.join(bands).reset_index()


def score_distribution(conn: Connection, viewer: Viewer, office: str | None = None) -> pd.DataFrame:
    """distribute_scores of the newest scores the viewer may see."""
    return distribute_scores(latest_scored(conn, viewer, office))


def score_summary(conn: Connection, viewer: Viewer, office: str | None = None) -> pd.DataFrame:
    """summarise_scores of the newest scores the viewer may see."""
    return summarise_scores(latest_scored(conn, viewer, office))

"""`cashless model`: train with a temporal backtest, score the households, show the report."""

from __future__ import annotations

import json

import pandas as pd

from cashless.errors import UserFacingError
from cli.common import open_engine, parse_day, refresh_snapshots_if_stale


def register(commands) -> None:
    model = commands.add_parser("model", help="the outreach model: train, score, report")
    actions = model.add_subparsers(dest="action", required=True)
    train = actions.add_parser("train", help="backtest and fit on the data up to a day")
    train.add_argument("--cutoff", type=parse_day, help="last day of data to use (default: the last)")
    train.add_argument("--horizon", type=int, help="months H of the label (default: settings)")
    score = actions.add_parser("score", help="score the households not yet cashless")
    score.add_argument("--as-of", type=parse_day, help="day (default: last day with data)")
    score.add_argument("--version", help="model version (default: the latest trained)")
    report = actions.add_parser("report", help="the backtest of the latest (or a) model")
    report.add_argument("--version", help="model version (default: the latest trained)")
    report.add_argument("--format", choices=["table", "json"], default="table")


def run(args) -> int:
    from models.runs import model_run

    engine = open_engine()
    refresh_snapshots_if_stale(engine)
    if args.action == "train":
        train(engine, args.cutoff, args.horizon)
    elif args.action == "score":
        score(engine, args.as_of, args.version)
    else:
        with engine.connect() as conn:
            run = model_run(conn, args.version)
        if run is None:
            raise UserFacingError(
                "no model trained yet; run `cashless model train`"
                if args.version is None
                else f"no model version '{args.version}'"
            )
        if args.format == "json":
            print(json.dumps({k: v for k, v in run.items() if k != "metrics_json"}, default=str, indent=2))
        else:
            print_report(run)
    return 0


def train(engine, cutoff=None, horizon: int | None = None) -> None:
    """Train (backtest, then fit) on the data up to `cutoff` and print the comparison."""
    from dataclasses import replace

    from cashless.settings import ModelSettings
    from models.runs import train_and_store
    from warehouse.access import operator

    settings = ModelSettings()
    if horizon is not None:
        if horizon < 1:
            raise UserFacingError("--horizon must be at least 1 month")
        settings = replace(settings, horizon_months=horizon)
    print_training(train_and_store(engine, operator(), settings, cutoff=cutoff))


def score(engine, as_of=None, version: str | None = None) -> None:
    """Score the households not yet cashless and print the bands."""
    from models.runs import score_and_store
    from warehouse.access import operator

    done = score_and_store(engine, operator(), as_of=as_of, version=version)
    bands = ", ".join(f"{count:,} {band}" for band, count in done["bands"].items())
    phases = ", ".join(f"{name} {seconds:.1f}" for name, seconds in done["timings"].items())
    print(
        f"model {done['version']}: {done['households']:,} households scored as of "
        f"{done['as_of'].isoformat()} ({bands}) in {done['seconds']:.1f} s ({phases})"
    )


def print_training(run: dict) -> None:
    report = run["report"]
    timings = report["timings"]
    print(
        f"model {run['version']} trained on data up to {run['cutoff'].isoformat()} in "
        f"{timings['total']:.1f} s (read {timings['read']:.1f}, features {timings['features']:.1f}, "
        f"backtest {timings['backtest']:.1f}, fit {timings['final_fit']:.1f})"
    )
    customers = report.get("customers")
    if customers and customers["learnt_from"] < customers["of"]:
        print(
            f"learnt from a seeded sample of {customers['learnt_from']:,} of {customers['of']:,} customers "
            "(settings: training_customers)"
        )
    print_backtest(report)


def print_backtest(report: dict) -> None:
    from models.evaluation import comparison_table, lift_ratios

    plan = report["plan"]
    print(
        f"backtest: trained on {plan['backtest_training'][0]} .. {plan['backtest_training'][-1]}, "
        f"scored {plan['evaluation_cutoff']}, label on {plan['evaluation_label_day']} "
        f"({report['evaluation_rows']:,} households)"
    )
    table = comparison_table(report["backtest"])
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    ratios = lift_ratios(report["backtest"])
    model = report["backtest"]["model"]
    print(
        f"top decile: lift {model['top_decile_lift']:.3f} (at most {model['max_lift']:.3f} with "
        f"{model['base_rate']:.1%} still not cashless), {ratios['lift']:.2f}x the better baseline's; "
        f"households that went cashless on their own: {model['top_decile_self_converted']:.1%}, "
        f"{ratios['wasted_visits']:.2f}x fewer than the better baseline's"
    )


def print_report(run: dict) -> None:
    report = run["report"]
    print(f"model {run['version']}: data up to {run['cutoff']}, horizon {run['horizon_months']} months")
    print_backtest(report)
    calibration = pd.DataFrame(report["backtest"]["model"]["calibration"])
    print("calibration (model, equal-count bins of predicted probability):")
    print(calibration.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    importance = pd.DataFrame(report["importance"])
    print("permutation importance (drop in ROC-AUC on the backtest when a feature is shuffled):")
    print(importance.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    from models.waves import saved_uplift

    saved = saved_uplift()
    if saved is None:
        print("uplift: no model yet (it is learnt from recorded outreach waves); plans rank by propensity")
    else:
        print_uplift(saved["evaluation"])


def print_uplift(evaluation: dict) -> None:
    """Each wave's effect with its Newcombe–Wilson interval and power, and the rankings on the held-out wave."""
    waves = pd.DataFrame(evaluation["waves"])
    print("outreach waves: conversion of contacted minus control H months on (95% Newcombe–Wilson interval;")
    print("detectable = the smallest effect the wave detects with 80% power, 5% two-sided):")
    print(waves.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print(
        f"uplift model (T-learner) trained on the waves of {', '.join(evaluation['trained_on'])}, "
        f"evaluated on {evaluation['held_out_wave']} ({evaluation['households']:,} households), "
        "95% bootstrap intervals:"
    )
    rankings = pd.DataFrame(evaluation["rankings"]).rename(columns={"uplift_at_k": "uplift@10%"})
    print(rankings.to_string(index=False, float_format=lambda v: f"{v:.4f}"))

"""`cashless forecast`: cashless rate per office and for the province to a chosen day, with intervals."""

from __future__ import annotations

import datetime as dt
import json

from cashless.errors import UserFacingError
from cashless.formatting import fmt_rate
from cli.common import as_of_or_latest, open_engine, parse_day, print_table, refresh_snapshots_if_stale


def register(commands) -> None:
    forecast = commands.add_parser(
        "forecast",
        help="forecast the cashless rate with 80%%/95%% intervals, or backtest the forecast",
        description="Forecast active and cashless customers per office by month; the province is their sum.",
    )
    forecast.add_argument("action", nargs="?", choices=["backtest"], help="backtest: rolling-origin check")
    forecast.add_argument("--as-of", type=parse_day, help="last day of data to use (default: the last)")
    forecast.add_argument("--to", type=parse_day, help="forecast to this day's month end (default: year end)")
    forecast.add_argument("--by", choices=["office", "province"], default="office")
    forecast.add_argument("--format", choices=["table", "csv", "json"], default="table")
    forecast.add_argument("--horizon", type=int, default=3, help="backtest: months ahead from each origin")


def run(args) -> int:
    from models.forecast import PROVINCE, backtest, forecast_to, month_end_actuals

    engine = open_engine()
    refresh_snapshots_if_stale(engine)
    with engine.connect() as conn:
        as_of = as_of_or_latest(conn, args.as_of)
        to = args.to or dt.date(as_of.year, 12, 31)
        if args.action == "backtest":
            actuals, forecast = month_end_actuals(conn, as_of), None
        else:  # the kept forecast when the pages made it already, else made and kept
            actuals, forecast = forecast_to(conn, as_of, to, keep=engine)
    if actuals.empty:
        raise UserFacingError("no month-end figures up to that day; load data or choose a later --as-of")
    if args.action == "backtest":
        try:
            result = backtest(actuals, horizon=args.horizon)
        except ValueError as error:
            raise UserFacingError(str(error)) from None
        print_backtest(result, args.format)
        return 0
    if forecast is None:
        last = max(actuals["month"])
        raise UserFacingError(f"--to must be after the last month end with data ({last.isoformat()})")
    table = forecast.table
    if args.by == "province":
        table = table[table["office_code"] == PROVINCE]
    if args.format == "table":
        table = table.assign(**{c: table[c].map(fmt_rate) for c in ["lo80", "hi80", "lo95", "hi95"]})
    print_table(table.reset_index(drop=True), args.format, as_of)
    return 0


def print_backtest(result: dict, fmt: str) -> None:
    """The backtest's MASE against the baselines and the interval coverage."""
    summary = {k: v for k, v in result.items() if k != "rows"}
    if fmt == "json":
        print(json.dumps(summary, indent=2))
        return
    if fmt == "csv":
        print_table(result["rows"], "csv", dt.date.today())
        return
    print(
        f"rolling origin: {summary['origins']} origins, {summary['horizon']} months ahead, offices and province"
    )
    for name, value in summary["mase"].items():
        print(f"MASE {name:<8} {value:.3f}")
    print(f"coverage 80%: {summary['coverage80']:.1%}   95%: {summary['coverage95']:.1%}")

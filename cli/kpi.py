"""`cashless kpi`: cashless customers and rate as of a day, by province, office or commune."""

from __future__ import annotations

from cli.common import as_of_or_latest, open_engine, parse_day, print_table, refresh_snapshots_if_stale


def register(commands) -> None:
    kpi = commands.add_parser("kpi", help="cashless customers and rate as of a day")
    kpi.add_argument("--as-of", type=parse_day, help="day (default: last day with data)")
    kpi.add_argument("--by", choices=["province", "office", "commune"], default="office")
    kpi.add_argument("--office", help="limit to one office code")
    kpi.add_argument("--format", choices=["table", "csv", "json"], default="table")


def run(args) -> int:
    print_kpi(open_engine(), args.as_of, args.by, args.office, args.format)
    return 0


def print_kpi(engine, as_of=None, by: str = "office", office: str | None = None, fmt: str = "table") -> None:
    """Print the KPI table as of `as_of` (default: the last day with data)."""
    from warehouse.metrics import kpi

    refresh_snapshots_if_stale(engine)
    with engine.connect() as conn:
        day = as_of_or_latest(conn, as_of)
        table = kpi(conn, day, by=by, office=office)
    print_table(table, fmt, day)

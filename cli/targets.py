"""`cashless targets`: import, export and check the cashless-rate targets."""

from __future__ import annotations

import os
from pathlib import Path

from cli.common import (
    as_of_or_latest,
    open_engine,
    parse_day,
    print_table,
    refresh_snapshots_if_stale,
    require_file,
)


def register(commands) -> None:
    targets = commands.add_parser("targets", help="cashless-rate targets per office and period")
    actions = targets.add_subparsers(dest="action", required=True)
    imported = actions.add_parser("import", help="add targets from a CSV")
    imported.add_argument("file", type=Path)
    imported.add_argument("--set-by", default=os.environ.get("USER", "cli"), help="who sets them")
    exported = actions.add_parser("export", help="write the targets in force to a CSV")
    exported.add_argument("file", type=Path)
    status = actions.add_parser("status", help="targets against actuals")
    status.add_argument("--as-of", type=parse_day, help="day (default: last day with data)")
    status.add_argument("--year", type=int, help="year of the plan (default: that of --as-of)")
    status.add_argument("--office", help="limit to one office code")
    status.add_argument("--format", choices=["table", "csv", "json"], default="table")


def run(args) -> int:
    from warehouse.access import Viewer
    from warehouse.targets import export_targets, import_targets, read_targets_csv, target_status

    engine = open_engine()
    if args.action == "import":
        require_file(args.file)
        table = read_targets_csv(args.file)
        with engine.begin() as conn:
            count = import_targets(conn, table, Viewer(args.set_by, "admin"))
        print(f"{count} target(s) imported from {args.file}")
    elif args.action == "export":
        with engine.connect() as conn:
            table = export_targets(conn)
        table.to_csv(args.file, index=False, encoding="utf-8-sig")
        print(f"{len(table)} target(s) written to {args.file}")
    else:
        refresh_snapshots_if_stale(engine)
        with engine.connect() as conn:
            as_of = as_of_or_latest(conn, args.as_of)
            table = target_status(conn, as_of, args.year, args.office)
        print_table(table, args.format, as_of)
    return 0

"""`cashless db`: create or migrate the schema, bring the daily snapshots up to date."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys

from cli.common import open_engine


def register(commands) -> None:
    db = commands.add_parser("db", help="schema and snapshots").add_subparsers(dest="action", required=True)
    db.add_parser("upgrade", help="create or migrate the schema to the latest version")
    refresh = db.add_parser("refresh", help="bring the daily snapshots up to date")
    refresh.add_argument("--full", action="store_true", help="rebuild them from scratch")
    status = db.add_parser(
        "status",
        help="health check: reachable, schema version, last load, snapshot freshness (exit 1 if unhealthy)",
        epilog="example:\n  cashless db status --max-load-age 26   # also unhealthy when nothing loaded for 26 hours",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    status.add_argument(
        "--max-load-age", type=float, metavar="HOURS", help="unhealthy when the last load is older"
    )
    status.add_argument("--format", choices=["table", "json"], default="table")


def run(args) -> int:
    from warehouse import list_counts
    from warehouse.db import shown_url
    from warehouse.migrate import upgrade
    from warehouse.snapshots import refresh_snapshots

    if args.action == "status":
        return _status(args)
    if args.action == "upgrade":
        engine = open_engine(upgrade_required=False)
        upgrade(engine)
        print(f"schema up to date at {shown_url()}")
        since = refresh_snapshots(engine, progress=True)  # a migration may leave them stale
        if since:
            print(f"snapshots refreshed from {since}")
        with engine.begin() as conn:  # lists made before their counts were stored (migration 0012)
            if not list_counts.counts_are_current(conn):
                list_counts.store_counts(conn)
    else:
        since = refresh_snapshots(open_engine(), full=args.full)
        print(
            "snapshots rebuilt"
            if args.full
            else f"snapshots refreshed from {since}"
            if since
            else "snapshots already up to date"
        )
    return 0


def _status(args) -> int:
    """Print the health checks; exit 1 (with the problems on stderr) when any fails."""
    from warehouse.db import shown_url
    from warehouse.health import database_status

    max_age = dt.timedelta(hours=args.max_load_age) if args.max_load_age is not None else None
    status = database_status(open_engine(upgrade_required=False), max_load_age=max_age)
    if args.format == "json":
        fields = {**dataclasses.asdict(status), "healthy": status.healthy, "database": shown_url()}
        print(json.dumps(fields, default=str, indent=2))
    else:
        rows = [
            ("database", shown_url()),
            ("reachable", "yes" if status.reachable else "no"),
            ("schema", f"{status.schema_revision or '-'} (current {status.schema_head})"),
            (
                "last load",
                f"{status.last_load_at:%Y-%m-%d %H:%M:%S} {status.last_load_file}"
                if status.last_load_at
                else "-",
            ),
            ("last day with data", status.last_data_day or "-"),
            (
                "snapshots refreshed",
                f"{status.snapshots_refreshed_at:%Y-%m-%d %H:%M:%S}"
                if status.snapshots_refreshed_at
                else "-",
            ),
            ("snapshots stale from", status.snapshots_stale_from or "no: up to date"),
            ("status", "healthy" if status.healthy else "UNHEALTHY"),
        ]
        if status.schema_revision != status.schema_head:  # the later checks did not run
            rows = [*rows[:3], rows[-1]]
        for label, value in rows:
            print(f"{label + ':':22}{value}")
    for problem in status.problems:
        print(f"cashless: {problem}", file=sys.stderr)
    return 0 if status.healthy else 1

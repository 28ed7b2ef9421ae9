"""`cashless db`: create or migrate the schema, bring the daily snapshots up to date."""

from __future__ import annotations

from cli.common import open_engine


def register(commands) -> None:
    db = commands.add_parser("db", help="schema and snapshots").add_subparsers(dest="action", required=True)
    db.add_parser("upgrade", help="create or migrate the schema to the latest version")
    refresh = db.add_parser("refresh", help="bring the daily snapshots up to date")
    refresh.add_argument("--full", action="store_true", help="rebuild them from scratch")


def run(args) -> int:
    from warehouse.db import shown_url
    from warehouse.migrate import upgrade
    from warehouse.snapshots import refresh_snapshots

    if args.action == "upgrade":
        upgrade(open_engine(upgrade_required=False))
        print(f"schema up to date at {shown_url()}")
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

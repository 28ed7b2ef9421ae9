"""`cashless channels`: raw channel names missing from the catalog, and mapping one."""

from __future__ import annotations

from cli.common import open_engine, refresh_snapshots_if_stale


def register(commands) -> None:
    channels = commands.add_parser("channels", help="the payment channel catalog")
    actions = channels.add_subparsers(dest="action", required=True)
    actions.add_parser(
        "unknown", help="raw channel names not in the catalog, with payments, VND, first and last use"
    )
    add = actions.add_parser(
        "map",
        help="add a raw name to the catalog; figures are recomputed from its first use "
        "(e.g. cashless channels map SmartPay --category e_wallet)",
    )
    add.add_argument("raw_name", help="the channel as written in the exports")
    add.add_argument("--category", required=True, help="bank, auto_debit, intermediary, e_wallet, ...")
    add.add_argument("--channel", help="the channel it is (default: the raw name)")
    add.add_argument("--cash", action="store_true", help="paid in cash (default: cashless)")


def run(args) -> int:
    from warehouse import access, channels
    from warehouse.snapshots import refresh_snapshots

    engine = open_engine()
    if args.action == "unknown":
        refresh_snapshots_if_stale(engine)
        with engine.connect() as conn:
            table = channels.unknown_channels(conn, access.operator())
        print(table.to_string(index=False) if len(table) else "every raw channel name is in the catalog")
        return 0
    with engine.begin() as conn:
        first = channels.map_channel(
            conn,
            access.operator(),
            args.raw_name,
            args.channel or args.raw_name,
            args.category,
            not args.cash,
        )
    refresh_snapshots(engine)
    since = f"; figures recomputed from {first:%d/%m/%Y}" if first else "; not used in any payment yet"
    print(f"{args.raw_name} mapped to {args.category}{since}")
    return 0

"""`cashless outreach`: make and export lists for field staff, compare contacted with control, read outcomes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cashless.errors import UserFacingError
from cli.common import open_engine, print_table, require_file


def register(commands) -> None:
    outreach = commands.add_parser("outreach", help="outreach lists for field staff")
    actions = outreach.add_subparsers(dest="action", required=True)
    export = actions.add_parser("export", help="make a list of an office's top households, export it")
    export.add_argument("--office", required=True, help="office code, e.g. PA1102")
    export.add_argument("--top", type=int, default=500, help="households in the list, control included")
    export.add_argument("--format", choices=["csv", "xlsx"], help="default: from the file name, else xlsx")
    export.add_argument("-o", "--output", type=Path, required=True, help="file to write")
    export.add_argument("--commune", action="append", help="only this commune (repeatable)")
    export.add_argument("--type", action="append", dest="customer_type", help="customer type (repeatable)")
    export.add_argument("--band", action="append", choices=["high", "medium", "low"], help="risk band")
    export.add_argument("--reason", action="append", help="reason code among the top three (repeatable)")
    export.add_argument("--list", type=int, dest="list_id", help="export this existing list again instead")
    export.add_argument("--lang", choices=["vi", "en"], default="vi", help="headers and labels")
    lists = actions.add_parser("lists", help="past lists: contacted vs control conversion")
    lists.add_argument("--office", help="limit to one office code")
    lists.add_argument("--format", choices=["table", "csv", "json"], default="table")
    outcomes = actions.add_parser("import-outcomes", help="read outcomes from a returned sheet")
    outcomes.add_argument("file", type=Path)


def run(args) -> int:
    from models import outreach
    from models.export import read_returned_sheet
    from warehouse.access import operator
    from warehouse.db import writing

    engine = open_engine()
    viewer = operator()
    if args.action == "export":
        fmt = args.format or ("csv" if args.output.suffix.lower() == ".csv" else "xlsx")
        if args.output.parent and not args.output.parent.exists():
            raise UserFacingError(f"no such folder: {args.output.parent}")
        with writing(engine) as conn:
            if args.list_id is None:
                made = outreach.create_list(
                    conn,
                    viewer,
                    args.office,
                    args.top,
                    communes=args.commune,
                    customer_types=args.customer_type,
                    bands=args.band,
                    reasons=args.reason,
                )
                list_id = made["list_id"]
            else:
                list_id, made = args.list_id, None
            data, rows = outreach.export_list(conn, viewer, list_id, fmt, args.output.name, args.lang)
            args.output.write_bytes(data)
        if made:
            print(
                f"list {list_id} of {made['office_code']}: {made['households']:,} households "
                f"(scores of {made['as_of'].isoformat()}), {made['control']:,} held back as control "
                f"(seed {made['seed']}), {rows:,} written to {args.output}"
            )
        else:
            print(f"list {list_id}: {rows:,} households written to {args.output}")
    elif args.action == "lists":
        with engine.connect() as conn:
            table = outreach.list_effects(conn, viewer, args.office)
        print_table(table, args.format, table["measured_on"].iloc[0] if len(table) else dt.date.today())
    else:
        require_file(args.file)
        sheet = read_returned_sheet(args.file.read_bytes(), args.file.name)
        with writing(engine) as conn:
            done = outreach.import_outcomes(conn, viewer, sheet)
        for list_id, count in done.items():
            print(f"list {list_id}: {count:,} household(s) updated")
    return 0

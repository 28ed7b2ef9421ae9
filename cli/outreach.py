"""`cashless outreach`: make and export lists for field staff, compare contacted with control, read outcomes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cashless.errors import UserFacingError
from cli.common import open_engine, parse_day, print_table, require_file


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
    plan = actions.add_parser(
        "plan",
        help="visits within each office's weekly capacity, to the households a visit converts most",
        description="Example: cashless outreach plan --capacity capacity.csv --weeks 4 -o plan.xlsx "
        "(capacity.csv has the columns office_code,visits_per_week)",
    )
    plan.add_argument("--as-of", type=parse_day, help="scores of this day (default and only: the latest)")
    plan.add_argument("--capacity", type=Path, required=True, help="CSV/XLSX: office_code,visits_per_week")
    plan.add_argument("--weeks", type=int, default=4, help="weeks the plan covers")
    plan.add_argument("--format", choices=["csv", "xlsx"], help="default: from the file name, else xlsx")
    plan.add_argument("-o", "--output", type=Path, required=True, help="file to write")
    plan.add_argument("--lang", choices=["vi", "en"], default="vi", help="language of the reasons")
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
    elif args.action == "plan":
        write_plan(engine, viewer, args)
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


def write_plan(engine, viewer, args) -> None:
    """Make the plan's lists (control held back), write the visits to a file, print the summary."""
    from models.plan import plan_bytes, plan_outreach, plan_summary, read_capacity
    from models.runs import latest_scores
    from warehouse.access import visible_offices
    from warehouse.db import writing

    require_file(args.capacity)
    fmt = args.format or ("csv" if args.output.suffix.lower() == ".csv" else "xlsx")
    if args.output.parent and not args.output.parent.exists():
        raise UserFacingError(f"no such folder: {args.output.parent}")
    with writing(engine) as conn:
        latest = latest_scores(conn)
        if latest is None:
            raise UserFacingError("no scores yet: run `cashless model train` and `cashless model score`")
        if args.as_of is not None and args.as_of != latest[1]:
            raise UserFacingError(
                f"the latest scores are of {latest[1].isoformat()}; run `cashless model score --as-of "
                f"{args.as_of.isoformat()}` first"
            )
        known = visible_offices(conn, viewer)["code"].tolist()
        capacity = read_capacity(args.capacity.read_bytes(), args.capacity.name, known)
        plan, ranked_by = plan_outreach(conn, viewer, capacity, args.weeks, lang=args.lang)
        args.output.write_bytes(plan_bytes(plan, fmt))
        for _office, rows in plan[~plan["is_control"]].groupby("office_code"):
            outreach_record(conn, viewer, int(rows["list_id"].iloc[0]), fmt, args.output.name, len(rows))
    summary = plan_summary(plan, capacity, args.weeks)
    print(f"{args.weeks}-week plan, households ranked by {ranked_by}, scores of {latest[1].isoformat()}:")
    summary["detectable"] = summary["detectable"].map(lambda v: f"{v:.1%}")
    print(summary.to_string(index=False, float_format=lambda v: f"{v:.1f}"))
    print(f"{int((~plan['is_control']).sum()):,} visits written to {args.output}")


def outreach_record(conn, viewer, list_id: int, fmt: str, file_name: str, rows: int) -> None:
    """Note each office's part of the plan file in the audit log, as a list export is."""
    from models.outreach import record_export

    record_export(conn, viewer, list_id, fmt, file_name, rows)

"""`cashless`: the one command-line entry point over ETL, warehouse, models and dashboard (DESIGN §7).

Every command reads DATABASE_URL, exits 0 on success and 1 with a one-line reason on stderr on
failure; user errors never print a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError, ProgrammingError

from cashless.settings import GENERATED_DIR, ROOT, LoadSettings, database_url


class UserError(Exception):
    """A problem the user can fix; printed as one line, no traceback."""


def parse_day(text: str) -> dt.date:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD or dd/mm/yyyy): '{text}'")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cashless", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    commands = parser.add_subparsers(dest="command", required=True)

    db = commands.add_parser("db", help="schema and snapshots").add_subparsers(dest="action", required=True)
    db.add_parser("upgrade", help="create or migrate the schema to the latest version")
    refresh = db.add_parser("refresh", help="bring the daily snapshots up to date")
    refresh.add_argument("--full", action="store_true", help="rebuild them from scratch")

    load = commands.add_parser("load", help="load billing-system exports (CSV/XLSX)")
    load.add_argument("kind", choices=["customers", "payments"])
    load.add_argument("files", nargs="+", type=Path)
    load.add_argument("--quiet", action="store_true", help="no progress bars")

    kpi = commands.add_parser("kpi", help="cashless customers and rate as of a day")
    kpi.add_argument("--as-of", type=parse_day, help="day (default: last day with data)")
    kpi.add_argument("--by", choices=["province", "office", "commune"], default="office")
    kpi.add_argument("--office", help="limit to one office code")
    kpi.add_argument("--format", choices=["table", "csv", "json"], default="table")

    targets = commands.add_parser("targets", help="cashless-rate targets per office and period")
    target_actions = targets.add_subparsers(dest="action", required=True)
    target_import = target_actions.add_parser("import", help="add targets from a CSV")
    target_import.add_argument("file", type=Path)
    target_import.add_argument("--set-by", default=os.environ.get("USER", "cli"), help="who sets them")
    target_export = target_actions.add_parser("export", help="write the targets in force to a CSV")
    target_export.add_argument("file", type=Path)
    target_status = target_actions.add_parser("status", help="targets against actuals")
    target_status.add_argument("--as-of", type=parse_day, help="day (default: last day with data)")
    target_status.add_argument("--year", type=int, help="year of the plan (default: that of --as-of)")
    target_status.add_argument("--office", help="limit to one office code")
    target_status.add_argument("--format", choices=["table", "csv", "json"], default="table")

    model = commands.add_parser("model", help="the outreach model: train, score, report")
    model_actions = model.add_subparsers(dest="action", required=True)
    model_train = model_actions.add_parser("train", help="backtest and fit on the data up to a day")
    model_train.add_argument("--cutoff", type=parse_day, help="last day of data to use (default: the last)")
    model_train.add_argument("--horizon", type=int, help="months H of the label (default: settings)")
    model_score = model_actions.add_parser("score", help="score the households not yet cashless")
    model_score.add_argument("--as-of", type=parse_day, help="day (default: last day with data)")
    model_score.add_argument("--version", help="model version (default: the latest trained)")
    model_report = model_actions.add_parser("report", help="the backtest of the latest (or a) model")
    model_report.add_argument("--version", help="model version (default: the latest trained)")
    model_report.add_argument("--format", choices=["table", "json"], default="table")

    outreach = commands.add_parser("outreach", help="outreach lists for field staff")
    outreach_actions = outreach.add_subparsers(dest="action", required=True)
    export = outreach_actions.add_parser(
        "export", help="make a list of an office's top households, export it"
    )
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
    lists = outreach_actions.add_parser("lists", help="past lists: contacted vs control conversion")
    lists.add_argument("--office", help="limit to one office code")
    lists.add_argument("--format", choices=["table", "csv", "json"], default="table")
    outcomes = outreach_actions.add_parser("import-outcomes", help="read outcomes from a returned sheet")
    outcomes.add_argument("file", type=Path)

    report = commands.add_parser("report", help="the executive weekly review")
    report_kinds = report.add_subparsers(dest="kind", required=True)
    weekly = report_kinds.add_parser("weekly", help="write the weekly review as HTML or PDF")
    weekly.add_argument("--as-of", type=parse_day, help="last day of the week (default: last day with data)")
    weekly.add_argument("-o", "--output", type=Path, required=True, help="FILE.html or FILE.pdf")
    weekly.add_argument("--lang", choices=["vi", "en"], default="vi", help="language (default: Vietnamese)")
    weekly.add_argument("--office", help="one office's review instead of the province's")

    users = commands.add_parser("users", help="accounts of the app (DESIGN §8)")
    user_actions = users.add_subparsers(dest="action", required=True)
    user_add = user_actions.add_parser("add", help="create an account (password asked, or read from stdin)")
    user_add.add_argument("username")
    user_add.add_argument("--role", required=True, choices=["admin", "executive", "planner", "manager"])
    user_add.add_argument("--office", help="the manager's office code")
    user_add.add_argument("--email", help="e-mail of the company sign-in (OIDC), if any")
    user_actions.add_parser("list", help="list accounts")
    user_disable = user_actions.add_parser("disable", help="disable an account")
    user_disable.add_argument("username")
    user_enable = user_actions.add_parser("enable", help="enable a disabled account")
    user_enable.add_argument("username")

    demo = commands.add_parser("demo", help="generate the demo province, load it, train: ready to browse")
    demo.add_argument("--scale", type=float, default=1.0, help="customers relative to the real province")
    demo.add_argument("--out", type=Path, default=GENERATED_DIR, help="where to write the raw files")
    demo.add_argument("--regenerate", action="store_true", help="write the files even if present")

    serve = commands.add_parser("serve", help="start the Streamlit app")
    serve.add_argument("--port", type=int, default=8501)
    serve.add_argument("--headless", action="store_true", help="do not try to open a browser")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    try:
        handler = {
            "db": cmd_db,
            "load": cmd_load,
            "kpi": cmd_kpi,
            "targets": cmd_targets,
            "model": cmd_model,
            "outreach": cmd_outreach,
            "users": cmd_users,
            "report": cmd_report,
            "demo": cmd_demo,
            "serve": cmd_serve,
        }[args.command]
        return handler(args) or 0
    except UserError as error:
        print(f"cashless: {error}", file=sys.stderr)
        return 1
    except OperationalError as error:
        print(
            f"cashless: cannot use the database ({_first_line(error)}); check DATABASE_URL", file=sys.stderr
        )
        return 1
    except ProgrammingError as error:
        print(f"cashless: database error ({_first_line(error)}); run `cashless db upgrade`", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `cashless kpi | head`: the reader has gone, nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except DatabaseError as error:  # e.g. DATABASE_URL names a file that is not an SQLite database
        print(f"cashless: database error ({_first_line(error)}); check DATABASE_URL", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("cashless: interrupted; the file being loaded was rolled back", file=sys.stderr)
        return 130


def _first_line(error: Exception) -> str:
    original = getattr(error, "orig", None) or error
    return str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__


def _engine(upgrade_required: bool = True):
    from warehouse.db import make_engine
    from warehouse.migrate import current_revision, head_revision

    try:
        engine = make_engine()
    except ArgumentError as error:  # also an unknown dialect, e.g. postgres:// for postgresql://
        raise UserError(f"DATABASE_URL is not a database URL ({_first_line(error)})") from None
    if upgrade_required and current_revision(engine) != head_revision():
        raise UserError(
            f"the database at {_safe_url()} is not at the current schema; run `cashless db upgrade`"
        )
    return engine


def _safe_url() -> str:
    from sqlalchemy.engine import make_url

    return make_url(database_url()).render_as_string(hide_password=True)


def cmd_db(args) -> int:
    from warehouse.migrate import upgrade
    from warehouse.snapshots import refresh_snapshots

    if args.action == "upgrade":
        engine = _engine(upgrade_required=False)
        upgrade(engine)
        print(f"schema up to date at {_safe_url()}")
    else:
        since = refresh_snapshots(_engine(), full=args.full)
        print(
            "snapshots rebuilt"
            if args.full
            else f"snapshots refreshed from {since}"
            if since
            else "snapshots already up to date"
        )
    return 0


def cmd_load(args) -> int:
    from warehouse.loading import load_files

    missing = [str(p) for p in args.files if not p.is_file()]
    if missing:
        raise UserError(f"no such file: {', '.join(missing)}")
    progress = not args.quiet and sys.stderr.isatty()
    results = load_files(
        _engine(),
        args.kind,
        args.files,
        LoadSettings(progress=progress),
        on_result=lambda r: print(r.summary()),
    )
    totals = {s: sum(1 for r in results if r.status == s) for s in ("loaded", "skipped", "rejected")}
    print(
        f"{len(results)} file(s): {totals['loaded']} loaded, {totals['skipped']} skipped, "
        f"{totals['rejected']} rejected; rows: {sum(r.loaded for r in results):,} loaded, "
        f"{sum(r.quarantined for r in results):,} quarantined"
    )
    if totals["rejected"]:
        rejected = next(r for r in results if r.status == "rejected")
        raise UserError(f"{totals['rejected']} file(s) rejected, e.g. {rejected.file}: {rejected.message}")
    return 0


def cmd_kpi(args) -> int:
    from warehouse.metrics import data_period, kpi

    engine = _engine()
    refresh_snapshots_if_stale(engine)
    with engine.connect() as conn:
        as_of = args.as_of or data_period(conn)[1]
        if as_of is None:
            raise UserError("no data loaded yet; run `cashless load ...` or `cashless demo`")
        table = kpi(conn, as_of, by=args.by, office=args.office)
    print_table(table, args.format, as_of)
    return 0


def cmd_targets(args) -> int:
    from warehouse.access import Viewer
    from warehouse.metrics import data_period
    from warehouse.targets import (
        TargetError,
        export_targets,
        import_targets,
        read_targets_csv,
        target_status,
    )

    engine = _engine()
    try:
        if args.action == "import":
            if not args.file.is_file():
                raise UserError(f"no such file: {args.file}")
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
                as_of = args.as_of or data_period(conn)[1]
                if as_of is None:
                    raise UserError("no data loaded yet; run `cashless load ...` or `cashless demo`")
                table = target_status(conn, as_of, args.year, args.office)
            print_table(table, args.format, as_of)
    except TargetError as error:
        raise UserError(str(error)) from None
    return 0


def refresh_snapshots_if_stale(engine) -> None:
    from warehouse.snapshots import refresh_snapshots

    refresh_snapshots(engine)  # no-op unless an interrupted load left them stale


def print_table(table: pd.DataFrame, fmt: str, as_of: dt.date) -> None:
    if fmt == "csv":
        sys.stdout.write(table.to_csv(index=False, float_format="%.6f", lineterminator="\n"))
    elif fmt == "json":
        print(
            json.dumps(
                {
                    "as_of": as_of.isoformat(),
                    "rows": json.loads(table.to_json(orient="records", date_format="iso")),
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        from cashless.formatting import fmt_date, fmt_int, fmt_rate

        shown = table.copy()
        for column in shown.columns:
            if column.endswith("_rate"):
                shown[column] = shown[column].map(lambda v: "" if pd.isna(v) else fmt_rate(v))
            elif column.endswith(("_customers", "amount", "payments", "_needed", "_pace")):
                shown[column] = shown[column].map(lambda v: "" if pd.isna(v) else fmt_int(v))
        print(f"as of {fmt_date(as_of)}")
        print(shown.astype(object).where(shown.notna(), "").to_string(index=False))


def _model_errors():
    """The model's and the lists' user errors, to be shown as one line."""
    from models.export import SheetError
    from models.outreach import OutreachError
    from models.training import ModelError
    from warehouse.access import AccessDenied

    return (ModelError, OutreachError, SheetError, AccessDenied)


def cmd_model(args) -> int:
    from dataclasses import replace

    from cashless.settings import ModelSettings
    from models.runs import model_run, score_and_store, train_and_store
    from warehouse.access import operator

    engine = _engine()
    refresh_snapshots_if_stale(engine)
    try:
        if args.action == "train":
            settings = ModelSettings()
            if args.horizon is not None:
                if args.horizon < 1:
                    raise UserError("--horizon must be at least 1 month")
                settings = replace(settings, horizon_months=args.horizon)
            run = train_and_store(engine, operator(), settings, cutoff=args.cutoff)
            print_training(run)
        elif args.action == "score":
            done = score_and_store(engine, operator(), as_of=args.as_of, version=args.version)
            bands = ", ".join(f"{count:,} {band}" for band, count in done["bands"].items())
            print(
                f"model {done['version']}: {done['households']:,} households scored as of "
                f"{done['as_of'].isoformat()} ({bands}) in {done['seconds']:.1f} s"
            )
        else:
            with engine.connect() as conn:
                run = model_run(conn, args.version)
            if run is None:
                raise UserError(
                    "no model trained yet; run `cashless model train`"
                    if args.version is None
                    else f"no model version '{args.version}'"
                )
            if args.format == "json":
                print(
                    json.dumps({k: v for k, v in run.items() if k != "metrics_json"}, default=str, indent=2)
                )
            else:
                print_report(run)
    except _model_errors() as error:
        raise UserError(str(error)) from None
    return 0


def print_training(run: dict) -> None:
    report = run["report"]
    timings = report["timings"]
    print(
        f"model {run['version']} trained on data up to {run['cutoff'].isoformat()} in "
        f"{timings['total']:.1f} s (read {timings['read']:.1f}, features {timings['features']:.1f}, "
        f"backtest {timings['backtest']:.1f}, fit {timings['final_fit']:.1f})"
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


def cmd_outreach(args) -> int:
    from models import outreach
    from models.export import read_returned_sheet
    from warehouse.access import operator
    from warehouse.db import writing

    engine = _engine()
    viewer = operator()
    try:
        if args.action == "export":
            fmt = args.format or ("csv" if args.output.suffix.lower() == ".csv" else "xlsx")
            if args.output.parent and not args.output.parent.exists():
                raise UserError(f"no such folder: {args.output.parent}")
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
            if not args.file.is_file():
                raise UserError(f"no such file: {args.file}")
            sheet = read_returned_sheet(args.file.read_bytes(), args.file.name)
            with writing(engine) as conn:
                done = outreach.import_outcomes(conn, viewer, sheet)
            for list_id, count in done.items():
                print(f"list {list_id}: {count:,} household(s) updated")
    except _model_errors() as error:
        raise UserError(str(error)) from None
    return 0


def cmd_report(args) -> int:
    from dashboard.weekly_report import build_sections, render_html, render_pdf, title_and_footer
    from models.outreach import list_effects
    from warehouse.access import Viewer, visible_offices
    from warehouse.metrics import data_period
    from warehouse.weekly import weekly_review

    suffix = args.output.suffix.lower()
    if suffix not in (".html", ".pdf"):
        raise UserError(f"the report is written as .html or .pdf, not '{suffix or args.output.name}'")
    engine = _engine()
    refresh_snapshots_if_stale(engine)
    viewer = Viewer("cli", "manager", args.office) if args.office else Viewer("cli", "executive")
    with engine.connect() as conn:
        if args.office and args.office not in set(visible_offices(conn, Viewer("cli", "admin"))["code"]):
            raise UserError(f"unknown office code '{args.office}'")
        as_of = args.as_of or data_period(conn)[1]
        if as_of is None:
            raise UserError("no data loaded yet; run `cashless load ...` or `cashless demo`")
        review = weekly_review(conn, as_of, viewer)
        effects = list_effects(conn, viewer, measured_on=as_of)
        names = dict(visible_offices(conn, viewer).itertuples(index=False))
    sections = build_sections(review, names, args.lang, effects)
    title, footer = title_and_footer(review, _safe_url(), args.lang)
    html = render_html(sections, title, footer, args.lang)
    if suffix == ".pdf":
        try:
            args.output.write_bytes(render_pdf(html))
        except RuntimeError as error:
            raise UserError(f"cannot write the PDF: {error}") from None
    else:
        args.output.write_text(html, encoding="utf-8")
    print(f"weekly review as of {as_of} written to {args.output}")
    return 0


def cmd_users(args) -> int:
    from warehouse import access

    engine = _engine()
    try:
        if args.action == "list":
            with engine.connect() as conn:
                table = access.list_users(conn)
            print(
                table.astype(object).where(table.notna(), "").to_string(index=False)
                if len(table)
                else "no users"
            )
            return 0
        with engine.begin() as conn:
            if args.action == "add":
                password = _read_password()
                access.add_user(
                    conn, args.username, password, args.role, args.office, args.email, by=access.operator()
                )
                print(f"user {args.username} ({args.role}{' ' + args.office if args.office else ''}) added")
            else:
                active = args.action == "enable"
                access.set_active(conn, args.username, active, by=access.operator())
                print(f"user {args.username} {'enabled' if active else 'disabled'}")
    except access.UserError as error:
        raise UserError(str(error)) from None
    return 0


def _read_password() -> str:
    """Ask twice on a terminal; otherwise read one line from stdin (for scripts)."""
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            raise UserError("the passwords differ")
        return first
    return sys.stdin.readline().rstrip("\n")


def create_demo_users(engine) -> None:
    """One account per role for the demo (README: Signing in); existing accounts are left alone."""
    from cashless.settings import DEMO_PASSWORD, DEMO_USERS
    from warehouse import access

    with engine.begin() as conn:
        known = set(access.list_users(conn)["username"])
        for username, role, office in DEMO_USERS:
            if username not in known:
                access.add_user(conn, username, DEMO_PASSWORD, role, office)


def import_demo_targets(engine) -> None:
    """The demo plan (data/demo_targets.csv) when no target has been set yet."""
    from cashless.settings import DEMO_TARGETS_CSV
    from warehouse.access import Viewer
    from warehouse.targets import explicit_targets, import_targets, read_targets_csv

    with engine.begin() as conn:
        if explicit_targets(conn).empty:
            import_targets(conn, read_targets_csv(DEMO_TARGETS_CSV), Viewer("demo", "admin"))


def cmd_demo(args) -> int:
    from etl.synthetic import DemoFiles, generate_province
    from warehouse.loading import load_files
    from warehouse.migrate import upgrade

    out: Path = args.out
    marker = out / ".complete"  # holds the scale of a finished generation
    if args.regenerate or not marker.exists() or marker.read_text().strip() != f"{args.scale:g}":
        marker.unlink(missing_ok=True)
        files = generate_province(out, scale=args.scale, progress=True)
        marker.write_text(f"{args.scale:g}\n")
    else:
        print(f"using the demo files already in {out} (--regenerate to write them again)")
        files = DemoFiles(customers=sorted(out.glob("customers_*")), payments=sorted(out.glob("payments_*")))
    engine = _engine(upgrade_required=False)
    upgrade(engine)
    progress = sys.stderr.isatty()
    for kind, paths in (("customers", files.customers), ("payments", files.payments)):
        results = load_files(
            engine, kind, paths, LoadSettings(progress=progress), on_result=lambda r: print(r.summary())
        )
        print(
            f"{kind}: {sum(r.loaded for r in results):,} rows loaded, {sum(r.quarantined for r in results):,} quarantined"
        )
    import_demo_targets(engine)
    create_demo_users(engine)
    from cashless.settings import DEMO_PASSWORD

    print(f"sign in as admin, executive, planner or manager.yenson with the password '{DEMO_PASSWORD}'")
    cmd_kpi(argparse.Namespace(as_of=None, by="province", office=None, format="table"))
    cmd_model(argparse.Namespace(action="train", cutoff=None, horizon=None))
    return cmd_model(argparse.Namespace(action="score", as_of=None, version=None))


def cmd_serve(args) -> int:
    app = ROOT / "dashboard" / "app.py"
    command = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(args.port)]
    # Tables' own CSV buttons would let personal data (outreach lists) leave unrecorded; every page
    # offers its downloads through buttons instead, and outreach downloads are recorded (DESIGN §8).
    command += ["--client.disableDataExport", "true"]
    # Users see the app, not Streamlit's developer menu ("Deploy", rerun settings); nothing phones home.
    command += ["--client.toolbarMode", "viewer", "--browser.gatherUsageStats", "false"]
    if args.headless:
        command += ["--server.headless", "true"]
    os.environ.setdefault("DATABASE_URL", database_url())
    return subprocess.call(command)


if __name__ == "__main__":
    sys.exit(main())

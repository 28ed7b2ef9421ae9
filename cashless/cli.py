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

    demo = commands.add_parser("demo", help="generate the demo province, load it: ready to browse")
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
    from warehouse.metrics import data_period
    from warehouse.targets import TargetError, export_targets, import_targets, target_status

    engine = _engine()
    try:
        if args.action == "import":
            if not args.file.is_file():
                raise UserError(f"no such file: {args.file}")
            table = pd.read_csv(
                args.file, dtype=str, keep_default_na=False, encoding="utf-8-sig", sep=None, engine="python"
            )
            with engine.begin() as conn:
                count = import_targets(conn, table, args.set_by)
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
    return cmd_kpi(argparse.Namespace(as_of=None, by="province", office=None, format="table"))


def cmd_serve(args) -> int:
    app = ROOT / "dashboard" / "app.py"
    command = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(args.port)]
    if args.headless:
        command += ["--server.headless", "true"]
    os.environ.setdefault("DATABASE_URL", database_url())
    return subprocess.call(command)


if __name__ == "__main__":
    sys.exit(main())

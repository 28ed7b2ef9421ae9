"""`cashless report weekly`: the executive weekly review as HTML or PDF."""

from __future__ import annotations

from pathlib import Path

from cashless.errors import UserFacingError
from cli.common import as_of_or_latest, open_engine, parse_day, refresh_snapshots_if_stale


def register(commands) -> None:
    report = commands.add_parser("report", help="the executive weekly review")
    kinds = report.add_subparsers(dest="kind", required=True)
    weekly = kinds.add_parser("weekly", help="write the weekly review as HTML or PDF")
    weekly.add_argument("--as-of", type=parse_day, help="last day of the week (default: last day with data)")
    weekly.add_argument("-o", "--output", type=Path, required=True, help="FILE.html or FILE.pdf")
    weekly.add_argument("--lang", choices=["vi", "en"], default="vi", help="language (default: Vietnamese)")
    weekly.add_argument("--office", help="one office's review instead of the province's")


def run(args) -> int:
    from dashboard.weekly_report import gather_report, render_html, render_pdf
    from warehouse.access import Viewer, visible_offices
    from warehouse.db import shown_url

    suffix = args.output.suffix.lower()
    if suffix not in (".html", ".pdf"):
        raise UserFacingError(f"the report is written as .html or .pdf, not '{suffix or args.output.name}'")
    engine = open_engine()
    refresh_snapshots_if_stale(engine)
    viewer = Viewer("cli", "manager", args.office) if args.office else Viewer("cli", "executive")
    with engine.connect() as conn:
        if args.office and args.office not in set(visible_offices(conn, Viewer("cli", "admin"))["code"]):
            raise UserFacingError(f"unknown office code '{args.office}'")
        as_of = as_of_or_latest(conn, args.as_of)
        report = gather_report(conn, viewer, as_of, args.lang, shown_url())
    html = render_html(report.sections, report.title, report.footer, args.lang)
    if suffix == ".pdf":
        try:
            args.output.write_bytes(render_pdf(html))
        except RuntimeError as error:
            raise UserFacingError(f"cannot write the PDF: {error}") from None
    else:
        args.output.write_text(html, encoding="utf-8")
    print(f"weekly review as of {as_of} written to {args.output}")
    return 0

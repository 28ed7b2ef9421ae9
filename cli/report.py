"""`cashless report weekly | send`: the executive weekly review as HTML or PDF, or by mail."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from cashless.errors import UserFacingError
from cli.common import as_of_or_latest, open_engine, parse_day, refresh_snapshots_if_stale
from cli.smtp import mail_settings, send_message

WEEKLY_EXAMPLE = """examples:
  cashless report weekly --as-of 2025-02-28 -o review.pdf
  cashless report weekly --as-of 2025-02-28 -o yenson.html --office PA1102 --lang en
  cashless report weekly --as-of 2025-02-28 --mail-to director@example.vn,deputy@example.vn

Mail goes through CASHLESS_SMTP_URL (smtp://[user:pass@]host:port, or smtps:// for TLS) from the
address in CASHLESS_MAIL_FROM; the PDF is attached."""

SEND_EXAMPLE = """example:
  cashless report send --as-of 2025-02-28

Every active account subscribed on the users page (with an e-mail) gets the review of its own
scope: managers their office, everyone else the province. SMTP settings as for `report weekly`."""


def register(commands) -> None:
    report = commands.add_parser("report", help="the executive weekly review")
    kinds = report.add_subparsers(dest="kind", required=True)
    weekly = kinds.add_parser(
        "weekly",
        help="write the weekly review as HTML or PDF, or mail it",
        epilog=WEEKLY_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    weekly.add_argument("--as-of", type=parse_day, help="last day of the week (default: last day with data)")
    weekly.add_argument("-o", "--output", type=Path, help="FILE.html or FILE.pdf")
    weekly.add_argument("--mail-to", type=_addresses, help="mail the review (PDF attached) to A[,B...]")
    weekly.add_argument("--lang", choices=["vi", "en"], default="vi", help="language (default: Vietnamese)")
    weekly.add_argument("--office", help="one office's review instead of the province's")
    send = kinds.add_parser(
        "send",
        help="mail every subscribed user the review of their scope",
        epilog=SEND_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    send.add_argument("--as-of", type=parse_day, help="last day of the week (default: last day with data)")
    send.add_argument("--lang", choices=["vi", "en"], default="vi", help="language (default: Vietnamese)")


def _addresses(text: str) -> list[str]:
    """An argparse type: comma-separated e-mail addresses, each with an @."""
    addresses = [a.strip() for a in text.split(",") if a.strip()]
    bad = [a for a in addresses if "@" not in a or " " in a]
    if not addresses or bad:
        raise argparse.ArgumentTypeError(f"not e-mail addresses: '{text}'")
    return addresses


def run(args) -> int:
    if args.kind == "send":
        return _send_subscriptions(args)
    from dashboard.weekly_report import render_html

    if args.output is None and not args.mail_to:
        raise UserFacingError("say where the review goes: -o FILE.html|FILE.pdf and/or --mail-to A[,B]")
    suffix = args.output.suffix.lower() if args.output else ".pdf"
    if suffix not in (".html", ".pdf"):
        raise UserFacingError(f"the report is written as .html or .pdf, not '{suffix or args.output.name}'")
    mail = mail_settings() if args.mail_to else None  # a missing setting fails before any work
    engine = open_engine()
    refresh_snapshots_if_stale(engine)
    with engine.connect() as conn:
        viewer, scope = _viewer(conn, args.office)
        as_of = as_of_or_latest(conn, args.as_of)
        report = _gather(engine, conn, viewer, as_of, args.lang)
    html = render_html(report.sections, report.title, report.footer, args.lang)
    pdf = _pdf(html) if suffix == ".pdf" or mail else None
    if args.output:
        if suffix == ".pdf":
            args.output.write_bytes(pdf)
        else:
            args.output.write_text(html, encoding="utf-8")
        print(f"weekly review as of {as_of} written to {args.output}")
    if mail:
        _mail(mail, report, pdf, as_of, args.mail_to, args.lang, scope)
        print(f"weekly review as of {as_of} mailed to {', '.join(args.mail_to)}")
    return 0


def _send_subscriptions(args) -> int:
    """Mail each subscriber their scope's review; one PDF per scope, however many read it."""
    from dashboard.weekly_report import render_html
    from warehouse.access import office_names, operator
    from warehouse.subscriptions import subscribers, viewer_of

    mail = mail_settings()
    engine = open_engine()
    refresh_snapshots_if_stale(engine)
    with engine.connect() as conn:
        as_of = as_of_or_latest(conn, args.as_of)
        people = subscribers(conn)
        names = office_names(conn, operator())
        reviews: dict[str | None, tuple] = {}  # office (None: province) -> (report, pdf)
        for person in people.itertuples():  # one message each: no one sees the others' addresses
            viewer = viewer_of(person)
            if viewer.office_code not in reviews:
                report = _gather(engine, conn, viewer, as_of, args.lang)
                pdf = _pdf(render_html(report.sections, report.title, report.footer, args.lang))
                reviews[viewer.office_code] = (report, pdf)
            report, pdf = reviews[viewer.office_code]
            scope = names.get(viewer.office_code) if viewer.office_code else None
            _mail(mail, report, pdf, as_of, [person.email], args.lang, scope)
            print(f"{person.username} <{person.email}>: review of {scope or 'the province'} sent")
    if people.empty:
        print("nobody is subscribed (tick 'subscribed' on the users page); nothing sent")
    else:
        print(f"{len(people)} subscriber(s) mailed the review as of {as_of}")
    return 0


def _viewer(conn, office: str | None):
    """The viewer a command-line review reads as, and the office's name (None: the province)."""
    from warehouse.access import Viewer, office_names

    names = office_names(conn, Viewer("cli", "admin"))
    if office and office not in names:
        raise UserFacingError(f"unknown office code '{office}'")
    viewer = Viewer("cli", "manager", office) if office else Viewer("cli", "executive")
    return viewer, names.get(office) if office else None


def _gather(engine, conn, viewer, as_of: dt.date, language: str):
    """The review; a year forecast made for it is kept in the warehouse, where the pages find it."""
    from dashboard.weekly_report import gather_report
    from warehouse.db import shown_url

    return gather_report(conn, viewer, as_of, language, shown_url(), keep=engine)


def _pdf(html: str) -> bytes:
    from dashboard.weekly_report import render_pdf

    try:
        return render_pdf(html)
    except RuntimeError as error:
        raise UserFacingError(f"cannot write the PDF: {error}") from None


def _mail(settings, report, pdf: bytes, as_of: dt.date, recipients: list[str], language: str, scope) -> None:
    from dashboard.mail import review_message

    server, sender = settings
    send_message(server, review_message(report, pdf, as_of, sender, recipients, language, scope))

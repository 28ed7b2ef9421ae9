"""`cashless alerts`: offices off track against a current target, or losing unusually many to cash this week."""

from __future__ import annotations

import argparse
import sys

from cli.common import as_of_or_latest, open_engine, parse_day, print_table, refresh_snapshots_if_stale
from cli.smtp import mail_settings, send_message

EXAMPLE = """examples:
  cashless alerts --as-of 2025-02-28
  cashless alerts --as-of 2025-02-28 --format csv
  cashless alerts --as-of 2025-02-28 --mail   # each subscribed user gets the alerts of their scope

Exit status 0 whether or not there are alerts (read the output); 1 on an error."""


def register(commands) -> None:
    alerts = commands.add_parser(
        "alerts",
        help="offices off track against a target, or with unusually many slip-backs this week",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    alerts.add_argument("--as-of", type=parse_day, help="the day (default: last day with data)")
    alerts.add_argument("--office", help="one office only")
    alerts.add_argument("--format", choices=["table", "csv", "json"], default="table")
    alerts.add_argument("--lang", choices=["vi", "en"], default="vi", help="language of the sentences")
    alerts.add_argument("--mail", action="store_true", help="mail them to subscribed users (their own scope)")


def run(args) -> int:
    from dashboard.alert_text import alert_sentences, rule_sentence
    from warehouse.access import office_names, operator
    from warehouse.alerts import SlipRule, alerts

    mail = mail_settings() if args.mail else None
    engine = open_engine()
    refresh_snapshots_if_stale(engine)
    rule = SlipRule()
    with engine.connect() as conn:
        as_of = as_of_or_latest(conn, args.as_of)
        found = alerts(conn, as_of, office=args.office, rule=rule)
        names = office_names(conn, operator())
        if args.format == "table":
            print(rule_sentence(rule, args.lang))
            for sentence in alert_sentences(found, names, args.lang) or [_none(as_of, args.lang)]:
                print(f"- {sentence}")
        else:
            print_table(found, args.format, as_of)
        if mail:
            _mail_subscribers(conn, mail, as_of, rule, names, args.lang, quiet_stdout=args.format != "table")
    return 0


def _none(as_of, language: str) -> str:
    from cashless.formatting import fmt_date
    from cashless.texts import t

    return t("alerts_none", language, day=fmt_date(as_of, language))


def _mail_subscribers(conn, mail, as_of, rule, names, language: str, quiet_stdout: bool) -> None:
    """Each subscribed user gets the alerts of their own scope, when there are any (progress on stderr
    when stdout carries CSV or JSON)."""
    from dashboard.alert_text import alert_sentences, rule_sentence
    from dashboard.mail import alerts_message
    from warehouse.alerts import alerts
    from warehouse.subscriptions import subscribers, viewer_of

    server, sender = mail
    by_scope: dict[str | None, object] = {}  # office (None: the province) -> its alerts, read once
    for person in subscribers(conn).itertuples():
        viewer = viewer_of(person)
        if viewer.office_code not in by_scope:
            by_scope[viewer.office_code] = alerts(conn, as_of, viewer=viewer, rule=rule)
        found = by_scope[viewer.office_code]
        if found.empty:
            continue
        sentences = alert_sentences(found, names, language)
        send_message(
            server,
            alerts_message(sentences, rule_sentence(rule, language), as_of, sender, [person.email], language),
        )
        print(
            f"{person.username} <{person.email}>: {len(found)} alert(s) mailed",
            file=sys.stderr if quiet_stdout else sys.stdout,
        )

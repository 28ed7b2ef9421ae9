"""The weekly review as an e-mail: a Vietnamese subject with the day, the headline sentences as a
short HTML body (no scripts), and the PDF attached. Building only; the CLI sends it.

The standard library's `email` package builds MIME messages completely; no extra library is needed.
"""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from jinja2 import Environment, select_autoescape

from cashless.formatting import fmt_date
from cashless.texts import t
from dashboard.weekly_report import WeeklyReport

_BODY = """<!doctype html>
<html lang="{{ language }}"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body style="font-family: Arial, sans-serif; font-size: 14px; color: #222">
<h2 style="font-size: 17px">{{ title }}</h2>
{% for sentence in sentences %}<p>{{ sentence }}</p>
{% endfor %}<p style="color: #666">{{ attached }}</p>
<p style="color: #999; font-size: 12px">{{ footer }}</p>
</body></html>
"""


def review_subject(as_of: dt.date, scope: str | None = None) -> str:
    """The mail's subject, always in Vietnamese, with the day as dd/mm/yyyy (and the office, if one)."""
    subject = t("mail_subject", "vi", day=fmt_date(as_of, "vi"))
    return f"{subject} — {scope}" if scope else subject


def review_body(report: WeeklyReport, language: str) -> tuple[str, str]:
    """The body as (plain text, HTML): the review's title, its headline sentences and the footer."""
    sentences = report.sections[0].sentences if report.sections else []
    attached = t("mail_attached", language)
    environment = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    html = environment.from_string(_BODY).render(
        title=report.title, sentences=sentences, attached=attached, footer=report.footer, language=language
    )
    plain = "\n\n".join([report.title, *sentences, attached, report.footer]) + "\n"
    return plain, html


def review_message(
    report: WeeklyReport,
    pdf: bytes,
    as_of: dt.date,
    sender: str,
    recipients: list[str],
    language: str = "vi",
    scope: str | None = None,
) -> EmailMessage:
    """The whole message: headers, text and HTML alternatives, and the review as an attached PDF."""
    message = EmailMessage()
    message["Subject"] = review_subject(as_of, scope)
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    plain, html = review_body(report, language)
    message.set_content(plain)
    message.add_alternative(html, subtype="html")
    message.add_attachment(
        pdf, maintype="application", subtype="pdf", filename=f"bao-cao-tuan-{as_of.isoformat()}.pdf"
    )
    return message


def alerts_message(
    sentences: list[str], rule: str, as_of: dt.date, sender: str, recipients: list[str], language: str = "vi"
) -> EmailMessage:
    """The alerts as a short mail: Vietnamese subject with the day, one paragraph per alert, the rule."""
    title = t("alerts_subject", language, day=fmt_date(as_of, language))
    environment = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    html = environment.from_string(_BODY).render(
        title=title, sentences=sentences, attached=rule, footer="", language=language
    )
    message = EmailMessage()
    message["Subject"] = t("alerts_subject", "vi", day=fmt_date(as_of, "vi"))
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content("\n\n".join([title, *sentences, rule]) + "\n")
    message.add_alternative(html, subtype="html")
    return message

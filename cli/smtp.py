"""Sending mail through the server CASHLESS_SMTP_URL names, with the standard library's smtplib.

smtplib speaks SMTP, implicit TLS (smtps://), STARTTLS and AUTH: all a relay needs, so no library
is added. The URL: smtp://[user:pass@]host[:port] (STARTTLS whenever the server offers it) or
smtps://[user:pass@]host[:port] (TLS from the first byte).
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from cashless.errors import UserFacingError

log = logging.getLogger(__name__)

DEFAULT_PORTS = {"smtp": 25, "smtps": 465}


class MailError(UserFacingError):
    """Mail cannot be sent as configured."""


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to send: host, port, implicit TLS or not, and the login if any."""

    host: str
    port: int
    implicit_tls: bool
    username: str | None = None
    password: str | None = None


def parse_smtp_url(url: str) -> SmtpServer:
    """SmtpServer from smtp://[user:pass@]host[:port] or smtps://...; a clear error for anything else."""
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise MailError(
            f"CASHLESS_SMTP_URL must look like smtp://[user:pass@]host:port or smtps://..., not '{url}'"
        )
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:
        raise MailError("CASHLESS_SMTP_URL has a port that is not a number") from None
    return SmtpServer(
        host=parts.hostname,
        port=port,
        implicit_tls=parts.scheme == "smtps",
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def mail_settings() -> tuple[SmtpServer, str]:
    """The server (CASHLESS_SMTP_URL) and sender (CASHLESS_MAIL_FROM); a one-line error if either is unset."""
    url, sender = os.environ.get("CASHLESS_SMTP_URL"), os.environ.get("CASHLESS_MAIL_FROM")
    if not url:
        raise MailError("set CASHLESS_SMTP_URL (e.g. smtp://user:pass@mail.example.vn:587) to send mail")
    if not sender:
        raise MailError("set CASHLESS_MAIL_FROM (the sender's address) to send mail")
    return parse_smtp_url(url), sender


def send_message(server: SmtpServer, message: EmailMessage, context: ssl.SSLContext | None = None) -> None:
    """Send one message: TLS as the URL says (STARTTLS when offered), log in when a user is given."""
    context = context or ssl.create_default_context()
    try:
        if server.implicit_tls:
            client = smtplib.SMTP_SSL(server.host, server.port, context=context, timeout=60)
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=60)
        with client:
            client.ehlo()
            if not server.implicit_tls and client.has_extn("starttls"):
                client.starttls(context=context)
                client.ehlo()
            if server.username:
                client.login(server.username, server.password or "")
            refused = client.send_message(message)
    except smtplib.SMTPAuthenticationError:
        raise MailError(f"the mail server {server.host} refused the login; check CASHLESS_SMTP_URL") from None
    except smtplib.SMTPRecipientsRefused as error:
        raise MailError(f"the mail server refused every recipient: {', '.join(error.recipients)}") from None
    except (smtplib.SMTPException, OSError) as error:
        raise MailError(f"cannot send mail through {server.host}:{server.port} ({error})") from None
    if refused:
        raise MailError(f"sent, but the mail server refused: {', '.join(refused)}")
    log.info("mailed %s to %s", message["Subject"], message["To"])

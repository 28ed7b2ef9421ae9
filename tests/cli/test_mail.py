"""Mailing the weekly review through a real SMTP server on 127.0.0.1 that keeps what it receives."""

from __future__ import annotations

import email
import email.policy
import shutil
import socket
import ssl
import subprocess
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import select

from cli.main import main
from cli.smtp import MailError, parse_smtp_url, send_message
from tests.warehouse.province_fixture import write_fixture
from warehouse.access import UserError, add_user
from warehouse.db import make_engine
from warehouse.schema import users
from warehouse.subscriptions import set_subscribed, subscribers

FAKE_PDF = b"%PDF-1.4 not drawn by Chromium in this test\n%%EOF\n"


class Inbox:
    """An aiosmtpd handler that keeps each message with its envelope recipients."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def login_checker(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == b"mailer" and auth_data.password == b"s3cret"
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535


@pytest.fixture
def smtp_server():
    """A plain SMTP server that offers AUTH without TLS (so login works in the test), and its inbox."""
    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=login_checker,
        auth_require_tls=False,
        auth_exclude_mechanism=["LOGIN"],  # smtplib would try LOGIN after a refused PLAIN, and wait
    )
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture(scope="module")
def warehouse_url(tmp_path_factory):
    """The 12-customer province fixture loaded: 5 of 9 customers cashless on 28/02/2025 (55,56%)."""
    folder = tmp_path_factory.mktemp("mail")
    url = f"sqlite:///{folder / 'w.db'}"
    paths = write_fixture(folder)
    mp = pytest.MonkeyPatch()
    mp.setenv("DATABASE_URL", url)
    assert main(["db", "upgrade"]) == 0
    assert main(["load", "customers", str(paths[0]), "--quiet"]) == 0
    assert main(["load", "payments", *map(str, paths[1:]), "--quiet"]) == 0
    mp.undo()
    return url


@pytest.fixture
def mail_env(monkeypatch, smtp_server, warehouse_url):
    controller, inbox = smtp_server
    monkeypatch.setenv("DATABASE_URL", warehouse_url)
    monkeypatch.setenv("CASHLESS_SMTP_URL", f"smtp://mailer:s3cret@127.0.0.1:{controller.port}")
    monkeypatch.setenv("CASHLESS_MAIL_FROM", "cashless@pc-tuyenquang.example.vn")
    return inbox


def parts(message):
    return {part.get_content_type(): part for part in message.walk() if not part.is_multipart()}


@pytest.mark.browser
def test_weekly_review_mailed_with_the_real_pdf(mail_env, capsys):
    if not __import__("dashboard.chromium", fromlist=["chromium_path"]).chromium_path():
        pytest.skip("Chromium is not installed (Debian package `chromium`)")
    assert main(["report", "weekly", "--as-of", "2025-02-28", "--mail-to", "a@x.vn, b@y.vn"]) == 0
    assert "mailed to a@x.vn, b@y.vn" in capsys.readouterr().out
    [(recipients, message)] = mail_env.received
    assert recipients == ["a@x.vn", "b@y.vn"]
    assert message["Subject"] == "Báo cáo tuần chuyển đổi thanh toán không dùng tiền mặt ngày 28/02/2025"
    assert message["From"] == "cashless@pc-tuyenquang.example.vn"
    found = parts(message)
    assert set(found) == {"text/plain", "text/html", "application/pdf"}
    pdf = found["application/pdf"]
    assert pdf.get_filename() == "bao-cao-tuan-2025-02-28.pdf"
    assert pdf.get_content().startswith(b"%PDF") and len(pdf.get_content()) > 10_000
    html = found["text/html"].get_content()
    assert "5/9 khách hàng" in html and "55,56%" in html  # the headline figure
    assert "<script" not in html.lower()


def test_office_review_in_english(mail_env, monkeypatch):
    monkeypatch.setattr("dashboard.weekly_report.render_pdf", lambda html: FAKE_PDF)
    args = ["report", "weekly", "--as-of", "2025-02-28", "--mail-to", "m@x.vn", "--office", "PA1102"]
    assert main([*args, "--lang", "en"]) == 0
    [(recipients, message)] = mail_env.received
    assert recipients == ["m@x.vn"]
    assert message["Subject"].endswith("ngày 28/02/2025 — Điện lực Yên Sơn")  # Vietnamese whatever --lang
    html = parts(message)["text/html"].get_content()
    assert "3 of 5 customers" in html and "60.00%" in html  # Yên Sơn alone: 3 of 5
    assert parts(message)["application/pdf"].get_content() == FAKE_PDF


def test_send_mails_each_subscriber_their_scope(mail_env, monkeypatch, warehouse_url, capsys):
    monkeypatch.setattr("dashboard.weekly_report.render_pdf", lambda html: FAKE_PDF)
    engine = make_engine(warehouse_url)
    with engine.begin() as conn:
        conn.execute(users.delete())
        add_user(conn, "boss", "password1", "executive", email="boss@x.vn")
        add_user(conn, "ys", "password1", "manager", "PA1102", email="ys@x.vn")
        add_user(conn, "quiet", "password1", "planner", email="quiet@x.vn")  # not subscribed
        add_user(conn, "nomail", "password1", "planner")
        set_subscribed(conn, "boss", True)
        set_subscribed(conn, "ys", True)
        with pytest.raises(UserError, match="no e-mail"):
            set_subscribed(conn, "nomail", True)
        assert list(subscribers(conn)["username"]) == ["boss", "ys"]
    assert main(["report", "send", "--as-of", "2025-02-28"]) == 0
    assert "2 subscriber(s) mailed" in capsys.readouterr().out
    got = {tuple(r): parts(m)["text/html"].get_content() for r, m in mail_env.received}
    assert set(got) == {("boss@x.vn",), ("ys@x.vn",)}
    assert "5/9" in got[("boss@x.vn",)]  # the province
    assert "3/5" in got[("ys@x.vn",)] and "5/9" not in got[("ys@x.vn",)]  # only Yên Sơn
    with engine.begin() as conn:
        set_subscribed(conn, "boss", False)
        assert conn.scalar(select(users.c.subscribed).where(users.c.username == "boss")) is False


def test_wrong_login_is_one_line(mail_env, monkeypatch, capsys, smtp_server):
    monkeypatch.setattr("dashboard.weekly_report.render_pdf", lambda html: FAKE_PDF)
    monkeypatch.setenv("CASHLESS_SMTP_URL", f"smtp://mailer:wrong@127.0.0.1:{smtp_server[0].port}")
    assert main(["report", "weekly", "--as-of", "2025-02-28", "--mail-to", "a@x.vn"]) == 1
    assert "refused the login" in capsys.readouterr().err
    assert mail_env.received == []


def test_missing_settings_fail_before_any_work(monkeypatch, capsys, warehouse_url):
    monkeypatch.setenv("DATABASE_URL", warehouse_url)
    monkeypatch.delenv("CASHLESS_SMTP_URL", raising=False)
    assert main(["report", "weekly", "--mail-to", "a@x.vn"]) == 1
    assert "set CASHLESS_SMTP_URL" in capsys.readouterr().err
    assert main(["report", "weekly", "--as-of", "2025-02-28"]) == 1
    assert "say where the review goes" in capsys.readouterr().err


@pytest.mark.parametrize(
    "url, expected",
    [
        ("smtp://relay.example.vn:587", ("relay.example.vn", 587, False, None, None)),
        ("smtps://u%40x:p%3Aw@mail.example.vn", ("mail.example.vn", 465, True, "u@x", "p:w")),
        ("smtp://localhost", ("localhost", 25, False, None, None)),
    ],
)
def test_smtp_url(url, expected):
    server = parse_smtp_url(url)
    assert (server.host, server.port, server.implicit_tls, server.username, server.password) == expected


@pytest.mark.parametrize("url", ["http://mail:25", "smtp://", "smtp://host:port"])
def test_bad_smtp_url(url):
    with pytest.raises(MailError):
        parse_smtp_url(url)


@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for 127.0.0.1, made with the openssl command (cryptography is not installed)."""
    if shutil.which("openssl") is None:
        pytest.skip("neither cryptography nor the openssl command: no certificate for the TLS tests")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_side.load_cert_chain(cert, key)
    client_side = ssl.create_default_context(cafile=str(cert))  # trusts this one certificate
    return server_side, client_side


def a_message(to: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = "thử", "cashless@x.vn", to
    message.set_content("xin chào")
    return message


def test_starttls_then_login(certificate):
    server_side, client_side = certificate
    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=server_side,
        require_starttls=True,  # refuses AUTH and MAIL before STARTTLS: the mail got through only over TLS
        authenticator=login_checker,
        auth_required=True,
        auth_exclude_mechanism=["LOGIN"],
    )
    controller.start()
    try:
        send_message(
            parse_smtp_url(f"smtp://mailer:s3cret@127.0.0.1:{controller.port}"),
            a_message("t@x.vn"),
            client_side,
        )
    finally:
        controller.stop()
    [(recipients, message)] = inbox.received
    assert recipients == ["t@x.vn"] and message.get_content().strip() == "xin chào"


def test_smtps_implicit_tls(certificate):
    server_side, client_side = certificate
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), ssl_context=server_side)
    controller.start()
    try:
        send_message(parse_smtp_url(f"smtps://127.0.0.1:{controller.port}"), a_message("s@x.vn"), client_side)
        with pytest.raises(
            MailError, match="CERTIFICATE_VERIFY_FAILED"
        ):  # an untrusted certificate is refused
            send_message(parse_smtp_url(f"smtps://127.0.0.1:{controller.port}"), a_message("s@x.vn"))
    finally:
        controller.stop()
    assert [r for r, _ in inbox.received] == [["s@x.vn"]]


def test_alerts_mailed_to_each_subscriber_in_scope(smtp_server, monkeypatch, tmp_path, capsys):
    from tests.warehouse.test_alerts import write_province

    controller, inbox = smtp_server
    url = f"sqlite:///{tmp_path / 'alerts.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("CASHLESS_SMTP_URL", f"smtp://mailer:s3cret@127.0.0.1:{controller.port}")
    monkeypatch.setenv("CASHLESS_MAIL_FROM", "cashless@x.vn")
    customers, payments = write_province(tmp_path)
    assert main(["db", "upgrade"]) == 0
    assert main(["load", "customers", str(customers), "--quiet"]) == 0
    assert main(["load", "payments", str(payments), "--quiet"]) == 0
    with make_engine(url).begin() as conn:
        add_user(conn, "boss", "password1", "executive", email="boss@x.vn")
        add_user(conn, "m1", "password1", "manager", "PA1101", email="m1@x.vn")
        add_user(conn, "m2", "password1", "manager", "PA1102", email="m2@x.vn")  # no alert in PA1102
        for name in ("boss", "m1", "m2"):
            set_subscribed(conn, name, True)
    capsys.readouterr()
    assert main(["alerts", "--as-of", "2025-02-28", "--mail"]) == 0
    out = capsys.readouterr().out
    assert "trung bình + 2,0 độ lệch chuẩn của 12 tuần" in out  # the definition of "usual" is printed
    assert "Điện lực TP Tuyên Quang: 4 khách hàng quay lại tiền mặt trong 7 ngày" in out
    got = {tuple(r): m for r, m in inbox.received}
    assert set(got) == {("boss@x.vn",), ("m1@x.vn",)}
    assert (
        got[("m1@x.vn",)]["Subject"] == "Cảnh báo chuyển đổi thanh toán không dùng tiền mặt ngày 28/02/2025"
    )
    assert "4 khách hàng quay lại tiền mặt" in parts(got[("m1@x.vn",)])["text/html"].get_content()

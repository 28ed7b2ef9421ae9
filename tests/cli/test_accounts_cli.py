"""Accounts from the command line: one-time passwords, the demo's guard on databases it did not
make, and `cashless serve`'s warning about the demo password."""

from __future__ import annotations

import pytest

from cashless.settings import DEMO_PASSWORD, DEMO_USERS
from cli.serve import warn_demo_passwords
from tests.cli.test_cli import run
from tests.warehouse.province_fixture import write_fixture
from warehouse.access import add_demo_users, add_user, authenticate, claim_for_demo, sign_in
from warehouse.db import make_engine


@pytest.fixture
def url(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    run(["db", "upgrade"], url)
    return url


def test_reset_password_prints_a_one_time_password_to_change(url):
    engine = make_engine(url)
    with engine.begin() as conn:
        add_user(conn, "yenson", "old password", "manager", "PA1102")
    out = run(["users", "reset-password", "yenson"], url).stdout
    one_time = out.split("one-time password for yenson: ")[1].split()[0]
    with engine.begin() as conn:
        assert authenticate(conn, "yenson", "old password") is None
        assert sign_in(conn, "yenson", one_time, "local").account.must_change_password
    engine.dispose()
    failed = run(["users", "reset-password", "ghost"], url, check=False)
    assert failed.returncode != 0 and failed.stderr.strip().splitlines() == ["cashless: no user 'ghost'"]


def test_demo_refuses_a_database_with_data_of_its_own(url, tmp_path):
    customers = write_fixture(tmp_path)[0]
    run(["load", "customers", str(customers)], url)
    done = run(["demo", "--scale", "0.001", "--out", str(tmp_path / "demo")], url, check=False)
    assert done.returncode != 0
    assert "already holds customers not made by `cashless demo`" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "demo").exists()  # refused before generating anything
    assert "no users" in run(["users", "list"], url).stdout


def test_serve_warns_while_an_account_has_the_demo_password(url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", url)
    warn_demo_passwords()
    assert capsys.readouterr().err == ""
    engine = make_engine(url)
    with engine.begin() as conn:
        claim_for_demo(conn)
        add_demo_users(conn, DEMO_USERS, DEMO_PASSWORD)
    engine.dispose()
    warn_demo_passwords()
    warning = capsys.readouterr().err
    assert "4 account(s) still have the demo password" in warning and "manager.yenson" in warning
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{url.split('///')[1]}.missing")
    warn_demo_passwords()  # no schema: nothing to say (the app explains)
    assert capsys.readouterr().err == ""

"""Sign-in throttling, sessions that follow the account, OIDC claims, passwords and the demo's
accounts, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import update

from warehouse.access import (
    UserError,
    Viewer,
    accounts_with_password,
    add_demo_users,
    add_user,
    audit_entries,
    authenticate,
    change_password,
    claim_for_demo,
    current_account,
    end_sessions,
    made_by_demo,
    reset_password,
    session_secret,
    set_active,
    sign_in,
    viewer_for_oidc,
)
from warehouse.schema import users

T0 = dt.datetime(2025, 3, 1, 9, 0)
ADMIN = Viewer("boss", "admin")
PASSWORD = "correct horse"


def _minutes(n: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=n)


@pytest.fixture
def conn(engine):
    with engine.begin() as conn:
        add_user(conn, "yenson", PASSWORD, "manager", "PA1102", email="ys@example.vn")
        add_user(conn, "plan", PASSWORD, "planner")
        yield conn


def test_five_failures_lock_the_account_for_five_minutes(conn):
    for minute in range(4):
        assert sign_in(conn, "yenson", "wrong", "10.0.0.1", now=_minutes(minute)).locked_until is None
    # the 5th failure (from another client, so only the account's count reaches 5) starts the lock
    fifth = sign_in(conn, "yenson", "wrong", "10.0.0.2", now=_minutes(4))
    assert (fifth.account, fifth.locked_until) == (None, _minutes(9))
    # while locked even the right password is refused, from any client; other accounts are not locked
    assert sign_in(conn, "yenson", PASSWORD, "10.0.0.3", now=_minutes(8.9)).locked_until == _minutes(9)
    assert sign_in(conn, "plan", PASSWORD, "10.0.0.3", now=_minutes(8.9)).account.viewer.username == "plan"
    # the lock ends after 5 minutes
    done = sign_in(conn, "yenson", PASSWORD, "10.0.0.3", now=_minutes(9))
    assert done.account.viewer == Viewer("yenson", "manager", "PA1102")


def test_five_failures_from_one_client_lock_that_client(conn):
    names = ["yenson", "plan", "ghost", "admin", "root"]
    results = [sign_in(conn, name, "guess", "10.9.9.9", now=_minutes(i)) for i, name in enumerate(names)]
    assert [r.locked_until for r in results] == [None, None, None, None, _minutes(9)]
    assert sign_in(conn, "plan", PASSWORD, "10.9.9.9", now=_minutes(5)).account is None
    assert sign_in(conn, "plan", PASSWORD, "10.0.0.1", now=_minutes(5)).account is not None  # other client
    assert sign_in(conn, "plan", PASSWORD, "10.9.9.9", now=_minutes(9)).account is not None


def test_a_success_clears_the_account_count_and_old_failures_expire(conn):
    for minute in range(4):
        sign_in(conn, "yenson", "wrong", f"10.0.0.{minute}", now=_minutes(minute))
    assert sign_in(conn, "yenson", PASSWORD, "10.0.1.1", now=_minutes(4)).account is not None
    for minute in range(5, 9):  # four more: no lock, the count started again
        assert sign_in(conn, "yenson", "wrong", f"10.0.2.{minute}", now=_minutes(minute)).locked_until is None
    # a failure more than 15 minutes after the first of a run starts a new run
    assert sign_in(conn, "yenson", "wrong", "10.0.3.1", now=_minutes(30)).locked_until is None


def test_failures_are_audited_with_the_client(conn):
    for minute in range(5):
        sign_in(conn, "plan", "wrong", "10.0.0.7", now=_minutes(minute))
    entries = audit_entries(conn, ADMIN)
    failed = entries[entries["action"] == "sign_in_failed"]
    assert len(failed) == 5 and set(failed["username"]) == {"plan"}
    latest = json.loads(failed.iloc[0]["detail"])
    assert latest["client"] == "10.0.0.7" and latest["locked_until"].startswith("2025-03-01 09:09")
    # the manager, scoped to an office, does not see the province's sign-in failures
    assert audit_entries(conn, Viewer("yenson", "manager", "PA1102")).empty


def test_the_session_follows_the_account_as_stored_now(conn):
    account = sign_in(conn, "yenson", PASSWORD, "local").account
    version = account.session_version
    assert current_account(conn, "yenson", version).viewer.office_code == "PA1102"
    conn.execute(update(users).where(users.c.username == "yenson").values(role="executive", office_code=None))
    assert current_account(conn, "yenson", version).viewer == Viewer("yenson", "executive", None)
    set_active(conn, "yenson", False)
    assert current_account(conn, "yenson", version) is None
    set_active(conn, "yenson", True)
    end_sessions(conn, "yenson")  # sign-out: the old version no longer opens a session
    assert current_account(conn, "yenson", version) is None
    assert current_account(conn, "yenson", version + 1) is not None
    assert current_account(conn, "ghost") is None


def test_oidc_maps_only_a_verified_email(conn):
    manager = Viewer("yenson", "manager", "PA1102")
    assert viewer_for_oidc(conn, {"email": "YS@example.vn", "email_verified": True}) == manager
    assert viewer_for_oidc(conn, {"email": "ys@example.vn", "email_verified": "true"}) == manager
    assert viewer_for_oidc(conn, {"email": "ys@example.vn", "email_verified": False}) is None
    assert viewer_for_oidc(conn, {"email": "ys@example.vn"}) is None
    assert viewer_for_oidc(conn, {"email_verified": True}) is None


def test_one_time_password_must_be_changed(conn):
    before = current_account(conn, "plan").session_version
    with pytest.raises(Exception, match="may not manage users"):
        reset_password(conn, "plan", by=Viewer("yenson", "manager", "PA1102"))
    one_time = reset_password(conn, "plan", by=ADMIN)
    assert len(one_time) >= 12 and authenticate(conn, "plan", PASSWORD) is None
    account = sign_in(conn, "plan", one_time, "local").account
    assert account.must_change_password and account.session_version == before + 1
    with pytest.raises(UserError, match="at least 8"):
        change_password(conn, "plan", one_time, "short")
    with pytest.raises(UserError, match="differ"):
        change_password(conn, "plan", one_time, one_time)
    with pytest.raises(UserError, match="current password is wrong"):
        change_password(conn, "plan", "not it", "a new password")
    changed = change_password(conn, "plan", one_time, "a new password")
    assert not changed.must_change_password and changed.session_version == before + 2
    assert authenticate(conn, "plan", one_time) is None
    assert authenticate(conn, "plan", "a new password") == Viewer("plan", "planner")
    actions = list(audit_entries(conn, ADMIN)["action"])
    assert actions[:2] == ["password_change", "password_reset"]
    with pytest.raises(UserError, match="no user"):
        reset_password(conn, "ghost", by=ADMIN)


def test_demo_accounts_only_in_a_database_the_demo_made(engine):
    demo_users = [("admin", "admin", None), ("manager.yenson", "manager", "PA1102")]
    with engine.begin() as conn:
        add_user(conn, "real.admin", PASSWORD, "admin")
        with pytest.raises(UserError, match="already holds users"):
            claim_for_demo(conn)
        assert not made_by_demo(conn)
        with pytest.raises(UserError, match="only created in a database made by"):
            add_demo_users(conn, demo_users, "cashless-demo")
        assert accounts_with_password(conn, "cashless-demo") == []


def test_the_demo_claims_an_empty_database_and_its_accounts_are_found(engine):
    demo_users = [("admin", "admin", None), ("manager.yenson", "manager", "PA1102")]
    with engine.begin() as conn:
        claim_for_demo(conn)
        claim_for_demo(conn)  # a second demo run on its own database is fine
        add_demo_users(conn, demo_users, "cashless-demo")
        add_demo_users(conn, demo_users, "cashless-demo")  # existing accounts are left alone
        assert sorted(accounts_with_password(conn, "cashless-demo")) == ["admin", "manager.yenson"]
        one_time = reset_password(conn, "admin", by=ADMIN)
        change_password(conn, "admin", one_time, "something else")
        assert accounts_with_password(conn, "cashless-demo") == ["manager.yenson"]


def test_the_session_secret_is_made_once(engine, monkeypatch):
    monkeypatch.delenv("CASHLESS_SECRET_KEY", raising=False)
    with engine.begin() as conn:
        first = session_secret(conn)
    with engine.begin() as conn:
        assert session_secret(conn) == first and len(first) == 64
    monkeypatch.setenv("CASHLESS_SECRET_KEY", "from the environment")
    with engine.begin() as conn:
        assert session_secret(conn) == "from the environment"

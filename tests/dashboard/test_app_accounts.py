"""Accounts through AppTest: the forced change of a one-time password before any page, a user's own
password change, the account re-read on every run, and the lock after repeated failures."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from cashless.settings import ROOT
from warehouse.access import Viewer, authenticate, reset_password
from warehouse.db import make_engine
from warehouse.schema import users

from .conftest import PASSWORD, build_fixture_warehouse

APP = str(ROOT / "dashboard" / "app.py")


@pytest.fixture
def url(tmp_path):
    return build_fixture_warehouse(tmp_path)


def _app(monkeypatch, url: str) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    return AppTest.from_file(APP, default_timeout=60).run()


def _sign_in(app: AppTest, username: str, password: str) -> AppTest:
    app.text_input(key="auth_username").input(username)
    app.text_input(key="auth_password").input(password)
    app.button[0].click().run()
    assert not app.exception, app.exception
    return app


def _messages(app: AppTest) -> str:
    return "\n".join(str(e.value) for e in [*app.error, *app.warning, *app.success, *app.title])


def _change(app: AppTest, current: str, new: str, again: str | None = None) -> AppTest:
    app.text_input(key="auth_current_password").input(current)
    app.text_input(key="auth_new_password").input(new)
    app.text_input(key="auth_new_password_again").input(new if again is None else again)
    next(b for b in app.button if b.label == "Đổi mật khẩu").click().run()
    assert not app.exception, app.exception
    return app


def test_a_one_time_password_must_be_changed_before_any_page(monkeypatch, url):
    engine = make_engine(url)
    with engine.begin() as conn:
        one_time = reset_password(conn, "plan", by=Viewer("admin", "admin"))
    app = _sign_in(_app(monkeypatch, url), "plan", one_time)
    assert "Mật khẩu của bạn là mật khẩu dùng một lần" in _messages(app)
    assert not app.metric  # no page ran
    _change(app, one_time, "mine at last", again="mine at lest")
    assert "Hai mật khẩu mới không khớp" in _messages(app)
    _change(app, one_time, "mine at last")
    assert "dùng một lần" not in _messages(app)
    assert app.metric  # the overview ran
    with engine.begin() as conn:
        assert authenticate(conn, "plan", "mine at last") == Viewer("plan", "planner")
        assert authenticate(conn, "plan", one_time) is None
    engine.dispose()


def test_a_user_changes_their_own_password_on_the_account_page(monkeypatch, url):
    app = _sign_in(_app(monkeypatch, url), "boss", PASSWORD)
    app.switch_page("views/account.py").run()
    _change(app, "not my password", "something new")
    assert "current password is wrong" in _messages(app)
    _change(app, PASSWORD, "something new")
    assert not app.error
    engine = make_engine(url)
    with engine.begin() as conn:
        assert authenticate(conn, "boss", "something new") == Viewer("boss", "executive")
    engine.dispose()


def test_role_and_active_flag_are_read_again_on_every_run(monkeypatch, url):
    app = _sign_in(_app(monkeypatch, url), "boss", PASSWORD)
    assert any("lãnh đạo" in c.value for c in app.sidebar.caption)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            update(users).where(users.c.username == "boss").values(role="manager", office_code="PA1102")
        )
    app.run()
    assert any("PA1102" in c.value for c in app.sidebar.caption)
    with engine.begin() as conn:
        conn.execute(update(users).where(users.c.username == "boss").values(active=False))
    app.run()
    assert "Đăng nhập" in [b.label for b in app.button] and not app.metric
    engine.dispose()


def test_five_failures_lock_the_sign_in(monkeypatch, url):
    app = _app(monkeypatch, url)
    for _ in range(4):
        _sign_in(app, "admin", "wrong password")
        assert "Sai tên đăng nhập hoặc mật khẩu" in _messages(app)
    _sign_in(app, "admin", "wrong password")
    assert "Đăng nhập sai quá nhiều lần" in _messages(app)
    _sign_in(app, "admin", PASSWORD)  # the right password is refused while locked
    assert "Đăng nhập sai quá nhiều lần" in _messages(app) and not app.metric


def test_an_admin_resets_a_password_on_the_users_page(monkeypatch, url):
    app = _sign_in(_app(monkeypatch, url), "admin", PASSWORD)
    app.switch_page("views/admin.py").run()
    app.selectbox(key="admin_reset_user").set_value("yenson")
    next(b for b in app.button if b.label == "Đặt lại mật khẩu").click().run()
    assert not app.exception, app.exception
    shown = next(s.value for s in app.success if "yenson" in s.value)
    one_time = shown.split("`")[1]
    engine = make_engine(url)
    with engine.begin() as conn:
        assert authenticate(conn, "yenson", PASSWORD) is None
        assert authenticate(conn, "yenson", one_time) == Viewer("yenson", "manager", "PA1102")
        actions = conn.exec_driver_sql("SELECT action, detail FROM audit_log ORDER BY id DESC").first()
    assert actions[0] == "password_reset" and "yenson" in actions[1]
    engine.dispose()


def test_an_idle_session_ends(monkeypatch, url):
    app = _sign_in(_app(monkeypatch, url), "boss", PASSWORD)
    assert app.metric
    monkeypatch.setenv("CASHLESS_SESSION_IDLE_HOURS", "0.000001")  # 3.6 ms: any pause is longer
    app.run()
    assert "Đăng nhập" in [b.label for b in app.button] and not app.metric

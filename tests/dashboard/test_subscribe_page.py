"""The users page's subscribe boxes: ticking one subscribes the account to the mailed weekly review."""

from __future__ import annotations

from sqlalchemy import update

from warehouse.db import make_engine
from warehouse.schema import users
from warehouse.subscriptions import subscriptions

from .conftest import build_fixture_warehouse
from .test_app import _signed_in


def test_admin_ticks_a_subscription(monkeypatch, tmp_path):
    url = build_fixture_warehouse(tmp_path)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(update(users).where(users.c.username == "boss").values(email="boss@x.vn"))
    app = _signed_in(monkeypatch, url, "admin")
    app.switch_page("views/admin.py").run()
    assert not app.exception
    boxes = [box for box in app.checkbox if box.key and box.key.startswith("admin_subscribe_")]
    assert [box.key for box in boxes] == ["admin_subscribe_boss"]  # only accounts with an e-mail
    boxes[0].check()
    next(b for b in app.button if b.label == "Lưu đăng ký").click().run()
    assert not app.exception
    with engine.connect() as conn:
        assert subscriptions(conn)["boss"] is True
        assert subscriptions(conn)["plan"] is False

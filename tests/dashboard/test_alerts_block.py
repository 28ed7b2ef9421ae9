"""The overview's alerts block shows exactly what warehouse.alerts returns (and `cashless alerts` prints)."""

from __future__ import annotations

import datetime as dt

import pytest

from dashboard.alert_text import alert_sentences
from warehouse.access import Viewer, office_names
from warehouse.alerts import alerts
from warehouse.db import make_engine
from warehouse.targets import set_target

from .conftest import build_fixture_warehouse
from .test_app import _signed_in


@pytest.fixture(scope="module")
def alert_url(tmp_path_factory):
    """The page fixture plus February targets of 99%: PA1101 (2 of 4) and PA1102 (3 of 5) fall short."""
    url = build_fixture_warehouse(tmp_path_factory.mktemp("alerts"))
    with make_engine(url).begin() as conn:
        set_target(conn, "PA1101", "month", "2025-02", 0.99, "test")
        set_target(conn, "PA1102", "month", "2025-02", 0.99, "test")
    return url


def expected_sentences(url, viewer):
    with make_engine(url).connect() as conn:
        found = alerts(conn, dt.date(2025, 2, 28), viewer=viewer)
        return alert_sentences(found, office_names(conn, Viewer("t", "admin")), "vi")


def shown(app) -> str:
    return "\n".join(str(m.value) for m in app.markdown)


def test_overview_lists_the_alerts(monkeypatch, alert_url):
    expected = expected_sentences(alert_url, None)
    assert any(
        "Điện lực TP Tuyên Quang: kế hoạch tháng 2025-02" in s and "còn thiếu 2" in s for s in expected
    )
    assert any(s.startswith("Điện lực Yên Sơn: kế hoạch tháng 2025-02") for s in expected)
    app = _signed_in(monkeypatch, alert_url, "admin")
    assert not app.exception
    assert all(sentence in shown(app) for sentence in expected)
    assert any("Cảnh báo" in e.label for e in app.expander)


def test_a_manager_sees_only_their_offices_alerts(monkeypatch, alert_url):
    app = _signed_in(monkeypatch, alert_url, "yenson")
    assert not app.exception
    assert "Điện lực Yên Sơn: kế hoạch tháng 2025-02" in shown(app)
    assert "TP Tuyên Quang: kế hoạch" not in shown(app)

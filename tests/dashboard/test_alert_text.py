"""Alerts in sentences: the figures of the worked province (tests/warehouse/test_alerts.py) in words."""

from __future__ import annotations

import pytest

from dashboard.alert_text import alert_sentences, rule_sentence
from etl.load import load_files
from tests.warehouse.test_alerts import AS_OF, write_province
from warehouse.alerts import SlipRule, alerts
from warehouse.targets import set_target


@pytest.fixture
def province(engine, tmp_path):
    customers, payments = write_province(tmp_path)
    load_files(engine, "customers", [customers])
    load_files(engine, "payments", [payments])
    with engine.begin() as conn:
        set_target(conn, "PA1101", "month", "2025-02", 0.5, "test")
    return engine


def test_sentences_carry_the_figures(province):
    with province.connect() as conn:
        found = alerts(conn, AS_OF)
    names = {"PA1101": "Điện lực TP Tuyên Quang"}
    target, slips = alert_sentences(found, names, "vi")
    assert "kế hoạch tháng 2025-02 không đạt" in target and "còn thiếu 6 khách hàng" in target
    assert slips.startswith("Điện lực TP Tuyên Quang: 4 khách hàng quay lại tiền mặt") and "3,1" in slips
    assert "mean + 2.0 standard deviations" in rule_sentence(SlipRule(), "en")

"""Alerts on a hand-made province whose weekly slip-backs and target gap are worked out below.

Weeks end on 28/02/2025 − 7k (k = 12 … 0; k = 0 is "this week"). Every customer pays BIDV on
01/11/2024 (cashless); a slip-back is a counter payment the day before a week's end.
- PA1101: 2 slip-backs in the weeks k = 12, 10, …, 2 and none in the others: mean 1, sample sd
  √(12/11) = 1.0445, usual limit 3.089; this week 4 → alert. 4 customers never slip: on 28/02,
  4 of 20 are cashless (20%); month target 50% → ceil(10) − 4 = 6 still needed, projected 20%: off track.
- PA1102: no slip-back before, 2 this week: above the limit 0 but fewer than 3 → no alert.
- PA1103: as PA1101 before, 3 this week: below 3.089 → no alert.
"""

from __future__ import annotations

import datetime as dt

import pytest

from etl.load import load_files
from warehouse.access import Viewer
from warehouse.alerts import SlipRule, alerts, weekly_slip_backs
from warehouse.targets import set_target, target_status

AS_OF = dt.date(2025, 2, 28)
HISTORY = {k: (2 if k % 2 == 0 else 0) for k in range(1, 13)}
PLAN = {  # office -> slip-backs per week k (0 = this week), plus customers who never slip
    "PA1101": ({**HISTORY, 0: 4}, 4),
    "PA1102": ({0: 2}, 1),
    "PA1103": ({**HISTORY, 0: 3}, 1),
}


def write_province(folder):
    customers, payments = ["MA_KHANG,MA_DVIQLY,NGAY_HLUC"], ["MA_KHANG,KY_HD,NGAY_TT,SO_TIEN,KENH_TT"]
    for office, (weeks, steady) in PLAN.items():
        number = 0
        for k, count in weeks.items():
            for _ in range(count):
                number += 1
                cid = f"{office}-{number:02d}"
                customers.append(f"{cid},{office},01/01/2024")
                payments.append(f"{cid},202410,01/11/2024,100.000,BIDV")
                day = AS_OF - dt.timedelta(days=7 * k + 1)
                payments.append(f"{cid},202411,{day:%d/%m/%Y},100.000,Thu tại quầy")
        for s in range(steady):
            cid = f"{office}-S{s}"
            customers.append(f"{cid},{office},01/01/2024")
            payments.append(f"{cid},202410,01/11/2024,100.000,BIDV")
    (folder / "c.csv").write_text("\n".join(customers) + "\n", encoding="utf-8")
    (folder / "p.csv").write_text("\n".join(payments) + "\n", encoding="utf-8")
    return folder / "c.csv", folder / "p.csv"


@pytest.fixture
def province(engine, tmp_path):
    customers, payments = write_province(tmp_path)
    load_files(engine, "customers", [customers])
    load_files(engine, "payments", [payments])
    with engine.begin() as conn:
        set_target(conn, "PA1101", "month", "2025-02", 0.5, "test")
    return engine


def test_weekly_slip_backs_as_built(province):
    with province.connect() as conn:
        table = weekly_slip_backs(conn, AS_OF, 12)
    assert list(table.loc["PA1101"]) == [HISTORY[k] for k in range(12, 0, -1)] + [4]
    assert list(table.loc["PA1102"]) == [0] * 12 + [2]
    assert list(table.loc["PA1103"])[-1] == 3


def test_alerts_have_the_known_answers(province):
    with province.connect() as conn:
        found = alerts(conn, AS_OF)
    rows = found[["office_code", "alert", "period", "customers_needed", "slipped_week"]].astype(object)
    assert rows.values.tolist() == [
        ["PA1101", "target_off_track", "2025-02", 6, None],
        ["PA1101", "slip_backs", "2025-02", 6, 4],
    ]
    assert found.loc[1, "usual_limit"] == pytest.approx(1 + 2 * (12 / 11) ** 0.5)
    assert found.loc[0, "projected_rate"] == pytest.approx(0.2)
    with province.connect() as conn:  # the page passes the target status it has read already
        status = target_status(conn, AS_OF, AS_OF.year)
        given = alerts(conn, AS_OF, status=status)
        on_track = alerts(conn, AS_OF, status=status.assign(status="on track"))
    assert given.equals(found)
    assert list(on_track["alert"]) == ["slip_backs"]  # the alerts read the status given, not their own


def test_a_manager_sees_only_their_office(province):
    with province.connect() as conn:
        assert alerts(conn, AS_OF, viewer=Viewer("m", "manager", "PA1102")).empty
        assert set(alerts(conn, AS_OF, viewer=Viewer("m", "manager", "PA1101"))["office_code"]) == {"PA1101"}


def test_a_stricter_rule_changes_the_answer(province):
    with province.connect() as conn:
        found = alerts(conn, AS_OF, rule=SlipRule(min_count=2, sds=0.5))
    # limits: PA1101 and PA1103 1.52, PA1102 0 → all three weeks (4, 2, 3) alert now
    assert sorted(found.loc[found["alert"] == "slip_backs", "office_code"]) == ["PA1101", "PA1102", "PA1103"]


def test_too_little_history_gives_no_slip_alert(province):
    # On 06/12/2024 (week k = 12: 2 slip-backs in PA1101 and PA1103) the data start on 01/11/2024, so
    # the weeks ending 08/11 … 29/11 (4, all quiet) are the only history.
    day = dt.date(2024, 12, 6)
    with province.connect() as conn:
        enough = alerts(conn, day, rule=SlipRule(min_count=1, min_history=4))
        too_short = alerts(conn, day, rule=SlipRule(min_count=1, min_history=5))
    assert sorted(enough["office_code"]) == ["PA1101", "PA1103"]
    assert too_short.empty

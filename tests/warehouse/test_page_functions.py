"""The warehouse functions behind the pages, on the hand-made province, on both databases:
histories, changes, channel mix and mapping, data quality, target edits, and office scoping."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from warehouse import channels, metrics, quality, targets
from warehouse.access import AccessDenied, Viewer, audit_entries
from warehouse.snapshots import refresh_snapshots

from .test_metrics_fixture import FEB_END, JAN_END, _load

ADMIN = Viewer("admin", "admin")
PLANNER = Viewer("plan", "planner")
YEN_SON = Viewer("yenson", "manager", "PA1102")


@pytest.fixture
def loaded(engine, tmp_path):
    _load(engine, tmp_path)
    return engine


@pytest.mark.parametrize("office", [None, "PA1102"])
def test_rate_history_equals_kpi_on_every_day(loaded, office):
    # unsorted, with a day before any contract and days between the snapshot rows
    days = [FEB_END, dt.date(2024, 12, 31), dt.date(2001, 1, 1), JAN_END, dt.date(2025, 2, 21)]
    with loaded.connect() as conn:
        history = metrics.rate_history(conn, days, by="office", office=office)
        province = metrics.rate_history(conn, days, by="province").set_index("day")
        for day in days:
            expected = metrics.kpi(conn, day, office=office).set_index("office_code")
            got = history[history["day"] == day].set_index("office_code")
            assert got[["active_customers", "cashless_customers"]].equals(
                expected[["active_customers", "cashless_customers"]]
            )
    assert province.loc[dt.date(2001, 1, 1), ["active_customers", "cashless_customers"]].tolist() == [0, 0]
    with loaded.connect() as conn:  # from a day within the data: the rows before it are not read
        late = metrics.rate_history(conn, [FEB_END, dt.date(2025, 2, 21)], by="office", office=office)
    assert late.equals(history[history["day"] >= dt.date(2025, 2, 21)].reset_index(drop=True))
    assert province.loc[FEB_END, ["active_customers", "cashless_customers"]].tolist() == [9, 5]
    assert province.loc[JAN_END, ["active_customers", "cashless_customers"]].tolist() == [10, 3]


def test_movement_series_matches_pairwise_movements(loaded):
    days = [dt.date(2024, 12, 31), JAN_END, FEB_END]
    with loaded.connect() as conn:
        series = metrics.movement_series(conn, days, by="province")
        for start, end in zip(days, days[1:]):
            pair = metrics.movements(conn, start, end, by="province").iloc[0]
            row = series[series["end"] == end].iloc[0]
            assert (row["converted"], row["slipped"]) == (pair["converted"], pair["slipped"])
    # January: C03 C04 C07 paid by bank (converted from no payment); February: 4 converted, 2 slipped.
    assert series[["converted", "slipped"]].values.tolist() == [[3, 0], [4, 2]]


def test_kpi_changes_against_a_week_and_a_month_before(loaded):
    with loaded.connect() as conn:
        row = metrics.kpi_changes(conn, FEB_END, by="province").iloc[0]
    # 21/02: 4 of 9 cashless; 28/01: 3 of 10.
    assert (row["cashless_change_week"], row["cashless_change_month"]) == (1, 2)
    assert row["rate_change_week"] == pytest.approx(5 / 9 - 4 / 9)
    assert row["rate_change_month"] == pytest.approx(5 / 9 - 3 / 10)


def test_month_helpers():
    assert metrics.month_before(dt.date(2025, 3, 31)) == dt.date(2025, 2, 28)
    assert metrics.month_ends(dt.date(2025, 1, 15), dt.date(2025, 3, 10)) == [
        dt.date(2025, 1, 31),
        dt.date(2025, 2, 28),
        dt.date(2025, 3, 10),
    ]


def test_channel_mix_joins_the_catalog_at_query_time(loaded):
    with loaded.connect() as conn:
        mix = channels.channel_mix(conn, dt.date(2025, 2, 1), FEB_END)
    by_category = mix.groupby("category")["payments"].sum().to_dict()
    # February's 11 loaded payments: BIDV x2, counter x2, collector, MoMo x2, auto-debit, post, ZaloPay, SmartPay.
    assert by_category == {
        "auto_debit": 1,
        "bank": 2,
        "collector_cash": 1,
        "counter_cash": 2,
        "e_wallet": 3,
        "post_office": 1,
        "unknown": 1,
    }
    per_channel = channels.channel_shares(mix).set_index("channel")
    assert per_channel.loc["MoMo", "payment_share"] == pytest.approx(2 / 11)
    assert per_channel["payment_share"].sum() == pytest.approx(1.0)
    shares = channels.category_shares(mix).set_index("category")
    assert shares.loc["bank", "payment_share"] == pytest.approx(2 / 11)
    # February total: 100 + 120 + 200 + 300 + 400 + 150 + 250 + 120 + 80 + 60 thousand; bank: C01 + C04.
    assert shares.loc["bank", "amount_share"] == pytest.approx(400_000 / 1_780_000)


def test_mapping_an_unknown_channel_corrects_history(loaded):
    with loaded.connect() as conn:
        assert list(channels.unknown_channels(conn, ADMIN)["raw_text"]) == ["SmartPay"]
    with pytest.raises(AccessDenied), loaded.begin() as conn:
        channels.map_channel(conn, PLANNER, "SmartPay", "SmartPay", "e_wallet", True)
    with loaded.begin() as conn:
        first = channels.map_channel(conn, ADMIN, "smartpay", "SmartPay", "e_wallet", True)
    assert first == dt.date(2025, 2, 10)
    refresh_snapshots(loaded)
    with loaded.connect() as conn:
        assert channels.unknown_channels(conn, ADMIN).empty
        # C07 paid SmartPay on 10/02: now cashless, so PA1102 has 4 of 5.
        pa1102 = metrics.kpi(conn, FEB_END).set_index("office_code").loc["PA1102"]
        assert pa1102["cashless_customers"] == 4
        entry = audit_entries(conn, ADMIN).iloc[0]
        assert entry["action"] == "catalog_map" and json.loads(entry["detail"])["category"] == "e_wallet"
    with loaded.begin() as conn, pytest.raises(ValueError, match="already in the catalog"):
        channels.map_channel(conn, ADMIN, "SMARTPAY", "x", "bank", True)


def test_load_history_and_quarantine(loaded):
    with loaded.connect() as conn:
        runs = quality.load_history(conn, ADMIN)
        assert list(runs["kind"]) == ["payments", "payments", "payments", "customers"]
        assert runs["rows_quarantined"].sum() == 3
        rows = quality.quarantined_rows(conn, ADMIN)
        assert sorted(rows["column_name"]) == ["amount", "customer_id", "paid_at"]
        assert "raw_row" in rows.columns
        assert "raw_row" not in quality.quarantined_rows(conn, PLANNER).columns  # personal data
        assert quality.quarantine_reasons(conn, ADMIN)["rows"].sum() == 3


def test_target_edits_are_scoped_and_audited(loaded):
    with loaded.begin() as conn:
        targets.edit_target(conn, YEN_SON, "PA1102", "month", "2025-02", 0.8)
        with pytest.raises(AccessDenied):
            targets.edit_target(conn, YEN_SON, "PA1101", "month", "2025-02", 0.8)
        with pytest.raises(AccessDenied):
            targets.edit_target(conn, YEN_SON, "ALL", "year", "2025", 0.8)
        with pytest.raises(AccessDenied):
            targets.edit_target(conn, PLANNER, "PA1101", "year", "2025", 0.8)
        targets.edit_target(conn, ADMIN, "PA1101", "year", "2025", 0.9)
    with loaded.connect() as conn:
        assert list(targets.target_history(conn, YEN_SON)["office_code"]) == ["PA1102"]
        assert len(targets.target_history(conn, ADMIN)) == 2
        mine = targets.target_status(conn, FEB_END, viewer=YEN_SON)
        assert set(mine["office_code"]) == {"PA1102"}
        # PA1102 February 80%: ceil(0.8 * 5) - 3 = 1.
        row = mine.set_index("period").loc["2025-02"]
        assert (row["customers_needed"], row["explicit"]) == (1, True)
        actions = audit_entries(conn, ADMIN)[["username", "action", "office_code"]].values.tolist()
        assert actions == [["admin", "target_set", "PA1101"], ["yenson", "target_set", "PA1102"]]
        plan = targets.planned_targets(conn, [2025], viewer=ADMIN)
        assert set(plan["office_code"]) == {"PA1101", "PA1102"}
        december = plan[(plan["office_code"] == "PA1101") & (plan["period"] == "2025-12")].iloc[0]
        assert december["target_rate"] == pytest.approx(0.9)


def test_a_manager_gets_nothing_of_another_office(loaded):
    with loaded.connect() as conn:
        for frame in (
            metrics.kpi(conn, FEB_END, viewer=YEN_SON),
            metrics.kpi(conn, FEB_END, by="commune", viewer=YEN_SON),
            metrics.value_rate(conn, JAN_END, FEB_END, viewer=YEN_SON),
            metrics.movements(conn, JAN_END, FEB_END, viewer=YEN_SON),
            metrics.rate_history(conn, [JAN_END, FEB_END], viewer=YEN_SON),
            metrics.kpi_changes(conn, FEB_END, viewer=YEN_SON),
        ):
            assert set(frame["office_code"]) == {"PA1102"}
        province = metrics.kpi(conn, FEB_END, by="province", viewer=YEN_SON).iloc[0]
        assert (province["active_customers"], province["cashless_customers"]) == (5, 3)  # their office only
        for call in (
            lambda: metrics.kpi(conn, FEB_END, office="PA1101", viewer=YEN_SON),
            lambda: channels.channel_mix(conn, JAN_END, FEB_END, office="PA1101", viewer=YEN_SON),
            lambda: targets.target_status(conn, FEB_END, office="PA1101", viewer=YEN_SON),
        ):
            with pytest.raises(AccessDenied):
                call()
        mix = channels.channel_mix(conn, JAN_END, FEB_END, viewer=YEN_SON, by_office=True)
        assert set(mix["office_code"]) == {"PA1102"}


def test_target_status_past_periods_read_the_rates_at_their_end(loaded):
    """Past periods' actuals come from one history read: they equal kpi at each period's end."""
    with loaded.begin() as conn:
        targets.set_target(conn, "ALL", "year", "2025", 0.9, "test")
        targets.set_target(conn, "PA1102", "month", "2025-01", 0.5, "test")
        as_of = dt.date(2025, 3, 10)
        status = targets.target_status(conn, as_of, 2025)
        past = status[status["period_end"] < as_of]
        assert sorted(set(past["period"])) == ["2025-01", "2025-02"]
        for row in past.itertuples():
            by = "province" if row.office_code == metrics.PROVINCE else "office"
            office = None if by == "province" else row.office_code
            expected = metrics.kpi(conn, row.period_end, by=by, office=office).iloc[0]
            assert (row.active_customers, row.cashless_customers) == (
                expected["active_customers"],
                expected["cashless_customers"],
            )
        january = status.set_index(["office_code", "period"]).loc[("PA1102", "2025-01")]
        # 31/01: PA1102 has C07..C11 active and C07 cashless (see the fixture).
        assert (january["active_customers"], january["cashless_customers"]) == (5, 1)
        assert january["customers_needed"] == 2 and january["status"] == "off track"
        mine = targets.target_status(conn, as_of, 2025, viewer=YEN_SON)
        assert set(mine["office_code"]) == {"PA1102"}
        assert mine.set_index("period").loc["2025-01", "cashless_customers"] == 1

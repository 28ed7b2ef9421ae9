"""Catalog rows from any source (the reference data `db upgrade` seeds, the channels page) mark the
snapshots stale from the first use of the raw names they map; after the refresh, the snapshot
figures equal the reference SQL again. On both databases, on the hand-made province, where
'SmartPay' (C07, PA1102, 10/02/2025) is not in the catalog."""

from __future__ import annotations

import datetime as dt

import pytest

from cashless.settings import CHANNELS_CSV
from warehouse import channels, metrics, reference
from warehouse.access import Viewer
from warehouse.migrate import seed_reference_data
from warehouse.snapshots import dirty_from, refresh_snapshots

from .test_metrics_fixture import FEB_END, JAN_END, _load

SMARTPAY_FIRST_USE = dt.date(2025, 2, 10)


@pytest.fixture
def loaded(engine, tmp_path):
    _load(engine, tmp_path)
    return engine


def _catalog_with(tmp_path, *lines: str):
    path = tmp_path / "channels.csv"
    path.write_text(CHANNELS_CSV.read_text(encoding="utf-8").rstrip("\n") + "\n" + "\n".join(lines) + "\n")
    return path


def _pa1102_cashless(engine) -> int:
    with engine.connect() as conn:
        return int(metrics.kpi(conn, FEB_END).set_index("office_code").loc["PA1102", "cashless_customers"])


def _assert_snapshots_equal_reference(engine):
    with engine.connect() as conn:
        for day in (JAN_END, dt.date(2025, 2, 10), FEB_END):
            for by in ("office", "commune"):
                snapshot = metrics.kpi(conn, day, by=by)
                expected = reference.customer_counts(conn, day, by=by)
                keys = ["office_code", "commune_id"] if by == "commune" else ["office_code"]
                got = snapshot.merge(expected, on=keys, how="inner", suffixes=("", "_ref"))
                assert len(got) == len(expected)
                assert got["active_customers"].tolist() == got["active_customers_ref"].tolist()
                assert got["cashless_customers"].tolist() == got["cashless_customers_ref"].tolist()
        snapshot = metrics.movements(conn, JAN_END, FEB_END, by="province").iloc[0]
        expected = reference.movements(conn, JAN_END, FEB_END, by="province").iloc[0]
        assert (snapshot["converted"], snapshot["slipped"]) == (expected["converted"], expected["slipped"])


def test_seeded_catalog_row_marks_snapshots_stale_from_first_use(loaded, tmp_path):
    assert dirty_from_now(loaded) is None
    assert _pa1102_cashless(loaded) == 3  # C07 slipped: SmartPay is not cashless while unknown
    with loaded.begin() as conn:
        seed_reference_data(conn, _catalog_with(tmp_path, "SmartPay,SmartPay,e_wallet,1"))
    assert dirty_from_now(loaded) == SMARTPAY_FIRST_USE
    assert _pa1102_cashless(loaded) == 3  # stale until refreshed
    refresh_snapshots(loaded)
    assert dirty_from_now(loaded) is None
    assert _pa1102_cashless(loaded) == 4
    _assert_snapshots_equal_reference(loaded)


def test_seeding_again_or_an_unused_name_leaves_snapshots_fresh(loaded, tmp_path):
    with loaded.begin() as conn:
        seed_reference_data(conn)  # nothing new in the committed catalog
        seed_reference_data(conn, _catalog_with(tmp_path, "NeverUsedPay,NeverUsedPay,e_wallet,1"))
    assert dirty_from_now(loaded) is None
    with loaded.connect() as conn:
        assert "NeverUsedPay" in set(channels.catalog(conn)["raw_name"])


def test_mapping_on_the_page_marks_snapshots_stale_from_first_use(loaded):
    with loaded.begin() as conn:
        first = channels.map_channel(conn, Viewer("admin", "admin"), "SMARTPAY", "SmartPay", "e_wallet", True)
    assert first == SMARTPAY_FIRST_USE == dirty_from_now(loaded)
    refresh_snapshots(loaded)
    assert _pa1102_cashless(loaded) == 4
    _assert_snapshots_equal_reference(loaded)


def dirty_from_now(engine) -> dt.date | None:
    with engine.connect() as conn:
        return dirty_from(conn)

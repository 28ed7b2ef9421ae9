"""Outreach lists on both databases: filters, office scope, the control group, exports, outcomes, effect."""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import replace

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import insert, select

from cashless.settings import ModelSettings
from etl.load import load_files
from models import outreach
from models.export import read_returned_sheet
from models.outreach import OutreachError, split_control
from models.uplift import newcombe_interval
from tests.models.fixture import CUTOFF, write_files
from warehouse import list_counts, metrics
from warehouse.access import AccessDenied, Viewer, audit_entries
from warehouse.schema import model_runs, outreach_lists, outreach_members, scores

PLANNER = Viewer("plan", "planner")
YEN_SON = Viewer("yenson", "manager", "PA1102")
TP = Viewer("tp", "manager", "PA1101")
SETTINGS = replace(ModelSettings(), control_share=0.2)
# hand-made scores as of T: (score, band, first reason)
SCORES = {
    "K07": (0.99, "high", "no_phone"),
    "K01": (0.97, "high", "commune_cashless_rate_low"),
    "K02": (0.96, "high", "mean_days_late_high"),
    "K03": (0.90, "medium", "went_back_to_cash"),
    "K04": (0.80, "low", "no_phone"),
    "K06": (0.70, "low", "no_payments_6m"),
}


@pytest.fixture
def scored(engine, tmp_path):
    """The hand-made province with a model run and the scores above; returns (engine, paths)."""
    paths = write_files(tmp_path)
    load_files(engine, "customers", [paths["customers"]])
    load_files(engine, "payments", [paths["history"]])
    with engine.begin() as conn:
        keys = dict(conn.exec_driver_sql("SELECT customer_id, customer_key FROM customers").all())
        conn.execute(
            insert(model_runs).values(
                version="v1", cutoff=CUTOFF, horizon_months=3, trained_at=dt.datetime(2025, 2, 1),
                trained_by="test", artefact_path="-", metrics_json="{}",
            )
        )  # fmt: skip
        conn.execute(
            insert(scores),
            [
                {"model_version": "v1", "as_of": CUTOFF, "customer_key": keys[c], "score": s, "risk_band": b,
                 "reason_1": r, "reasons_vi": f"lý do {c}", "reasons_en": f"reason {c}"}
                for c, (s, b, r) in SCORES.items()
            ],
        )  # fmt: skip
    return engine, paths


def _ids(frame: pd.DataFrame) -> list[str]:
    return list(frame["customer_id"])


def test_candidates_sorted_by_score_and_filtered(scored):
    engine, _ = scored
    with engine.connect() as conn:
        assert _ids(outreach.outreach_candidates(conn, PLANNER)) == ["K07", "K01", "K02", "K03", "K04", "K06"]
        assert _ids(outreach.outreach_candidates(conn, PLANNER, "PA1101", bands=["high"])) == ["K01", "K02"]
        assert _ids(outreach.outreach_candidates(conn, PLANNER, reasons=["no_phone"])) == ["K07", "K04"]
        assert _ids(outreach.outreach_candidates(conn, PLANNER, customer_types=["business", "public"])) == [
            "K03",
            "K06",
        ]
        assert _ids(outreach.outreach_candidates(conn, PLANNER, communes=["Xã C"])) == ["K07"]
        top = outreach.outreach_candidates(conn, PLANNER, "PA1101", limit=2)
    assert _ids(top) == ["K01", "K02"]
    assert top.loc[0, "name"] == "Nguyễn Văn An" and top.loc[0, "phone"] == "0912345678"
    assert top.loc[0, "reasons_vi"] == "lý do K01" and top.loc[0, "commune"] == "Xã A"


def test_manager_gets_nothing_of_another_office(scored):
    engine, _ = scored
    with engine.connect() as conn:
        assert _ids(outreach.outreach_candidates(conn, YEN_SON)) == ["K07"]
        with pytest.raises(AccessDenied, match="PA1102"):
            outreach.outreach_candidates(conn, YEN_SON, "PA1101")
    with engine.begin() as conn:
        with pytest.raises(AccessDenied):
            outreach.create_list(conn, YEN_SON, "PA1101", 5, SETTINGS)
        made = outreach.create_list(conn, PLANNER, "PA1101", 5, SETTINGS)
        outreach.create_list(conn, YEN_SON, "PA1102", 5, SETTINGS)
    with engine.connect() as conn:
        with pytest.raises(AccessDenied):
            outreach.list_members(conn, YEN_SON, made["list_id"])
        with pytest.raises(AccessDenied):
            outreach.export_list(conn, YEN_SON, made["list_id"], "csv", "x.csv")
        with pytest.raises(AccessDenied):
            outreach.record_outcomes(
                conn,
                YEN_SON,
                made["list_id"],
                pd.DataFrame({"customer_id": ["K01"], "assigned_to": ["x"], "outcome": [None]}),
            )
        assert list(outreach.outreach_lists_table(conn, YEN_SON)["office_code"]) == ["PA1102"]
        assert len(outreach.outreach_lists_table(conn, PLANNER)) == 2
        assert list(outreach.list_effects(conn, YEN_SON)["office_code"]) == ["PA1102"]
        # counts without personal data: executives read them too (the weekly review), for every office
        assert sorted(outreach.list_effects(conn, Viewer("boss", "executive"))["office_code"]) == [
            "PA1101",
            "PA1102",
        ]
        with pytest.raises(AccessDenied, match="outreach"):
            outreach.outreach_candidates(conn, Viewer("boss", "executive"))


def test_control_split_is_per_office_seeded_and_rounded():
    offices = ["PA1101"] * 10 + ["PA1102"] * 25 + ["PA1103"] * 5
    control = split_control(offices, 0.1, seed=42)
    frame = pd.DataFrame({"office": offices, "control": control})
    assert frame.groupby("office")["control"].sum().to_dict() == {"PA1101": 1, "PA1102": 3, "PA1103": 1}
    assert (split_control(offices, 0.1, seed=42) == control).all()
    assert not (split_control(offices, 0.1, seed=43) == control).all()
    assert split_control(offices, 0.0, seed=42).sum() == 0


def test_list_keeps_a_recorded_control_group_that_is_never_exported(scored):
    engine, _ = scored
    with engine.begin() as conn:
        made = outreach.create_list(conn, PLANNER, "PA1101", 5, SETTINGS)
        data, rows = outreach.export_list(conn, PLANNER, made["list_id"], "csv", "ys.csv")
        with pytest.raises(OutreachError, match="no household of PA1101 left"):
            outreach.create_list(conn, PLANNER, "PA1101", 5, SETTINGS)  # all five are on a recent list
    assert (made["households"], made["control"], made["contacted"]) == (5, 1, 4)
    with engine.connect() as conn:
        stored = conn.execute(select(outreach_lists)).mappings().one()
        members = pd.DataFrame(conn.execute(select(outreach_members)).mappings().all())
        keys = dict(conn.exec_driver_sql("SELECT customer_key, customer_id FROM customers").all())
        audit = audit_entries(conn, PLANNER)
    assert (stored["seed"], stored["control_share"], stored["model_version"]) == (
        SETTINGS.seed + made["list_id"],
        0.2,
        "v1",
    )
    assert stored["as_of"] == CUTOFF and stored["created_by"] == "plan"
    members["customer_id"] = members["customer_key"].map(keys)
    members = members.sort_values("rank")
    assert list(members["customer_id"]) == ["K01", "K02", "K03", "K04", "K06"]
    expected = split_control(["PA1101"] * 5, 0.2, stored["seed"])
    assert list(members["is_control"].astype(bool)) == list(expected)
    control_id = members.loc[members["is_control"].astype(bool), "customer_id"].item()
    exported = pd.read_csv(io.BytesIO(data), dtype=str, encoding="utf-8-sig")
    assert rows == 4 and control_id not in set(exported["Mã khách hàng"])
    assert sorted(exported["Mã khách hàng"]) == sorted(set(members["customer_id"]) - {control_id})
    export = audit[audit["action"] == "export"].iloc[0]
    assert (export["username"], export["office_code"], export["rows"]) == ("plan", "PA1101", 4)
    assert json.loads(export["detail"]) == {"file": "ys.csv", "list_id": made["list_id"], "format": "csv"}


def test_outcomes_in_the_page_and_from_a_returned_sheet(scored):
    engine, _ = scored
    with engine.begin() as conn:
        made = outreach.create_list(conn, TP, "PA1101", 5, SETTINGS)
        members = outreach.list_members(conn, TP, made["list_id"], include_control=True)
        control = members.loc[members["is_control"], "customer_id"].item()
        contacted = list(members.loc[~members["is_control"], "customer_id"])
        changed = outreach.record_outcomes(
            conn, TP, made["list_id"],
            pd.DataFrame({"customer_id": contacted[:2], "assigned_to": ["Lò Văn A", "Lò Văn A"], "outcome": ["contacted", None]}),
        )  # fmt: skip
        assert changed == 2
        for bad, message in (
            ({"customer_id": [control], "assigned_to": ["x"], "outcome": [None]}, "control households"),
            ({"customer_id": [contacted[0]], "assigned_to": [None], "outcome": ["maybe"]}, "unknown outcome"),
            ({"customer_id": ["K07"], "assigned_to": [None], "outcome": ["agreed"]}, "not on list"),
        ):
            with pytest.raises(OutreachError, match=message):
                outreach.record_outcomes(conn, TP, made["list_id"], pd.DataFrame(bad))
        data, _ = outreach.export_list(conn, TP, made["list_id"], "xlsx", "tp.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    page = book.active
    assert page["L2"].value == "Lò Văn A" and page["M2"].value == "Đã liên hệ"
    page["M2"] = "Đồng ý chuyển đổi"
    page["L4"], page["M4"] = "Hà Thị B", "Không liên lạc được"
    returned = io.BytesIO()
    book.save(returned)
    with engine.begin() as conn:
        done = outreach.import_outcomes(conn, TP, read_returned_sheet(returned.getvalue(), "tp-back.xlsx"))
        after = outreach.list_members(conn, TP, made["list_id"]).set_index("customer_id")
        audit = audit_entries(conn, TP)
    assert done == {made["list_id"]: 2}
    assert after.loc[contacted[0], "outcome"] == "agreed" and after.loc[contacted[0], "outcome_by"] == "tp"
    assert after.loc[contacted[2], ["assigned_to", "outcome"]].tolist() == ["Hà Thị B", "unreachable"]
    assert after.loc[contacted[1], "outcome"] is None and after.loc[contacted[1], "assigned_to"] == "Lò Văn A"
    assert list(audit["action"]).count("outcomes") == 2


def test_effect_compares_contacted_and_control_conversion_from_payments(scored):
    engine, paths = scored
    with engine.begin() as conn:
        made = outreach.create_list(conn, PLANNER, "PA1101", 5, replace(SETTINGS, control_share=0.4))
    load_files(engine, "payments", [paths["later"]])  # K06 MoMo on 10/02, K01 BIDV on 30/04, K02 on 01/05
    with engine.connect() as conn:
        members = outreach.list_members(conn, PLANNER, made["list_id"], include_control=True)
        effects = outreach.list_effects(conn, PLANNER, measured_on=dt.date(2025, 4, 30))
    members = members[members["customer_id"] != "K04"]  # contract ended 15/03: left out
    members["converted"] = members["customer_id"].isin(["K01", "K06"])
    expected = members.groupby("is_control")["converted"].agg(["size", "sum"])
    row = effects.iloc[0]
    assert (row["contacted"], row["contacted_converted"]) == tuple(expected.loc[False])
    assert (row["control"], row["control_converted"]) == tuple(expected.loc[True])
    assert row["difference"] == pytest.approx(row["contacted_rate"] - row["control_rate"])
    assert row["days"] == (dt.date(2025, 4, 30) - CUTOFF).days
    low, high = newcombe_interval(
        row["contacted_converted"], row["contacted"], row["control_converted"], row["control"]
    )
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high))  # Newcombe–Wilson, not Wald
    assert row["detectable"] > 0


def _sorted(counts: pd.DataFrame) -> pd.DataFrame:
    keys = ["list_id", "is_control", "outcome"]
    counts = counts.assign(
        list_id=counts["list_id"].astype(int),
        is_control=counts["is_control"].astype(bool),
        outcome=counts["outcome"].fillna("-").astype(str),
        households=counts["households"].astype(int),
        converted=counts["converted"].astype(int),
    )
    return counts[[*keys, "households", "converted"]].sort_values(keys).reset_index(drop=True)


def test_stored_list_counts_are_the_live_count_after_every_change(scored):
    """The counts behind list effects, stored at the last day with data, equal a live count after a
    list is made, after outcomes are recorded and after a load; a count from before the last refresh
    and any other day are counted live."""
    engine, paths = scored

    def stored_and_live(conn):
        last = metrics.data_period(conn)[1]
        return list_counts.stored_counts(conn, last), list_counts.count_members(conn, last), last

    with engine.begin() as conn:
        made = outreach.create_list(conn, PLANNER, "PA1101", 5, replace(SETTINGS, control_share=0.4))
        stored, live, _ = stored_and_live(conn)
        assert stored is not None and len(live) == 2  # contacted and control, no outcome yet
        pd.testing.assert_frame_equal(_sorted(stored), _sorted(live))
        contacted = outreach.list_members(conn, PLANNER, made["list_id"])["customer_id"].tolist()
        outreach.record_outcomes(
            conn, PLANNER, made["list_id"],
            pd.DataFrame({"customer_id": contacted[:1], "assigned_to": [None], "outcome": ["agreed"]}),
        )  # fmt: skip
        stored, live, _ = stored_and_live(conn)
        assert "agreed" in set(live["outcome"])
        pd.testing.assert_frame_equal(_sorted(stored), _sorted(live))
    load_files(engine, "payments", [paths["later"]])  # conversions after the list, a later last day
    with engine.begin() as conn:
        stored, live, last = stored_and_live(conn)
        assert last > CUTOFF and live["converted"].sum() > 0
        pd.testing.assert_frame_equal(_sorted(stored), _sorted(live))
        assert list_counts.stored_counts(conn, dt.date(2025, 4, 30)) is None  # another day: live
        shown = outreach.list_effects(conn, PLANNER)
        conn.exec_driver_sql("UPDATE snapshot_state SET refreshed_at = '2099-01-01 00:00:00'")
        assert list_counts.stored_counts(conn, last) is None  # counted before the last refresh
        pd.testing.assert_frame_equal(outreach.list_effects(conn, PLANNER), shown)

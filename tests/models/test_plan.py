"""Outreach within capacity: list sizes, top-k per office, weeks and slots, the capacity file, the stored plan."""

from __future__ import annotations

import io
import itertools

import numpy as np
import pandas as pd
import pytest

from models.plan import (
    CapacityError,
    check_capacity,
    choose_households,
    list_size,
    plan_bytes,
    plan_outreach,
    plan_summary,
    pooled_effect,
    rank_candidates,
    read_capacity,
    schedule_visits,
)
from tests.models.test_outreach import PLANNER, SETTINGS, TP, scored  # noqa: F401 (fixture)

OFFICES = ["PA1101", "PA1102", "PA1103"]


def candidates() -> pd.DataFrame:
    """Households of two offices with an expected gain; A1..A6 in PA1101, B1..B3 in PA1102."""
    gains = {
        "A1": 0.05,
        "A2": 0.30,
        "A3": 0.10,
        "A4": 0.20,
        "A5": 0.01,
        "A6": 0.15,
        "B1": 0.4,
        "B2": 0.0,
        "B3": 0.2,
    }
    return pd.DataFrame(
        {
            "office_code": ["PA1101" if c[0] == "A" else "PA1102" for c in gains],
            "customer_id": list(gains),
            "priority": list(gains.values()),
            "expected_gain": list(gains.values()),
        }
    )


def capacity(a: int, b: int) -> pd.DataFrame:
    return pd.DataFrame({"office_code": ["PA1101", "PA1102"], "visits_per_week": [a, b]})


@pytest.mark.parametrize(
    "visits, share, size", [(0, 0.1, 0), (9, 0.1, 10), (18, 0.1, 20), (4, 0.0, 4), (3, 0.5, 7)]
)
def test_list_size_leaves_exactly_the_visits_after_the_control_share(visits, share, size):
    assert list_size(visits, share) == size
    assert size - int(np.floor(share * size + 0.5)) <= visits  # never more contacts than visits


def test_top_k_per_office_is_the_best_any_choice_within_the_caps_can_do():
    chosen = choose_households(candidates(), capacity(1, 1), weeks=2, control_share=0.0)
    assert chosen["customer_id"].tolist() == ["A2", "A4", "B1", "B3"]  # visiting order: best first
    table = candidates()
    best = max(
        table.loc[list(a), "expected_gain"].sum() + table.loc[list(b), "expected_gain"].sum()
        for a in itertools.combinations(range(6), 2)
        for b in itertools.combinations(range(6, 9), 2)
    )
    assert chosen["expected_gain"].sum() == pytest.approx(best)  # brute force over every allowed choice


def test_the_plan_never_exceeds_any_office_capacity():
    rng = np.random.default_rng(7)
    table = pd.DataFrame(
        {
            "office_code": rng.choice(OFFICES, 500),
            "customer_id": [f"C{i:03d}" for i in range(500)],
            "priority": rng.random(500),
        }
    ).assign(expected_gain=lambda f: f["priority"])
    cap = pd.DataFrame({"office_code": OFFICES, "visits_per_week": [7, 0, 13]})
    for weeks, share in [(1, 0.1), (4, 0.1), (3, 0.25), (50, 0.1)]:
        chosen = choose_households(table, cap, weeks, share)
        control = np.zeros(len(chosen), dtype=bool)
        for _office, rows in chosen.groupby("office_code").indices.items():
            control[rows[: int(np.floor(share * len(rows) + 0.5))]] = True
        plan = schedule_visits(chosen, control, cap)
        visits = plan[~plan["is_control"]].groupby("office_code").size()
        allowed = cap.set_index("office_code")["visits_per_week"] * weeks
        assert (visits <= allowed.reindex(visits.index)).all()
        assert "PA1102" not in visits.index
        per_week = plan[~plan["is_control"]].groupby(["office_code", "week"]).size()
        assert (per_week <= per_week.index.get_level_values(0).map(allowed / weeks)).all()


def test_weeks_and_slots_follow_the_visiting_order_and_skip_the_control():
    chosen = choose_households(candidates(), capacity(2, 1), weeks=2, control_share=0.0)
    control = chosen["customer_id"].eq("A4").to_numpy()
    plan = schedule_visits(chosen, control, capacity(2, 1)).set_index("customer_id")
    assert plan.loc["A2", ["week", "slot"]].tolist() == [1, 1]
    assert plan.loc["A6", ["week", "slot"]].tolist() == [1, 2]
    assert plan.loc["A3", ["week", "slot"]].tolist() == [2, 1]
    assert pd.isna(plan.loc["A4", "week"]) and pd.isna(plan.loc["A4", "slot"])
    assert plan.loc["B3", ["week", "slot"]].tolist() == [2, 1]


def test_ranking_says_which_it_used():
    table = (
        candidates()
        .drop(columns=["priority", "expected_gain"])
        .assign(score=[0.9, 0.1, 0.5, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8])
    )
    ranked, by = rank_candidates(table, None, 0.03)
    assert by == "propensity" and ranked["priority"].tolist() == table["score"].tolist()
    assert (ranked["expected_gain"] == 0.03).all()
    ranked, by = rank_candidates(table, pd.Series(np.arange(9) / 100), None)
    assert by == "uplift" and ranked["expected_gain"].tolist() == list(np.arange(9) / 100)
    effects = pd.DataFrame(
        {
            "contacted": [80, 20],
            "contacted_converted": [20, 10],
            "control": [10, 10],
            "control_converted": [1, 3],
        }
    )
    assert pooled_effect(effects) == pytest.approx(30 / 100 - 4 / 20)
    assert pooled_effect(effects.assign(control=0)) is None


@pytest.mark.parametrize(
    "csv, message",
    [
        ("office_code,visits\nPA1101,5\n", "missing column(s) visits_per_week"),
        ("office_code,visits_per_week\nPA9999,5\n", "unknown office code(s) PA9999"),
        ("office_code,visits_per_week\nPA1101,5\nPA1101,6\n", "more than once: PA1101"),
        ("office_code,visits_per_week\nPA1101,-1\n", "whole number ≥ 0 (office PA1101)"),
        ("office_code,visits_per_week\nPA1101,2.5\n", "whole number"),
    ],
)
def test_capacity_file_problems_are_named(csv, message):
    with pytest.raises(CapacityError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_capacity(csv.encode(), "cap.csv", OFFICES)


def test_capacity_file_reads_csv_with_a_bom_and_xlsx():
    table = read_capacity("\ufeffOffice_Code,visits_per_week\nPA1101,5\n".encode(), "cap.csv", OFFICES)
    assert table.to_dict("records") == [{"office_code": "PA1101", "visits_per_week": 5}]
    buffer = io.BytesIO()
    capacity(3, 4).to_excel(buffer, index=False)
    assert read_capacity(buffer.getvalue(), "cap.xlsx", OFFICES)["visits_per_week"].tolist() == [3, 4]
    assert check_capacity(capacity(1, 2), OFFICES)["office_code"].tolist() == ["PA1101", "PA1102"]


def test_stored_plan_is_lists_with_control_within_capacity(scored, monkeypatch, tmp_path):  # noqa: F811
    monkeypatch.setenv("CASHLESS_MODELS_DIR", str(tmp_path / "models"))  # no uplift model there
    engine, _ = scored
    with engine.begin() as conn:
        # PA1101 has K01, K02, K03, K04, K06 scored; 1 visit a week for 2 weeks, control share 0.2
        plan, by = plan_outreach(conn, PLANNER, capacity(1, 5), weeks=2, settings=SETTINGS)
    assert by == "propensity"
    contacted = plan[~plan["is_control"]]
    assert len(contacted[contacted["office_code"] == "PA1101"]) <= 2
    office = plan[plan["office_code"] == "PA1101"]
    assert list_size(2, 0.2) == 3  # 3 listed, round(0.2 × 3) = 1 held back, 2 visits
    assert office["customer_id"].tolist() == ["K01", "K02", "K03"]  # the top three scores, in order
    assert office["is_control"].sum() == 1 and len(contacted[contacted["office_code"] == "PA1101"]) == 2
    assert plan.loc[plan["office_code"] == "PA1102", "customer_id"].tolist() == ["K07"]
    assert plan["list_id"].notna().all() and plan["ranked_by"].eq("propensity").all()
    summary = plan_summary(plan, capacity(1, 5), 2).set_index("office_code")
    assert summary.loc["PA1101", "visits_available"] == 2
    assert summary.loc["PA1102", "visits_planned"] == 1
    sheet = plan_bytes(plan, "csv").decode("utf-8-sig")
    assert "'=HYPERLINK" in sheet or "K03" not in sheet  # formula-like names neutralised
    assert len(sheet.strip().splitlines()) == 1 + len(contacted)
    with engine.begin() as conn:
        with pytest.raises(CapacityError, match="PA1102"):  # a manager plans only their own office
            plan_outreach(conn, TP, capacity(1, 5), weeks=2, settings=SETTINGS)
        own, _ = plan_outreach(conn, TP, capacity(1, 5).iloc[:1], weeks=1, settings=SETTINGS, store=False)
    assert set(own["office_code"]) == {"PA1101"} and own["list_id"].isna().all()


def test_summary_counts_visits_and_the_detectable_effect():
    plan = pd.DataFrame(
        {
            "office_code": ["PA1101"] * 4 + ["PA1102"],
            "is_control": [False, False, False, True, False],
            "expected_gain": [0.1, 0.2, 0.3, 0.4, np.nan],
            "score": [0.9] * 5,
        }
    )
    summary = plan_summary(plan, capacity(3, 2), weeks=1).set_index("office_code")
    assert summary.loc["PA1101", ["visits_available", "visits_planned", "control"]].tolist() == [3, 3, 1]
    assert summary.loc["PA1101", "expected_conversions"] == pytest.approx(
        0.6
    )  # the control's gain not counted
    # 3 visited, 1 control, 10% converting alone: 2.801585 × √(0.09 × (1/3 + 1))
    assert summary.loc["PA1101", "detectable"] == pytest.approx(2.801585 * np.sqrt(0.09 * 4 / 3), abs=1e-5)
    assert np.isinf(summary.loc["PA1102", "detectable"])  # no control: nothing can be measured
    assert pd.isna(summary.loc["PA1102", "expected_conversions"])


class PhoneLearner:
    """A stand-in uplift model: a visit moves households with a phone by 0.1, others not at all."""

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        return features["has_phone"].astype(float).to_numpy() * 0.1


def test_plan_ranks_by_uplift_once_a_model_is_saved(scored, monkeypatch, tmp_path):  # noqa: F811
    import joblib

    from cashless.settings import ModelSettings
    from models.waves import UPLIFT_FILE

    (tmp_path / "models").mkdir()
    monkeypatch.setenv("CASHLESS_MODELS_DIR", str(tmp_path / "models"))
    joblib.dump({"learner": PhoneLearner(), "settings": ModelSettings()}, tmp_path / "models" / UPLIFT_FILE)
    engine, _ = scored
    with engine.begin() as conn:
        plan, by = plan_outreach(conn, PLANNER, capacity(2, 1), weeks=1, settings=SETTINGS, store=False)
        by_score, _ = plan_outreach(
            conn, PLANNER, capacity(2, 1), weeks=1, settings=SETTINGS, store=False, use_uplift=False
        )
    assert by == "uplift" and plan["ranked_by"].eq("uplift").all()
    office = plan[plan["office_code"] == "PA1101"]
    # K01, K02, K03 and K06 have a phone (gain 0.1), K04 has none: it is never picked before them
    assert "K04" not in set(office["customer_id"])
    assert set(office["expected_gain"]) == {0.1}
    assert plan.loc[plan["office_code"] == "PA1102", "expected_gain"].tolist() == [0.0]  # K07: no phone
    assert by_score["customer_id"].tolist()[:3] == ["K01", "K02", "K03"]  # the scores' order

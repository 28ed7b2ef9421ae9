"""Mô hình / Model: the backtest of the outreach model against two baselines, its lift, calibration
and feature importance, and how the latest scores spread over the offices."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from cashless.formatting import fmt_date, fmt_datetime, fmt_decimal, fmt_int, fmt_rate
from cashless.settings import ModelSettings
from cashless.texts import FEATURE_NAMES, text
from dashboard import data, filters
from dashboard.charts import style_chart
from dashboard.i18n import lang, t
from dashboard.tables import show_table
from models.evaluation import (
    SCORES,
    best_baseline,
    calibration_frame,
    comparison_table,
    lift_ratios,
    lift_table,
)
from models.runs import distribute_scores, summarise_scores

COLOURS = {"model": "#1f4e9c", "commune_rate": "#f4a261", "never_cashless": "#9e9e9e"}

viewer, first, last = filters.start_page("model")
office = filters.office()

runs = data.model_runs(viewer)
if runs.empty:
    st.info(t("m_no_model"))
    st.stop()
version = st.selectbox(t("m_version"), list(runs["version"]), key="model_version")
run = data.model_run(viewer, version)
report = run["report"]
plan, backtest = report["plan"], report["backtest"]
st.caption(
    t(
        "m_caption",
        version=run["version"],
        at=fmt_datetime(run["trained_at"], lang()),
        by=run["trained_by"] or "?",
        cutoff=fmt_date(run["cutoff"], lang()),
        h=run["horizon_months"],
    )
)


def day(iso: str) -> str:
    return fmt_date(dt.date.fromisoformat(iso), lang())


def score_label(name: str) -> str:
    return t(f"m_{name}")


labels = {name: score_label(name) for name in SCORES}
colours = {labels[name]: colour for name, colour in COLOURS.items()}

# headline cards ----------------------------------------------------------------------------------------
model, ratios, best = backtest["model"], lift_ratios(backtest), best_baseline(backtest)
cards = st.columns(3)
for column, key, value, baseline in (
    (0, "m_card_auc", fmt_decimal(model["roc_auc"], lang()), fmt_decimal(best["roc_auc"], lang())),
    (1, "m_card_lift", fmt_decimal(model["top_decile_lift"], lang()), fmt_decimal(best["top_decile_lift"], lang())),
    (2, "m_card_wasted", fmt_rate(model["top_decile_self_converted"], lang()),
     fmt_rate(best["top_decile_self_converted"], lang())),
):  # fmt: skip
    cards[column].metric(
        t(key), value, delta=t("m_vs_baseline", value=baseline), delta_color="off", border=True
    )

# the backtest, side by side ------------------------------------------------------------------------------
st.subheader(t("m_backtest"))
st.caption(
    t(
        "m_backtest_caption",
        first=day(plan["backtest_training"][0]),
        last=day(plan["backtest_training"][-1]),
        rows=fmt_int(report["evaluation_rows"], lang()),
        cutoff=day(plan["evaluation_cutoff"]),
        label_day=day(plan["evaluation_label_day"]),
    )
)
table = comparison_table(backtest)
table["score"] = table["score"].map(labels)
show_table(
    table.rename(columns=lambda c: f"m_{c}" if c != "score" else "m_score_name"),
    {
        "m_score_name": "text",
        "m_roc_auc": "decimal",
        "m_pr_auc": "decimal",
        "m_brier": "decimal",
        "m_top_decile_lift": "decimal",
        "m_top_decile_self_converted": "rate",
        "m_calibration_error": "decimal",
    },
    f"backtest_{run['version']}.csv",
    "model_backtest",
)
st.caption(
    t(
        "m_lift_note",
        base=fmt_rate(model["base_rate"], lang()),
        max=fmt_decimal(model["max_lift"], lang()),
        model=fmt_rate(model["top_decile_self_converted"], lang()),
        baseline=fmt_rate(best["top_decile_self_converted"], lang()),
        ratio=fmt_decimal(ratios["wasted_visits"], lang(), 2),
    )
)

# lift and calibration -------------------------------------------------------------------------------------
left, right = st.columns(2)
lift = lift_table(backtest)
lift["label"] = lift["score"].map(labels)
lift_chart = px.line(
    lift, x="decile", y="lift", color="label", markers=True, color_discrete_map=colours,
    labels={"decile": t("m_decile"), "lift": t("m_lift"), "label": t("m_score_name")},
    title=t("m_lift_chart"),
)  # fmt: skip
lift_chart.add_hline(y=1, line_dash="dot", line_color="#666")
lift_chart.update_xaxes(dtick=1)
left.plotly_chart(style_chart(lift_chart, rate_axis=None, language=lang()), key="model_lift")

calibration = calibration_frame(backtest)
calibration["label"] = calibration["score"].map(labels)
calibration_chart = px.line(
    calibration, x="predicted", y="observed", color="label", markers=True, color_discrete_map=colours,
    labels={"predicted": t("m_predicted"), "observed": t("m_observed"), "label": t("m_score_name")},
    title=t("m_calibration_chart"),
)  # fmt: skip
low = float(min(calibration["predicted"].min(), calibration["observed"].min()))
calibration_chart.add_trace(
    go.Scatter(x=[low, 1], y=[low, 1], mode="lines", line={"dash": "dot", "color": "#666"}, showlegend=False)
)
calibration_chart.update_xaxes(tickformat=".0%")
calibration_chart.update_layout(hovermode="closest")
right.plotly_chart(style_chart(calibration_chart, language=lang()), key="model_calibration")
right.caption(t("m_calibration_caption"))

# feature importance ---------------------------------------------------------------------------------------
importance = pd.DataFrame(report["importance"])
importance["label"] = importance["feature"].map(lambda f: text(FEATURE_NAMES, f, lang()))
bars = px.bar(
    importance.sort_values("importance"), x="importance", y="label", orientation="h", error_x="std",
    labels={"importance": t("m_importance"), "label": t("m_feature")}, title=t("m_importance_chart"),
)  # fmt: skip
bars.update_layout(height=520, hovermode="closest")
st.plotly_chart(style_chart(bars, rate_axis=None, language=lang()), key="model_importance")
threshold = report["settings"].get("reason_min_importance", ModelSettings().reason_min_importance)
st.caption(t("m_importance_caption", threshold=fmt_decimal(threshold, lang())))

# the latest scores per office -------------------------------------------------------------------------------
st.subheader(t("m_distribution_chart"))
latest = data.latest_scores(viewer)
if latest is None:
    st.info(t("m_no_scores"))
    st.stop()
names = data.office_names(viewer)
scored = data.latest_scored(viewer, office)  # read once; the summary and the spread come from it
summary = summarise_scores(scored).assign(office=lambda frame: frame["office_code"].map(names))
low_cut, high_cut = ModelSettings().risk_band_cutoffs
st.caption(
    t(
        "m_distribution_caption",
        as_of=fmt_date(latest[1], lang()),
        n=fmt_int(summary["households"].sum(), lang()),
        high=fmt_decimal(high_cut, lang(), 2),
        low=fmt_decimal(low_cut, lang(), 2),
    )
)
spread = distribute_scores(scored).assign(office=lambda frame: frame["office_code"].map(names))
histogram = px.line(
    spread, x="bin_start", y="share", color="office", markers=True,
    labels={"bin_start": t("m_score"), "share": t("m_share_of_office"), "office": t("office")},
    hover_data={"households": True},
)  # fmt: skip
histogram.update_xaxes(tickformat=".0%")
for cut in (low_cut, high_cut):
    histogram.add_vline(x=cut, line_dash="dot", line_color="#666")
st.plotly_chart(style_chart(histogram, language=lang()), key="model_distribution")
show_table(
    summary.rename(
        columns={
            "households": "m_households",
            "mean_score": "m_mean_score",
            "high": "m_high",
            "medium": "m_medium",
            "low": "m_low",
        }
    ),
    {
        "office": "text",
        "m_households": "int",
        "m_high": "int",
        "m_medium": "int",
        "m_low": "int",
        "m_mean_score": "rate",
    },
    f"scores_by_office_{latest[1]}.csv",
    "model_scores",
)

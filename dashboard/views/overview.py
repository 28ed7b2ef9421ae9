"""Tổng quan / Overview: the province or one office on a day, its trend against plan, offices by gap."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from cashless.formatting import fmt_int, fmt_points, fmt_rate, fmt_signed_int
from dashboard import data, filters
from dashboard.alert_text import alert_sentences, rule_sentence
from dashboard.charts import style_chart
from dashboard.forecast_panel import show_forecast
from dashboard.i18n import lang, t
from dashboard.tables import show_table
from warehouse.alerts import SlipRule
from warehouse.metrics import PROVINCE, month_ends

viewer, first, last = filters.start_page("overview")
as_of, office = filters.as_of(), filters.office()
scope_code = office or PROVINCE
by = "office" if office else "province"

# Alerts: off-track targets and unusual slip-backs (the list `cashless alerts` prints) ---------------
if alert_lines := alert_sentences(data.alerts(viewer, as_of, office), data.office_names(viewer), lang()):
    with st.expander(f"⚠️ {t('alerts_title')} ({len(alert_lines)})", expanded=True):
        st.markdown("\n".join(f"- {line}" for line in alert_lines))
        st.caption(rule_sentence(SlipRule(), lang()))

# KPI cards (the office's, or one commune's when picked) -------------------------------------------
now = data.kpi_changes(viewer, as_of, by, office).iloc[0]
month_start = as_of.replace(day=1)
value = data.value_rate(viewer, month_start, as_of, by, office).iloc[0]
if office is not None:
    communes = data.kpi_changes(viewer, as_of, "commune", office)
    names = dict(zip(communes["commune_id"], communes["commune"]))
    if (linked := filters.linked_commune(names)) is not None:
        st.session_state["overview_commune"] = linked
    commune = st.sidebar.selectbox(
        t("commune"),
        [None, *names],
        format_func=lambda cid: t("all_communes") if cid is None else names[cid] or "—",
        key="overview_commune",
    )
    filters.set_params(commune=None if commune is None else names[commune] or None)
    if commune is not None:
        now = communes.set_index("commune_id").loc[commune]
        values = data.value_rate(viewer, month_start, as_of, "commune", office).set_index("commune_id")
        value = values.loc[commune] if commune in values.index else {"value_rate": 0.0}
        st.caption(f"{t('commune')}: {names[commune]}")
st.subheader(
    t(
        "headline",
        cashless=fmt_int(now["cashless_customers"], lang()),
        active=fmt_int(now["active_customers"], lang()),
        rate=fmt_rate(now["cashless_rate"], lang()),
    )
)
cards = st.columns(5)
cards[0].metric(
    t("card_cashless"),
    fmt_int(now["cashless_customers"], lang()),
    delta=f"{fmt_signed_int(now['cashless_change_week'], lang())} · {t('week_short')}",
    help=t("since_week"),
    border=True,
)
cards[1].metric(
    t("card_rate"),
    fmt_rate(now["cashless_rate"], lang()),
    delta=f"{fmt_points(now['rate_change_week'], lang())} · {t('week_short')}",
    help=t("since_week"),
    border=True,
)
cards[2].metric(
    t("change_month"),
    fmt_signed_int(now["cashless_change_month"], lang()),
    delta=fmt_points(now["rate_change_month"], lang()),
    help=t("since_month"),
    border=True,
)
cards[3].metric(t("card_active"), fmt_int(now["active_customers"], lang()), border=True)
cards[4].metric(
    t("card_value_rate"), fmt_rate(value["value_rate"], lang()), help=t("value_rate_help"), border=True
)

# gap to this month's target ----------------------------------------------------------------------
status = data.target_status(viewer, as_of, as_of.year, office)
current = status[
    (status["period_start"] <= as_of) & (status["period_end"] >= as_of) & status["target_rate"].notna()
]
mine = current[current["office_code"] == scope_code].set_index("period_type")
if mine.empty:
    st.info(t("no_targets", year=as_of.year))
else:
    parts = []
    for kind in ("month", "quarter", "year"):
        if kind in mine.index:
            row = mine.loc[kind]
            parts.append(
                f"**{t('period_' + kind)} {row['period']}**: {t('target_rate').lower()} "
                f"{fmt_rate(row['target_rate'], lang())} · "
                f"{t('still_needed', n=fmt_int(row['customers_needed'], lang()))} · "
                f"{t('status_' + row['status'])}"
            )
    st.markdown("  \n".join(parts))

# trend against the plan --------------------------------------------------------------------------
days = tuple(month_ends(first, as_of))
history = data.rate_history(viewer, days, "office", office)
figure = go.Figure()
if office is None:
    province = data.rate_history(viewer, days, "province", None)
    names = data.office_names(viewer)
    for code, rows in history.groupby("office_code"):
        figure.add_scatter(
            x=rows["day"],
            y=rows["cashless_rate"],
            name=names.get(code, code),
            mode="lines",
            line={"width": 1},
        )
    figure.add_scatter(
        x=province["day"], y=province["cashless_rate"], name=t("all_offices"), mode="lines+markers",
        line={"width": 4, "color": "black"},
    )  # fmt: skip
else:
    figure.add_scatter(
        x=history["day"], y=history["cashless_rate"], name=t("cashless_rate"), mode="lines+markers",
        line={"width": 4},
    )  # fmt: skip
plan = data.planned_targets(viewer, tuple(range(days[0].year, as_of.year + 1)), office)
plan = plan[(plan["office_code"] == scope_code) & (plan["period_type"] == "month")]
if not plan.empty:
    figure.add_scatter(
        x=plan["end"], y=plan["target_rate"], name=t("trend_target"), mode="lines",
        line={"dash": "dash", "width": 3, "color": "firebrick"},
    )  # fmt: skip
figure.update_layout(title=t("trend"), height=420)
figure.update_xaxes(tickformat="%m/%Y")
st.plotly_chart(style_chart(figure, language=lang()), key="overview_trend")

# offices ranked by gap ---------------------------------------------------------------------------
if office is None:
    st.subheader(t("ranked_by_gap"))
    kind = (
        st.segmented_control(
            t("gap_period"),
            ["month", "quarter", "year"],
            default="month",
            format_func=lambda k: t(f"period_{k}"),
            key="overview_gap_period",
        )
        or "month"
    )
    ranked = current[(current["period_type"] == kind) & (current["office_code"] != PROVINCE)]
    if ranked.empty:
        st.info(t("no_targets", year=as_of.year))
    else:
        ranked = ranked.merge(data.offices(viewer), left_on="office_code", right_on="code")
        ranked = ranked.rename(columns={"name": "office"}).sort_values("customers_needed", ascending=False)
        ranked["status"] = ranked["status"].map(lambda s: t(f"status_{s}"))
        show_table(
            ranked,
            {
                "office": "text",
                "period": "text",
                "target_rate": "rate",
                "actual_rate": "rate",
                "customers_needed": "int",
                "weekly_pace": "int",
                "projected_rate": "rate",
                "status": "text",
            },
            f"gap_{kind}_{as_of}.csv",
            "overview_gap",
        )

# figures by office or commune --------------------------------------------------------------------
st.subheader(t("by_commune") if office else t("by_office"))
table = data.kpi_changes(viewer, as_of, "commune" if office else "office", office)
name_column = "commune" if office else "office_name"
table = table.rename(columns={name_column: "office" if not office else "commune"})
show_table(
    table.sort_values("cashless_rate"),
    {
        ("commune" if office else "office"): "text",
        "active_customers": "int",
        "cashless_customers": "int",
        "cashless_rate": "rate",
        "cashless_change_week": "signed",
        "rate_change_week": "points",
        "cashless_change_month": "signed",
        "rate_change_month": "points",
    },
    f"kpi_{scope_code}_{as_of}.csv",
    "overview_offices",
)

# forecast to the year end ------------------------------------------------------------------------
show_forecast(viewer, as_of, as_of.year, office, "overview")

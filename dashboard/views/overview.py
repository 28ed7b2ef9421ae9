"""Tổng quan / Overview: the province and each office as of a day."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from cashless.formatting import fmt_int, fmt_rate
from dashboard import data
from dashboard.i18n import lang, t

first, last = data.data_period()
st.title(t("app_title"))
if last is None:
    st.info(t("no_data"))
    st.stop()

as_of = st.sidebar.date_input(t("as_of"), value=last, min_value=first, max_value=last, format="DD/MM/YYYY")
province = data.kpi(as_of, "province", None).iloc[0]
offices = data.kpi(as_of, "office", None)

st.subheader(
    t(
        "headline",
        cashless=fmt_int(province["cashless_customers"], lang()),
        active=fmt_int(province["active_customers"], lang()),
        rate=fmt_rate(province["cashless_rate"], lang()),
    )
)
cards = st.columns(3)
cards[0].metric(t("cashless_customers"), fmt_int(province["cashless_customers"], lang()))
cards[1].metric(t("active_customers"), fmt_int(province["active_customers"], lang()))
cards[2].metric(t("cashless_rate"), fmt_rate(province["cashless_rate"], lang()))

st.subheader(t("by_office"))
chart = px.bar(
    offices.sort_values("cashless_rate"),
    x="cashless_rate",
    y="office_name",
    orientation="h",
    labels={"cashless_rate": t("cashless_rate"), "office_name": t("office")},
)
chart.update_xaxes(tickformat=".0%", range=[0, 1])
st.plotly_chart(chart, use_container_width=True)
shown = offices[["office_code", "office_name", "active_customers", "cashless_customers", "cashless_rate"]]
st.dataframe(
    shown,
    hide_index=True,
    column_config={
        "office_code": st.column_config.TextColumn(t("office_code")),
        "office_name": st.column_config.TextColumn(t("office")),
        "active_customers": st.column_config.NumberColumn(t("active_customers"), format="localized"),
        "cashless_customers": st.column_config.NumberColumn(t("cashless_customers"), format="localized"),
        "cashless_rate": st.column_config.NumberColumn(t("cashless_rate"), format="percent"),
    },
)
st.download_button(
    t("download_csv"), shown.to_csv(index=False).encode("utf-8-sig"), file_name=f"kpi_{as_of}.csv"
)

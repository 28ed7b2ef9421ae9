"""The forecast block shared by the overview and the targets page: a fan chart and the outlook per target.

Draws what models.forecast returns (through the cached loader); no arithmetic here.
"""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import streamlit as st

from cashless.formatting import fmt_date
from dashboard import data
from dashboard.charts import style_chart
from dashboard.i18n import lang, t
from dashboard.tables import show_table
from warehouse.access import Viewer
from warehouse.metrics import PROVINCE


def show_forecast(viewer: Viewer, as_of: dt.date, year: int, office: str | None, key: str) -> None:
    """Fan chart of the office's (or province's) rate to the year end, then chance and pace per open target."""
    fan, outlook = data.forecast_outlook(viewer, as_of, year, office)
    st.subheader(t("fc_title", day=fmt_date(dt.date(year, 12, 31), lang())))
    if "forecast_rate" not in fan:
        st.info(t("fc_none"))
        return
    figure = go.Figure()
    for low, high, name, shade in (("lo95", "hi95", "fc_band95", 0.15), ("lo80", "hi80", "fc_band80", 0.3)):
        figure.add_scatter(x=fan["month"], y=fan[high], mode="lines", line={"width": 0}, showlegend=False)
        figure.add_scatter(
            x=fan["month"], y=fan[low], mode="lines", line={"width": 0}, fill="tonexty",
            fillcolor=f"rgba(31,119,180,{shade})", name=t(name),
        )  # fmt: skip
    figure.add_scatter(x=fan["month"], y=fan["forecast_rate"], name=t("fc_forecast"), line={"dash": "dot"})
    figure.add_scatter(x=fan["month"], y=fan["actual_rate"], name=t("fc_actual"), line={"width": 3})
    figure.update_layout(height=380)
    figure.update_xaxes(tickformat="%m/%Y")
    st.plotly_chart(style_chart(figure, language=lang()), key=f"{key}_fan")
    shown = (
        outlook[outlook["office_code"] == (office or viewer.office_code or PROVINCE)] if office else outlook
    )
    if shown.empty:
        return
    names = {PROVINCE: t("all_offices"), **data.office_names(viewer)}
    st.markdown(f"**{t('fc_outlook')}**")
    show_table(
        shown.assign(office=shown["office_code"].map(names)),
        {
            "office": "text",
            "period": "text",
            "target_rate": "rate",
            "forecast_rate": "rate",
            "lo80": "rate",
            "hi80": "rate",
            "chance": "rate",
            "pace_needed": "int",
            "pace_expected": "int",
        },
        f"forecast_outlook_{year}_{as_of}.csv",
        f"{key}_outlook",
    )
    st.caption(t("fc_caption"))

"""Kênh thanh toán / Channels & partners: the channel mix over time, conversions and slip-backs
between months, and raw channel names waiting to be mapped."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from cashless.formatting import fmt_date, fmt_month
from dashboard import data, filters
from dashboard.charts import style_chart
from dashboard.i18n import lang, t
from dashboard.tables import show_table
from warehouse.channels import CATEGORIES, UNKNOWN, category_shares, channel_shares
from warehouse.metrics import month_ends

# Cashless categories in blues and greens, cash in warm colours, unmapped in grey.
COLOURS = {
    "bank": "#1f4e9c",
    "auto_debit": "#4f8fd6",
    "intermediary": "#2a9d8f",
    "e_wallet": "#8fd0c5",
    "post_office": "#6c5ce7",
    "counter_cash": "#e76f51",
    "collector_cash": "#f4a261",
    UNKNOWN: "#9e9e9e",
}

viewer, first, last = filters.start_page("channels")
as_of, office = filters.as_of(), filters.office()

left, right = st.columns(2)
measure = left.segmented_control(
    t("measure"), ["payments", "amount"], default="payments",
    format_func=lambda m: t(f"measure_{m}"), key="channels_measure",
) or "payments"  # fmt: skip
months = right.slider(t("months_shown"), 3, 24, 12, key="channels_months")
start = (as_of.replace(day=1) - pd.DateOffset(months=months - 1)).date()
start = max(start, first)

mix = data.channel_mix(viewer, start, as_of, office)
shares = category_shares(mix)
order = [*CATEGORIES, UNKNOWN]
shares["category_label"] = shares["category"].map(lambda c: t(f"cat_{c}"))
labels = [t(f"cat_{c}") for c in order]
colours = {t(f"cat_{c}"): colour for c, colour in COLOURS.items()}
share_column = f"{'payment' if measure == 'payments' else 'amount'}_share"

st.subheader(t("category_mix"))
st.caption(t("payments_note") if measure == "payments" else t("value_rate_help").split(",")[0])
bars = px.bar(
    shares, x="month", y=share_column, color="category_label", color_discrete_map=colours,
    category_orders={"category_label": labels}, labels={"month": t("month"), "category_label": t("category")},
    hover_data={measure: True},
)  # fmt: skip
bars.update_layout(yaxis_title=t("share"), height=420, barmode="stack")
bars.update_xaxes(tickformat="%m/%Y", dtick="M1")
st.plotly_chart(style_chart(bars, language=lang()), key="channels_mix")

latest_month = mix["month"].max() if not mix.empty else None
if office is None and latest_month is not None:
    st.subheader(t("mix_by_office", month=fmt_month(latest_month, lang())))
    per_office = category_shares(data.channel_mix(viewer, latest_month, as_of, None, by_office=True))
    names = data.office_names(viewer)
    per_office["office"] = per_office["office_code"].map(names)
    per_office["category_label"] = per_office["category"].map(lambda c: t(f"cat_{c}"))
    # offices from the lowest cashless share of VND this month to the highest
    ordered = data.value_rate(viewer, latest_month, as_of, "office", None).sort_values("value_rate")
    by_office = px.bar(
        per_office, y="office", x=share_column, color="category_label", orientation="h",
        color_discrete_map=colours,
        category_orders={"category_label": labels, "office": list(ordered["office_code"].map(names))},
        labels={"office": t("office"), "category_label": t("category")},
    )  # fmt: skip
    by_office.update_layout(xaxis_title=t("share"), height=380, barmode="stack", hovermode="closest")
    st.plotly_chart(style_chart(by_office, rate_axis="x", language=lang()), key="channels_by_office")
if latest_month is not None:
    st.subheader(t("channel_table", month=fmt_month(latest_month, lang())))
    month_rows = channel_shares(mix[mix["month"] == latest_month])
    month_rows["category"] = month_rows["category"].map(lambda c: t(f"cat_{c}"))
    month_rows["share"] = month_rows[share_column]
    month_rows["is_cashless"] = month_rows["is_cashless"].map({True: "✓", False: ""})
    show_table(
        month_rows.sort_values(measure, ascending=False),
        {
            "channel": "text",
            "category": "text",
            "is_cashless": "text",
            "payments": "int",
            "amount": "int",
            "share": "rate",
        },
        f"channels_{latest_month}.csv",
        "channels_month",
    )

# conversions and slip-backs ---------------------------------------------------------------------------
st.subheader(t("movements"))
boundaries = tuple(month_ends(start - dt.timedelta(days=1), as_of))
moves = data.movement_series(viewer, boundaries, "province" if office is None else "office", office)
moves = moves.assign(month=moves["end"].map(lambda day: day.replace(day=1)))  # the month of the change
figure = go.Figure()
figure.add_bar(x=moves["month"], y=moves["converted"], name=t("converted"), marker_color="seagreen")
figure.add_bar(x=moves["month"], y=-moves["slipped"], name=t("slipped"), marker_color="indianred")
figure.update_layout(barmode="relative", height=360)
figure.update_xaxes(tickformat="%m/%Y", dtick="M1")
st.plotly_chart(style_chart(figure, rate_axis=None, language=lang()), key="channels_moves")
st.caption(t("movements_rule"))
show_table(
    moves,
    {"month": "month", "converted": "int", "slipped": "int"},
    f"movements_{as_of}.csv",
    "channels_moves",
)

# raw names not in the catalog -----------------------------------------------------------------------
st.subheader(t("unknown_channels"))
unknown = data.unknown_channels(viewer, office)
if unknown.empty:
    st.success(t("no_unknown"))
else:
    st.caption(t("unknown_note"))
    show_table(
        unknown,
        ({"office_code": "text"} if "office_code" in unknown.columns else {})
        | {"raw_text": "text", "payments": "int", "amount": "int", "first_day": "date", "last_day": "date"},
        "unknown_channels.csv",
        "channels_unknown",
    )
    if viewer.can("edit_catalog"):
        with st.form("channels_map"):
            st.markdown(f"**{t('map_channel')}**")
            cols = st.columns(4)
            raw = cols[0].selectbox(t("raw_text"), list(unknown["raw_text"].unique()), key="channels_map_raw")
            channel = cols[1].text_input(t("channel"), key="channels_map_channel")
            category = cols[2].selectbox(
                t("category"),
                list(CATEGORIES),
                format_func=lambda c: t(f"cat_{c}"),
                key="channels_map_category",
            )
            cashless = cols[3].checkbox(t("is_cashless"), value=True, key="channels_map_cashless")
            if st.form_submit_button(t("save"), type="primary"):
                try:
                    day = data.map_channel(viewer, raw, channel or raw, category, cashless)
                except ValueError as error:
                    st.error(str(error))
                else:
                    st.success(t("map_saved", raw=raw, day=fmt_date(day, lang()) if day else "-"))

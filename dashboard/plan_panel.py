"""The outreach page's plan tab: visits per week per office, weeks, the plan made and its downloads.

Draws what models.plan returns (through dashboard.data); no arithmetic here.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cashless.formatting import fmt_rate
from dashboard import data
from dashboard.i18n import lang, t
from dashboard.tables import show_table
from models.outreach import OutreachError
from models.plan import CapacityError
from warehouse.access import Viewer

MIME = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "csv": "text/csv"}


def show_plan_form(viewer: Viewer, names: dict[str, str], control_share: float) -> None:
    """Capacity per office (edited in a grid), weeks, a button that makes the plan; then its summary and files."""
    st.caption(t("o_plan_help", share=fmt_rate(control_share, lang())))
    grid = pd.DataFrame({"office_code": list(names), t("office"): list(names.values()), "visits_per_week": 0})
    edited = st.data_editor(
        grid,
        column_config={
            "office_code": None,
            "visits_per_week": st.column_config.NumberColumn(t("o_visits_per_week"), min_value=0, step=1),
        },
        disabled=[t("office")],
        hide_index=True,
        key="outreach_plan_capacity",
    )
    weeks = st.number_input(t("o_plan_weeks"), min_value=1, max_value=26, value=4, key="outreach_plan_weeks")
    if st.button(t("o_make_plan"), type="primary", key="outreach_plan_make"):
        capacity = edited[["office_code", "visits_per_week"]].fillna(0)
        try:
            st.session_state["outreach_plan"] = data.make_plan(viewer, capacity, int(weeks), lang())
        except (CapacityError, OutreachError) as error:
            st.error(str(error))
    made = st.session_state.get("outreach_plan")
    if made is None:
        return
    st.success(t("o_plan_made", by=t(f"o_ranked_by_{made['ranked_by']}")))
    summary = made["summary"].assign(office=lambda f: f["office_code"].map(names))
    show_table(
        summary,
        {
            "office": "text",
            "visits_per_week": "int",
            "visits_available": "int",
            "visits_planned": "int",
            "control": "int",
            "expected_conversions": "decimal",
            "detectable": "points",
        },
        "outreach_plan_summary.csv",
        "outreach_plan_summary",
    )
    columns = st.columns([1, 1, 4])
    for column, fmt in zip(columns, ("xlsx", "csv")):
        file_name = f"ke_hoach_van_dong.{fmt}"
        column.download_button(
            t(f"o_download_{fmt}"),
            made["files"][fmt],
            file_name=file_name,
            mime=MIME[fmt],
            key=f"outreach_plan_{fmt}",
            on_click=data.record_plan_export,
            args=(viewer, tuple(made["list_ids"]), fmt, file_name, tuple(made["rows"])),
        )

"""Danh sách vận động / Outreach: the households least likely to go cashless on their own, lists for
field staff with a control group held back, their outcomes, and contacted vs control conversion.

Names, addresses and phones appear here only (DESIGN §8); every download is recorded.
"""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from cashless.formatting import fmt_date, fmt_datetime, fmt_int, fmt_rate
from cashless.settings import ModelSettings
from cashless.texts import BANDS, CUSTOMER_TYPES, OUTCOMES, REASONS, text
from dashboard import data, filters
from dashboard.charts import style_chart
from dashboard.i18n import lang, t
from dashboard.plan_panel import show_plan_form
from dashboard.tables import show_table
from models.export import SheetError
from models.outreach import OutreachError

MIME = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}

viewer, first, last = filters.start_page("outreach")
if not viewer.can("outreach"):
    st.info(t("o_not_allowed"))
    st.stop()
office = filters.office()
latest = data.latest_scores(viewer)
if latest is None:
    st.info(t("m_no_model") if data.model_runs(viewer).empty else t("m_no_scores"))
    st.stop()
settings = ModelSettings()
names = data.office_names(viewer)


def label(table: dict, code) -> str:
    return text(table, code, lang(), months=settings.history_months) if code in table else ""


def downloads(list_id: int, key: str) -> None:
    """Excel and CSV of the list's contacted households, built only when clicked; each download is
    recorded in the audit log by the builder itself (no rerun needed)."""
    columns = st.columns([1, 1, 4])
    for column, fmt in zip(columns, ("xlsx", "csv")):
        file_name = f"danh_sach_van_dong_{list_id}.{fmt}"
        column.download_button(
            t(f"o_download_{fmt}"),
            data.list_download(viewer, list_id, fmt, lang(), file_name),
            file_name=file_name,
            mime=MIME[fmt],
            key=f"{key}_{fmt}",
            on_click="ignore",
        )
    columns[2].caption(t("o_download_note"))


def household_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns a planner reads, labels in the current language."""
    shown = pd.DataFrame(
        {
            t("o_rank"): frame["rank"],
            t("o_customer_id"): frame["customer_id"],
            t("o_name"): frame["name"],
            t("o_address"): frame["address"],
            t("commune"): frame["commune"],
            t("o_phone"): frame["phone"].fillna(""),
            t("o_customer_type"): frame["customer_type"].map(lambda c: label(CUSTOMER_TYPES, c)),
            t("o_score"): frame["score"],
            t("o_risk_band"): frame["risk_band"].map(lambda c: label(BANDS, c)),
            t("o_reasons_text"): frame[f"reasons_{lang()}"],
        }
    )
    return shown


SCORE_COLUMN = {"o_score": st.column_config.ProgressColumn(min_value=0.0, max_value=1.0, format="percent")}

candidates_tab, plan_tab, lists_tab = st.tabs([t("o_tab_candidates"), t("o_tab_plan"), t("o_tab_lists")])

# households to visit, and a new list ----------------------------------------------------------------------
with candidates_tab:
    communes = sorted({name for name in data.commune_names(viewer, office).values() if name})
    if linked := [c for c in filters.linked_communes() if c in communes]:
        st.session_state["outreach_communes"] = linked
    left, middle, right, far = st.columns(4)
    picked_communes = left.multiselect(
        t("o_communes"), communes, key="outreach_communes", placeholder=t("o_all")
    )
    filters.set_params(commune=picked_communes)
    picked_types = middle.multiselect(
        t("o_types"), list(CUSTOMER_TYPES), format_func=lambda c: label(CUSTOMER_TYPES, c),
        key="outreach_types", placeholder=t("o_all"),
    )  # fmt: skip
    picked_bands = right.multiselect(
        t("o_bands"), list(BANDS), format_func=lambda c: label(BANDS, c), key="outreach_bands",
        placeholder=t("o_all"),
    )  # fmt: skip
    picked_reasons = far.multiselect(
        t("o_reasons"), list(REASONS), format_func=lambda c: label(REASONS, c), key="outreach_reasons",
        placeholder=t("o_all"),
    )  # fmt: skip
    top = st.number_input(t("o_top"), min_value=10, max_value=5000, value=500, step=50, key="outreach_top")
    filters_picked = {
        "communes": picked_communes,
        "customer_types": picked_types,
        "bands": picked_bands,
        "reasons": picked_reasons,
    }
    candidates = data.outreach_candidates(
        viewer, office, *(tuple(v) for v in filters_picked.values()), int(top)
    )
    if candidates.empty:
        st.info(t("o_no_candidates"))
    else:
        st.caption(
            t(
                "o_candidates_caption",
                n=fmt_int(len(candidates), lang()),
                version=latest[0],
                as_of=fmt_date(latest[1], lang()),
                h=settings.horizon_months,
            )
        )
        shown = household_table(candidates)
        st.dataframe(
            shown,
            hide_index=True,
            column_config={t("o_score"): SCORE_COLUMN["o_score"]},
            key="outreach_candidates_table",
        )
    st.caption(t("o_control_note", share=fmt_rate(settings.control_share, lang())))
    if office is None:
        st.info(t("o_pick_office"))
    elif st.button(t("o_make_list"), type="primary", disabled=candidates.empty, key="outreach_make"):
        try:
            made = data.create_list(viewer, office, int(top), **filters_picked)
        except OutreachError as error:
            st.error(str(error))
        else:
            st.session_state["outreach_made"] = made
            st.rerun()
    if (made := st.session_state.get("outreach_made")) is not None:
        st.success(
            t(
                "o_list_made",
                id=made["list_id"],
                n=fmt_int(made["households"], lang()),
                control=fmt_int(made["control"], lang()),
                seed=made["seed"],
                contacted=fmt_int(made["contacted"], lang()),
            )
        )
        downloads(made["list_id"], "outreach_new")

# a plan within each office's visit capacity --------------------------------------------------------------
with plan_tab:
    show_plan_form(viewer, names, settings.control_share)

# lists made: contacted vs control, outcomes -------------------------------------------------------------
with lists_tab:
    effects = data.list_effects(viewer, office)
    if effects.empty:
        st.info(t("o_no_lists"))
        st.stop()
    st.subheader(t("o_effects"))
    st.caption(t("o_effects_caption"))
    st.caption(t("o_power_caption"))
    groups = pd.concat(
        [
            effects.assign(group=t("o_group_contacted"), rate=effects["contacted_rate"]),
            effects.assign(group=t("o_group_control"), rate=effects["control_rate"]),
        ]
    )
    groups["list"] = groups["list_id"].map(lambda i: f"{t('o_list')} {i}")
    chart = px.bar(
        groups, x="list", y="rate", color="group", barmode="group",
        labels={"list": t("o_list"), "rate": t("o_conversion"), "group": ""},
        hover_data={"contacted": True, "control": True, "days": True},
    )  # fmt: skip
    st.plotly_chart(style_chart(chart, language=lang()), key="outreach_effects_chart")
    effects = effects.assign(office=effects["office_code"].map(names))  # a copy, not the cached frame
    show_table(
        effects.rename(columns={c: f"o_{c}" for c in effects.columns if c not in ("office",)}),
        {
            "o_list_id": "text",
            "office": "text",
            "o_created_at": "datetime",
            "o_as_of": "date",
            "o_measured_on": "date",
            "o_days": "int",
            "o_contacted": "int",
            "o_contacted_rate": "rate",
            "o_control": "int",
            "o_control_rate": "rate",
            "o_difference": "points",
            "o_ci_low": "points",
            "o_ci_high": "points",
            "o_detectable": "points",
        },
        "outreach_effects.csv",
        "outreach_effects",
    )

    st.subheader(t("o_members"))
    list_ids = list(effects["list_id"])
    created = dict(zip(effects["list_id"], effects["created_at"]))
    offices_of = dict(zip(effects["list_id"], effects["office"]))
    list_id = st.selectbox(
        t("o_list"),
        list_ids,
        format_func=lambda i: t(
            "o_list_label", id=i, office=offices_of[i], created=fmt_datetime(pd.Timestamp(created[i]), lang())
        ),
        key="outreach_list",
    )
    downloads(int(list_id), "outreach_list")
    st.caption(t("o_members_caption"))
    members = data.list_members(viewer, int(list_id))
    outcome_labels = {code: label(OUTCOMES, code) for code in OUTCOMES}
    editable = household_table(members)
    editable[t("o_assigned_to")] = members["assigned_to"]
    editable[t("o_outcome")] = members["outcome"].map(outcome_labels)
    edited = st.data_editor(
        editable,
        hide_index=True,
        disabled=[c for c in editable.columns if c not in (t("o_assigned_to"), t("o_outcome"))],
        column_config={
            t("o_score"): SCORE_COLUMN["o_score"],
            t("o_assigned_to"): st.column_config.TextColumn(max_chars=100),
            t("o_outcome"): st.column_config.SelectboxColumn(options=list(outcome_labels.values())),
        },
        key=f"outreach_editor_{list_id}",
    )
    if saved := st.session_state.pop("outreach_saved", None):
        st.success(t("o_saved", n=saved))
    if st.button(t("save"), type="primary", key="outreach_save"):
        codes = {v: k for k, v in outcome_labels.items()}
        updates = pd.DataFrame(
            {
                "customer_id": edited[t("o_customer_id")],
                "assigned_to": edited[t("o_assigned_to")],
                "outcome": edited[t("o_outcome")].map(codes),
            }
        )
        try:
            st.session_state["outreach_saved"] = data.save_outcomes(viewer, int(list_id), updates)
        except OutreachError as error:
            st.error(str(error))
        else:
            st.rerun()

    if (imported := st.session_state.pop("outreach_imported", None)) is not None:
        st.success(t("o_imported", n=fmt_int(imported, lang())))
    with st.expander(t("o_import")):
        upload = st.file_uploader(t("o_import"), type=["xlsx", "csv"], key="outreach_upload")
        if upload is not None and st.button(t("o_import"), key="outreach_import"):
            try:
                done = data.import_outcomes(viewer, upload.getvalue(), upload.name)
            except (SheetError, OutreachError) as error:
                st.error(str(error))
            else:
                st.session_state["outreach_imported"] = sum(done.values())
                st.rerun()

"""Dữ liệu / Data quality: every load run, and the rows it quarantined with their reasons."""

from __future__ import annotations

import streamlit as st

from dashboard import auth, data
from dashboard.i18n import lang, t
from dashboard.tables import show_table
from etl.quarantine import translate_reason

viewer = auth.current_viewer()
st.title(t("data_quality"))

runs = data.load_history(viewer)
st.subheader(t("load_runs"))
if runs.empty:
    st.info(t("no_runs"))
    st.stop()
runs = runs.assign(run_status=runs["status"].map(lambda s: t(f"run_status_{s}")))  # cached: not in place
show_table(
    runs,
    {
        "file_name": "text",
        "kind": "text",
        "run_status": "text",
        "started_at": "datetime",
        "rows_read": "int",
        "rows_loaded": "int",
        "rows_updated": "int",
        "rows_quarantined": "int",
        "message": "text",
    },
    "load_runs.csv",
    "quality_runs",
)

st.subheader(t("quarantine"))
reasons = data.quarantine_reasons(viewer)
if reasons.empty:
    st.success(t("no_quarantine"))
    st.stop()
st.markdown(f"**{t('quarantine_reasons')}**")
reasons = reasons.assign(reason=[translate_reason(reason, lang()) for reason in reasons["reason"]])
show_table(
    reasons,
    {"kind": "text", "column_name": "text", "reason": "text", "rows": "int"},
    "quarantine_reasons.csv",
    "quality_reasons",
)

with_rows = runs[runs["rows_quarantined"] > 0]
choices = [None, *with_rows["id"].tolist()]
files = dict(zip(with_rows["id"], with_rows["file_name"]))
run_id = st.selectbox(
    t("file_name"), choices, format_func=lambda i: t("all_runs") if i is None else files[i], key="quality_run"
)
rows = data.quarantined_rows(viewer, run_id)
rows = rows.assign(reason=[translate_reason(reason, lang()) for reason in rows["reason"]])
columns = {"file_name": "text", "row_number": "text", "column_name": "text", "reason": "text"}
if "raw_row" in rows.columns:
    columns["raw_row"] = "text"
show_table(rows, columns, "quarantine.csv", "quality_rows")
if run_id is not None and viewer.can("edit_catalog"):
    st.download_button(
        t("q_download"),
        data.quarantine_download(viewer, run_id, lang()),
        file_name=f"quarantine_{run_id}.csv",
        mime="text/csv",
        key="quality_fix_download",
    )

lookalikes = data.lookalike_communes(viewer)
if not lookalikes.empty:
    st.subheader(t("lookalike_communes"))
    st.caption(t("lookalike_hint"))
    show_table(
        lookalikes,
        {"office_code": "text", "commune": "text", "looks_like": "text"},
        "lookalike_communes.csv",
        "quality_lookalikes",
    )

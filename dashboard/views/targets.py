"""Kế hoạch / Targets: each office's plan for a year by month, quarter and year, against actuals.

Year targets cascade to quarters and months; values set directly win and are marked. Roles that may
edit change targets in the grid (history and audit kept) or import a CSV.
"""

from __future__ import annotations

import streamlit as st

from cashless.formatting import fmt_int, fmt_rate
from dashboard import data, filters
from dashboard.forecast_panel import show_forecast
from dashboard.i18n import lang, t
from dashboard.tables import show_table
from warehouse.metrics import PROVINCE
from warehouse.targets import AT_RISK_MARGIN, PACE_WINDOW_DAYS, TargetError, read_targets_csv, year_periods

# What the year grid can show, and how each cell reads.
GRID_METRICS = {
    "target_rate": lambda row: fmt_rate(row["target_rate"], lang()),
    "actual_rate": lambda row: fmt_rate(row["actual_rate"], lang()),
    "customers_needed": lambda row: fmt_int(row["customers_needed"], lang()),
    "weekly_pace": lambda row: fmt_int(row["weekly_pace"], lang()),
    "projected_rate": lambda row: fmt_rate(row["projected_rate"], lang()),
    "status": lambda row: t(f"status_{row['status']}"),
}

viewer, first, last = filters.start_page("targets")
as_of, office = filters.as_of(), filters.office()

years = list(range(first.year, last.year + 2))
year_column, period_column, metric_column = st.columns([1, 1, 3])
year = year_column.selectbox(t("year"), years, index=years.index(as_of.year), key="targets_year")
periods = [p.label for p in year_periods(year)]
default_period = f"{as_of:%Y-%m}" if as_of.year == year else periods[0]
period = period_column.selectbox(
    t("period"), periods, index=periods.index(default_period), key="targets_period"
)
metric = (
    metric_column.segmented_control(
        t("show"), list(GRID_METRICS), default="target_rate", format_func=t, key="targets_metric"
    )
    or "target_rate"
)

names = {PROVINCE: t("all_offices"), **data.office_names(viewer)}
status = data.target_status(viewer, as_of, year, office)
status = status.assign(office=status["office_code"].map(names))  # a copy: cached frames stay as read
explicit = data.explicit_targets(viewer, year)  # the grid editor and the export both use this one read
planned = status.dropna(subset=["target_rate"])

# the year as a grid: offices x year, quarters, months -------------------------------------------------
st.subheader(t("plan_grid", year=year))
if planned.empty:
    st.info(t("no_targets", year=year))
else:
    formatter = GRID_METRICS[metric]
    cells = planned.assign(
        cell=[
            formatter(row) + (" ●" if metric == "target_rate" and row["explicit"] else "")
            for _, row in planned.iterrows()
        ]
    )
    grid = cells.pivot(index="office", columns="period", values="cell").reindex(
        index=[names[c] for c in names if names[c] in set(cells["office"])], columns=periods
    )
    grid.index.name = t("office")
    st.dataframe(grid.fillna(""), key="targets_grid")

# one period in detail ---------------------------------------------------------------------------------
st.subheader(t("period_detail", period=period))
shown = planned[planned["period"] == period].copy()
if shown.empty:
    st.info(t("no_targets", year=year))
else:
    shown["explicit"] = shown["explicit"].map(lambda e: t("explicit_yes") if e else t("explicit_no"))
    shown["status"] = shown["status"].map(lambda s: t(f"status_{s}"))
    show_table(
        shown.sort_values("customers_needed", ascending=False),
        {
            "office": "text",
            "target_rate": "rate",
            "explicit": "text",
            "actual_rate": "rate",
            "active_customers": "int",
            "cashless_customers": "int",
            "customers_needed": "int",
            "weekly_pace": "int",
            "projected_rate": "rate",
            "status": "text",
        },
        f"targets_{period}_{as_of}.csv",
        "targets_status",
    )
st.caption(t("status_rule", days=PACE_WINDOW_DAYS, margin=fmt_rate(AT_RISK_MARGIN, lang()).rstrip("%")))

# forecast: fan chart, chance of meeting each target, pace needed vs expected -----------------------------
show_forecast(viewer, as_of, year, office, "targets")

# editing ------------------------------------------------------------------------------------------
if not viewer.can("edit_targets"):
    st.caption(t("read_only_targets"))
else:
    st.subheader(t("edit_targets"))
    if saved := st.session_state.pop("targets_saved", None):
        st.success(t("saved", n=saved))
    if (imported := st.session_state.pop("targets_imported", None)) is not None:
        st.success(t("imported", n=imported))
    editable = (
        [office] if office is not None else [c for c in names if c != PROVINCE or viewer.office_code is None]
    )
    kinds = {p.label: p.kind for p in year_periods(year)}

    def save(changes: list[tuple[str, str, str, float]]) -> None:
        try:
            st.session_state["targets_saved"] = data.save_targets(viewer, changes)
        except TargetError as error:
            st.error(str(error))
        else:
            st.rerun()

    with st.form("targets_one"):
        st.markdown(f"**{t('set_one')}**")
        cols = st.columns([3, 2, 2, 1], vertical_alignment="bottom")
        one_office = cols[0].selectbox(t("office"), editable, format_func=names.get, key="targets_one_office")
        one_period = cols[1].selectbox(
            t("period"), periods, index=periods.index(period), key="targets_one_period"
        )
        one_rate = cols[2].number_input(
            f"{t('target_rate')} (%)",
            min_value=0.0,
            max_value=100.0,
            value=None,
            step=0.5,
            key="targets_one_rate",
        )
        if cols[3].form_submit_button(t("save"), type="primary") and one_rate is not None:
            save([(one_office, kinds[one_period], one_period, one_rate / 100)])

    st.caption(t("edit_help"))
    current = (
        explicit.pivot(index="office_code", columns="period", values="target_rate")
        .reindex(index=editable, columns=periods)
        .astype(float)
        * 100
    )
    shown = current.rename(index=names).rename_axis(t("office"))
    edited = st.data_editor(
        shown,
        placeholder="",
        column_config={
            p: st.column_config.NumberColumn(p, min_value=0.0, max_value=100.0, format="%.2f")
            for p in periods
        },
        key="targets_editor",
    )
    if st.button(t("save"), type="primary", key="targets_save"):
        edited.index = current.index  # back to office codes, same order
        changed = edited.notna() & ~((edited - current).abs() < 1e-9)
        changes = [
            (code, kinds[label], label, float(edited.loc[code, label]) / 100)
            for code, label in changed.stack().loc[lambda cells: cells].index
        ]
        if changes:
            save(changes)
        else:
            st.info(t("nothing_changed"))

    with st.expander(t("import_csv")):
        st.caption(t("import_help"))
        upload = st.file_uploader(
            t("import_csv"), type=["csv"], key="targets_upload", label_visibility="collapsed"
        )
        if upload is not None and st.button(t("import_csv"), key="targets_import"):
            try:
                st.session_state["targets_imported"] = data.import_targets(viewer, read_targets_csv(upload))
            except TargetError as error:
                st.error(str(error))
            else:
                st.rerun()  # the grid and the export above were read before the import

st.download_button(
    t("export_csv"),
    explicit.to_csv(index=False).encode("utf-8-sig"),
    file_name=f"targets_{year}.csv",
    mime="text/csv",
    key="targets_export",
)

# history --------------------------------------------------------------------------------------------
with st.expander(t("history")):
    history = data.target_history(viewer, year)
    history = history.assign(office=history["office_code"].map(names))
    show_table(
        history,
        {"office": "text", "period": "text", "target_rate": "rate", "set_by": "text", "set_at": "text"},
        f"targets_history_{year}.csv",
        "targets_history",
    )

"""Báo cáo tuần / Weekly review: the province and each office against last week and the plan, in
sentences generated from the figures, with charts; downloadable as HTML or PDF."""

from __future__ import annotations

import streamlit as st

from dashboard import data, filters
from dashboard.chromium import chromium_path
from dashboard.i18n import lang, t
from dashboard.weekly_report import compose_report, render_html, render_pdf
from warehouse.db import shown_url

viewer, first, last = filters.start_page("weekly")
as_of = filters.as_of()
review = data.weekly_review(viewer, as_of)
names = data.office_names(viewer)
report = compose_report(
    review,
    names,
    data.list_effects(viewer, None, as_of),
    lang(),
    shown_url(data.engine()),
    data.year_end_outlook(viewer, as_of),
)
sections, title, footer = report.sections, report.title, report.footer
st.subheader(title)

buttons = st.columns([1, 1, 3])
buttons[0].download_button(
    t("w_download_html"),
    lambda: render_html(sections, title, footer, lang()).encode("utf-8"),  # built only when clicked
    file_name=f"bao-cao-tuan_{as_of}.html",
    mime="text/html",
    on_click="ignore",
    key="weekly_html",
)
missing_chromium = chromium_path() is None
buttons[1].download_button(
    t("w_download_pdf"),
    lambda: render_pdf(render_html(sections, title, footer, lang())),
    file_name=f"bao-cao-tuan_{as_of}.pdf",
    mime="application/pdf",
    on_click="ignore",
    disabled=missing_chromium,
    help=t("w_pdf_unavailable", reason="chromium") if missing_chromium else None,
    key="weekly_pdf",
)

for number, section in enumerate(sections):
    st.subheader(section.title)
    st.markdown("\n\n".join(section.sentences))
    if section.figure is not None:
        st.plotly_chart(section.figure, key=f"weekly_chart_{number}")
    if section.table is not None:
        st.dataframe(section.table, hide_index=True, key=f"weekly_table_{number}")

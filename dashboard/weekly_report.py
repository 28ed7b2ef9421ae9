"""The weekly review in words, charts and tables: shown on the page, written as HTML or PDF by
`cashless report weekly`. The figures come from warehouse.weekly; this module only phrases them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
from jinja2 import Environment, select_autoescape
from markupsafe import Markup, escape
from sqlalchemy import Connection, Engine

from cashless.formatting import fmt_date, fmt_datetime, fmt_int, fmt_points, fmt_rate, fmt_signed_int
from cashless.texts import t
from dashboard.charts import style_chart
from models.forecast import forecast_to, year_end_outlook
from models.outreach import list_effects
from warehouse.access import Viewer, office_names
from warehouse.metrics import PROVINCE
from warehouse.targets import target_status
from warehouse.weekly import WeeklyReview, weekly_review

LISTS_SHOWN = 3  # the latest outreach lists the review reports on
STATUS_COLOURS = {"on track": "#2a9d8f", "at risk": "#e9c46a", "off track": "#e76f51"}
STATUS_EMOJI = {"🟢": "on track", "🟡": "at risk", "🔴": "off track"}  # as the status texts start


@dataclass
class Section:
    """One part of the review: a title, sentences, and optionally a chart and a table."""

    title: str
    sentences: list[str]
    figure: go.Figure | None = None
    table: pd.DataFrame | None = None  # already formatted for people, headers translated


def build_sections(
    review: WeeklyReview,
    names: dict[str, str],
    language: str,
    effects: pd.DataFrame | None = None,
    outlook: pd.DataFrame | None = None,
) -> list[Section]:
    """The review's sections in `language` ('vi' or 'en'); `names` maps office codes to names.

    `effects` are the outreach lists' contacted-vs-control results (models.outreach.list_effects);
    `outlook` the year-end forecast range per office (models.forecast.year_end_outlook).
    """
    offices = review.offices.set_index("office_code")
    scope_code = PROVINCE if PROVINCE in offices.index else offices.index[0]
    scope_name = t("w_scope_province", language) if scope_code == PROVINCE else names[scope_code]
    sections = [
        Section(
            t("w_section_province", language) if scope_code == PROVINCE else names[scope_code],
            _headline(review, offices.loc[scope_code], scope_name, language),
            figure=trend_figure(review, names, language),
        )
    ]
    if scope_code == PROVINCE:
        sections.append(_offices_section(review, names, language))
    sections[-1].sentences += _forecast_sentences(outlook, names, language)
    sections.append(_moves_section(review, names, language))
    sections.append(_channels_section(review, language))
    sections.append(_outreach_section(effects, names, language))
    return sections


def _forecast_sentences(outlook: pd.DataFrame | None, names: dict[str, str], language: str) -> list[str]:
    """One sentence per office: the year-end 80% forecast range, and the year's plan when there is one."""
    if outlook is None or outlook.empty:
        return []
    sentences = []
    for _, row in outlook[outlook["office_code"] != PROVINCE].iterrows():
        values = {
            "office": names.get(row["office_code"], row["office_code"]),
            "low": f"{row['lo80'] * 100:.0f}",
            "high": f"{row['hi80'] * 100:.0f}%",
            "day": fmt_date(row["day"], language),
        }
        if pd.isna(row["target_rate"]):
            sentences.append(t("w_forecast_sentence_no_target", language, **values))
        else:
            target = f"{row['target_rate'] * 100:.0f}%"
            sentences.append(t("w_forecast_sentence", language, target=target, **values))
    return sentences


def _outreach_section(effects: pd.DataFrame | None, names: dict[str, str], language: str) -> Section:
    """The latest outreach lists: conversion of contacted households against their control group."""
    title = t("w_section_outreach", language)
    if effects is None or effects.empty:
        return Section(title, [t("w_no_outreach", language)])
    sentences = []
    for _, row in effects.sort_values("list_id", ascending=False).head(LISTS_SHOWN).iterrows():
        sentences.append(
            t(
                "w_list",
                language,
                id=row["list_id"],
                office=names.get(row["office_code"], row["office_code"]),
                as_of=fmt_date(pd.Timestamp(row["as_of"]).date(), language),
                contacted=fmt_int(row["contacted"], language),
                contacted_rate=_rate_or_blank(row["contacted_rate"], language) or "-",
                control=fmt_int(row["control"], language),
                control_rate=_rate_or_blank(row["control_rate"], language) or "-",
                difference=_points_or_dash(row["difference"], language),
                low=_points_or_dash(row["ci_low"], language),
                high=_points_or_dash(row["ci_high"], language),
            )
        )
        sentences.append(
            t(
                "w_list_outcomes",
                language,
                **{
                    code: fmt_int(row[f"outcome_{code}"], language)
                    for code in ("agreed", "refused", "unreachable", "converted")
                },
            )
        )
    return Section(title, sentences)


def _points_or_dash(value, language: str) -> str:
    return "-" if pd.isna(value) else fmt_points(value, language)


def _headline(review: WeeklyReview, row: pd.Series, scope: str, language: str) -> list[str]:
    sentences = [
        t(
            "w_headline",
            language,
            day=fmt_date(review.as_of, language),
            scope=scope,
            cashless=fmt_int(row["cashless_customers"], language),
            active=fmt_int(row["active_customers"], language),
            rate=fmt_rate(row["cashless_rate"], language),
        ),
        t(
            "w_week",
            language,
            before=fmt_date(review.week_start, language),
            change=fmt_signed_int(row["cashless_change_week"], language),
            points=fmt_points(row["rate_change_week"], language),
        ),
        t(
            "w_month",
            language,
            change=fmt_signed_int(row["cashless_change_month"], language),
            points=fmt_points(row["rate_change_month"], language),
        ),
    ]
    return sentences + [_period_sentence(row, kind, language) for kind in ("month", "quarter", "year")]


def _period_sentence(row: pd.Series, kind: str, language: str) -> str:
    period, target = row.get(f"{kind}_period"), row.get(f"{kind}_target_rate")
    kind_word = t(f"w_kind_{kind}", language)
    if pd.isna(target):
        label = period if isinstance(period, str) else ""
        return t("w_no_target", language, kind=kind_word, period=label)
    if row[f"{kind}_customers_needed"] == 0:
        return t("w_period_done", language, kind=kind_word, period=period, target=fmt_rate(target, language))
    return t(
        "w_period_short",
        language,
        kind=kind_word,
        period=period,
        target=fmt_rate(target, language),
        needed=fmt_int(row[f"{kind}_customers_needed"], language),
        pace=fmt_int(row[f"{kind}_weekly_pace"], language),
        projected=fmt_rate(row[f"{kind}_projected_rate"], language),
        status=t(f"status_{row[f'{kind}_status']}", language),
    )


def _offices_section(review: WeeklyReview, names: dict[str, str], language: str) -> Section:
    offices = review.offices[review.offices["office_code"] != PROVINCE].copy()
    offices["name"] = offices["office_code"].map(names)
    quarter = offices["quarter_period"].dropna()
    period = quarter.iloc[0] if len(quarter) else f"{review.as_of.year}-Q{(review.as_of.month - 1) // 3 + 1}"
    off = offices[offices["quarter_status"] == "off track"]
    risk = offices[offices["quarter_status"] == "at risk"]
    sentences = [
        t("w_off_track", language, n=len(off), period=period, names=", ".join(off["name"]))
        if len(off)
        else t("w_none_off_track", language, period=period)
    ]
    if len(risk):
        sentences.append(t("w_at_risk", language, names=", ".join(risk["name"])))
    ranked = offices.sort_values("rate_change_week", ascending=False)

    def items(rows: pd.DataFrame) -> str:
        return ", ".join(
            f"{r['name']} ({fmt_points(r['rate_change_week'], language)})" for _, r in rows.iterrows()
        )

    sentences.append(t("w_best", language, items=items(ranked.head(3))))
    sentences.append(t("w_worst", language, items=items(ranked.tail(2).iloc[::-1])))
    sentences += [_office_line(row, language) for _, row in offices.iterrows()]
    table = pd.DataFrame(
        {
            t("office", language): offices["name"],
            t("cashless_rate", language): offices["cashless_rate"].map(lambda v: fmt_rate(v, language)),
            t("rate_change_week", language): offices["rate_change_week"].map(
                lambda v: fmt_points(v, language)
            ),
            t("cashless_change_week", language): offices["cashless_change_week"].map(
                lambda v: fmt_signed_int(v, language)
            ),
            t("month_needed", language): offices["month_customers_needed"].map(
                lambda v: _int_or_blank(v, language)
            ),
            t("quarter_target", language): offices["quarter_target_rate"].map(
                lambda v: _rate_or_blank(v, language)
            ),
            t("quarter_needed", language): offices["quarter_customers_needed"].map(
                lambda v: _int_or_blank(v, language)
            ),
            t("quarter_pace", language): offices["quarter_weekly_pace"].map(
                lambda v: _int_or_blank(v, language)
            ),
            t("year_needed", language): offices["year_customers_needed"].map(
                lambda v: _int_or_blank(v, language)
            ),
            t("quarter_status", language): offices["quarter_status"].map(
                lambda s: "" if pd.isna(s) else t(f"status_{s}", language)
            ),
        }
    )
    return Section(
        t("w_section_offices", language),
        sentences,
        figure=needed_figure(offices, period, language),
        table=table,
    )


def _office_line(row: pd.Series, language: str) -> str:
    """One sentence per office: level, the week's change, and the quarter's gap."""
    quarter = ""
    if pd.notna(row["quarter_target_rate"]):
        quarter = t(
            "w_office_quarter",
            language,
            period=row["quarter_period"],
            needed=fmt_int(row["quarter_customers_needed"], language),
            pace=fmt_int(row["quarter_weekly_pace"], language),
            status=t(f"status_{row['quarter_status']}", language),
        )
    return t(
        "w_office_line",
        language,
        office=row["name"],
        cashless=fmt_int(row["cashless_customers"], language),
        active=fmt_int(row["active_customers"], language),
        rate=fmt_rate(row["cashless_rate"], language),
        change=fmt_signed_int(row["cashless_change_week"], language),
        quarter=quarter,
    ).strip()


def _moves_section(review: WeeklyReview, names: dict[str, str], language: str) -> Section:
    movers = review.movers
    totals = movers[["converted", "slipped", "net"]].sum()
    sentences = [
        t(
            "w_moves",
            language,
            converted=fmt_int(totals["converted"], language),
            slipped=fmt_int(totals["slipped"], language),
            net=fmt_signed_int(totals["net"], language),
        )
    ]
    slipped = movers[movers["slipped"] > 0].sort_values("slipped", ascending=False).head(3)
    if len(slipped) > 1:
        sentences.append(
            t(
                "w_most_slipped",
                language,
                items=", ".join(
                    f"{names.get(r['office_code'], r['office_code'])} ({fmt_int(r['slipped'], language)})"
                    for _, r in slipped.iterrows()
                ),
            )
        )
    negative = review.communes[review.communes["net"] < 0].sort_values("net").head(5)
    sentences.append(
        t(
            "w_communes_negative",
            language,
            items=", ".join(
                f"{r['commune']} – {names.get(r['office_code'], r['office_code'])} ({fmt_signed_int(r['net'], language)})"
                for _, r in negative.iterrows()
            ),
        )
        if len(negative)
        else t("w_communes_none_negative", language)
    )
    table = pd.DataFrame(
        {
            t("office", language): movers["office_code"].map(names),
            t("converted", language): movers["converted"].map(lambda v: fmt_int(v, language)),
            t("slipped", language): movers["slipped"].map(lambda v: fmt_int(v, language)),
            t("net", language): movers["net"].map(lambda v: fmt_signed_int(v, language)),
        }
    )
    return Section(t("w_section_moves", language), sentences, table=table)


def _channels_section(review: WeeklyReview, language: str) -> Section:
    shift = review.channel_shift

    def items(rows: pd.DataFrame) -> str:
        return ", ".join(
            f"{t('cat_' + r['category'], language).lower()} ({fmt_points(r['change'], language)})"
            for _, r in rows.iterrows()
        )

    up = shift[shift["change"] > 0].sort_values("change", ascending=False).head(2)
    down = shift[shift["change"] < 0].head(2)
    sentences = (
        [t("w_channels", language, up=items(up) or "-", down=items(down) or "-")] if len(shift) else []
    )
    return Section(t("w_section_channels", language), sentences, figure=channel_figure(shift, language))


def _int_or_blank(value, language: str) -> str:
    return "" if pd.isna(value) else fmt_int(value, language)


def _rate_or_blank(value, language: str) -> str:
    return "" if pd.isna(value) else fmt_rate(value, language)


# charts -------------------------------------------------------------------------------------------


def _layout(figure: go.Figure, title: str, language: str, rate_axis: str | None = "y") -> go.Figure:
    """The page's chart style, with a title and a height that print well."""
    figure.update_layout(title=title, height=380, template="plotly_white")
    return style_chart(figure, rate_axis, language)


def trend_figure(review: WeeklyReview, names: dict[str, str], language: str) -> go.Figure:
    """The rate at each of the last week ends, per office (thin) and the province (bold), with the target."""
    figure = go.Figure()
    for code, rows in review.trend.groupby("office_code", sort=False):
        province = code == PROVINCE
        figure.add_scatter(
            x=rows["day"], y=rows["cashless_rate"], mode="lines+markers" if province else "lines",
            name=t("all_offices", language) if province else names.get(code, code),
            line={"width": 4, "color": "black"} if province else {"width": 1.5},
        )  # fmt: skip
    scope = PROVINCE if PROVINCE in set(review.trend["office_code"]) else review.trend["office_code"].iloc[0]
    first_day = review.trend["day"].min()
    shown = (review.plan["end"] >= first_day) & (review.plan["start"] <= review.as_of)
    plan = review.plan[(review.plan["office_code"] == scope) & shown]
    if len(plan):
        figure.add_scatter(
            x=plan["end"], y=plan["target_rate"], name=t("trend_target", language), mode="lines+markers",
            line={"dash": "dash", "width": 2, "color": "firebrick"},
        )  # fmt: skip
    figure.update_xaxes(tickformat="%d/%m" if language == "vi" else "%m-%d")
    return _layout(figure, t("w_chart_trend", language), language)


def needed_figure(offices: pd.DataFrame, period: str, language: str) -> go.Figure:
    """Customers still needed for the quarter per office, coloured by status."""
    rows = offices.dropna(subset=["quarter_customers_needed"]).sort_values("quarter_customers_needed")
    figure = go.Figure(
        go.Bar(
            x=rows["quarter_customers_needed"],
            y=rows["name"],
            orientation="h",
            marker_color=[STATUS_COLOURS.get(s, "#999") for s in rows["quarter_status"]],
            text=[fmt_int(v, language) for v in rows["quarter_customers_needed"]],
            textposition="auto",
            textangle=0,  # a short bar shows its figure beside it, not turned on its side
        )
    )
    return _layout(figure, t("w_chart_needed", language, period=period), language, rate_axis=None)


def channel_figure(shift: pd.DataFrame, language: str) -> go.Figure:
    """Change in each category's share of payments, in points."""
    figure = go.Figure(
        go.Bar(
            x=shift["change"],
            y=[t(f"cat_{c}", language) for c in shift["category"]],
            orientation="h",
            marker_color=["#2a9d8f" if v > 0 else "#e76f51" for v in shift["change"]],
            text=[fmt_points(v, language) for v in shift["change"]],
            textposition="auto",
            textangle=0,  # a short bar shows its figure beside it, not turned on its side
        )
    )
    return _layout(figure, t("w_chart_channels", language), language, rate_axis="x")


# documents ----------------------------------------------------------------------------------------

_TEMPLATE = """<!doctype html>
<html lang="{{ language }}"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>
  body { font-family: "Noto Sans", "DejaVu Sans", Arial, sans-serif; color: #222; max-width: 190mm;
         margin: 0 auto; padding: 8mm; font-size: 11pt; line-height: 1.45; }
  h1 { font-size: 17pt; margin: 0 0 4mm; } h2 { font-size: 13.5pt; margin: 7mm 0 2mm;
  border-bottom: 1px solid #ccc; padding-bottom: 1mm; }
  p { margin: 1.2mm 0; } .chart { page-break-inside: avoid; margin: 3mm 0; }
  table { border-collapse: collapse; width: 100%; font-size: 9pt; page-break-inside: avoid; margin: 3mm 0; }
  th, td { border: 1px solid #ccc; padding: 1mm 1.5mm; text-align: right; }
  th:first-child, td:first-child { text-align: left; } th { background: #f2f2f2; }
  footer { color: #777; font-size: 8.5pt; margin-top: 8mm; }
  section { page-break-inside: auto; }
</style></head><body>
<h1>{{ title }}</h1>
{% for section in sections %}<section><h2>{{ section.title }}</h2>
{% for sentence in section.sentences %}<p>{{ sentence }}</p>{% endfor %}
{% if section.chart %}<div class="chart">{{ section.chart | safe }}</div>{% endif %}
{% if section.table %}{{ section.table | safe }}{% endif %}
</section>{% endfor %}
<footer>{{ footer }}</footer>
</body></html>
"""


def render_html(sections: list[Section], title: str, footer: str, language: str) -> str:
    """A self-contained HTML document (plotly.js inline once, so it opens offline)."""
    parts, first_chart = [], True
    for section in sections:
        chart = None
        if section.figure is not None:
            figure = go.Figure(section.figure).update_layout(width=700)
            chart = figure.to_html(
                full_html=False,
                include_plotlyjs="inline" if first_chart else False,
                config={"staticPlot": True, "displayModeBar": False},
            )
            first_chart = False
        table = None if section.table is None else section.table.to_html(index=False, border=0, escape=True)
        parts.append(
            {
                "title": section.title,
                "sentences": [_printable_marks(escape(sentence)) for sentence in section.sentences],
                "chart": chart,
                "table": None if table is None else _printable_marks(Markup(table)),
            }
        )
    environment = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    return environment.from_string(_TEMPLATE).render(
        title=title, sections=parts, footer=footer, language=language
    )


def _printable_marks(html: Markup) -> Markup:
    """Status emoji -> a coloured ● that every font has: printed without an emoji font (Debian's
    Chromium has none by default) they would come out as empty boxes."""
    for emoji, status in STATUS_EMOJI.items():
        html = html.replace(emoji, Markup(f'<span style="color: {STATUS_COLOURS[status]}">●</span>'))
    return Markup(html)


def render_pdf(html: str) -> bytes:
    """The HTML printed to an A4 PDF by headless Chromium (the charts drawn before printing)."""
    from playwright.sync_api import sync_playwright

    from dashboard.chromium import chromium_path, launch_flags

    executable = chromium_path()
    if executable is None:
        raise RuntimeError("Chromium is not installed (Debian package `chromium`)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=launch_flags())
        try:
            page = browser.new_page()
            page.set_content(html, wait_until="load")
            page.wait_for_function(
                "() => [...document.querySelectorAll('.plotly-graph-div')].every(d => d.querySelector('svg'))",
                timeout=30_000,
            )
            return page.pdf(format="A4", print_background=True, margin={"top": "10mm", "bottom": "12mm"})
        finally:
            browser.close()


@dataclass
class WeeklyReport:
    """The review as the page shows it and the CLI renders it: a title, the sections, a footer."""

    title: str
    sections: list[Section]
    footer: str


def compose_report(
    review: WeeklyReview,
    names: dict[str, str],
    effects: pd.DataFrame | None,
    language: str,
    source: str,
    outlook: pd.DataFrame | None = None,
) -> WeeklyReport:
    """The review in `language` from its gathered figures; `source` is the (masked) database shown in the footer."""
    title, footer = title_and_footer(review, source, language)
    return WeeklyReport(title, build_sections(review, names, language, effects, outlook), footer)


def title_and_footer(review: WeeklyReview, source: str, language: str) -> tuple[str, str]:
    """The review's title (its day) and footer (when it was made, from which database)."""
    title = t("w_title", language, day=fmt_date(review.as_of, language))
    footer = t("w_generated", language, at=fmt_datetime(dt.datetime.now(), language), source=source)
    return title, footer


def gather_report(
    conn: Connection, viewer: Viewer, as_of: dt.date, language: str, source: str, keep: Engine | None = None
) -> WeeklyReport:
    """Read the review's figures for `viewer` as of `as_of` and compose it (the CLI's path; the page reads
    through its caches). `keep`: the engine to keep a year forecast made here through, for the pages."""
    review = weekly_review(conn, as_of, viewer)
    effects = list_effects(conn, viewer, measured_on=as_of)
    forecast = forecast_to(conn, as_of, dt.date(as_of.year, 12, 31), viewer, keep=keep)[1]
    outlook = year_end_outlook(forecast, target_status(conn, as_of, as_of.year, viewer=viewer), as_of)
    return compose_report(review, office_names(conn, viewer), effects, language, source, outlook)

"""The weekly review's sentences and documents, on the hand-made province (figures worked out in
tests/warehouse/test_metrics_fixture.py) and on a crafted outreach result."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from dashboard.chromium import chromium_path
from dashboard.weekly_report import build_sections, render_html, render_pdf, title_and_footer
from warehouse.access import Viewer, visible_offices
from warehouse.db import make_engine
from warehouse.weekly import weekly_review

FEB_END = dt.date(2025, 2, 28)
EFFECT = pd.DataFrame(
    [
        {
            "list_id": 7, "office_code": "PA1102", "as_of": dt.date(2025, 1, 31),
            "contacted": 100, "contacted_converted": 12, "contacted_rate": 0.12,
            "control": 10, "control_converted": 1, "control_rate": 0.10,
            "difference": 0.02, "ci_low": -0.1712, "ci_high": 0.2112,
            "outcome_contacted": 40, "outcome_agreed": 9, "outcome_refused": 5,
            "outcome_unreachable": 3, "outcome_converted": 2,
        }
    ]
)  # fmt: skip


@pytest.fixture(scope="module")
def review(fixture_url):
    engine = make_engine(fixture_url)
    with engine.connect() as conn:
        viewer = Viewer("boss", "executive")
        result = (
            weekly_review(conn, FEB_END, viewer),
            dict(visible_offices(conn, viewer).itertuples(index=False)),
        )
    engine.dispose()
    return result


def _sentences(sections) -> str:
    return "\n".join(s for section in sections for s in section.sentences)


def test_sentences_in_vietnamese(review):
    figures, names = review
    text = _sentences(build_sections(figures, names, "vi", EFFECT))
    assert "Đến hết ngày 28/02/2025, toàn tỉnh có 5/9 khách hàng không dùng tiền mặt, đạt 55,56%." in text
    assert "So với tuần trước (21/02/2025): +1 khách hàng, tỷ lệ +11,11 điểm %." in text
    assert "So với một tháng trước: +2 khách hàng, tỷ lệ +25,56 điểm %." in text
    # In the week 21/02-28/02: C09 (post office on 28/02) converted, C12 started that day (not counted);
    # nobody slipped (C03 and C07 slipped before the 21st).
    assert "Trong tuần, 1 khách hàng chuyển sang không dùng tiền mặt và 0 khách hàng quay lại" in text
    # PA1102 Q1 target 70% (ceil(3.5) - 3 = 1 needed); PA1101 has the year at 80% only.
    assert (
        "Điện lực Yên Sơn: 3/5 khách hàng (60,00%), +1 khách hàng trong tuần. Quý 2025-Q1 còn thiếu 1 khách hàng"
        in text
    )
    assert (
        "Danh sách số 7 (Điện lực Yên Sơn, tính đến 31/01/2025): 12,00% trong 100 hộ được vận động đã chuyển "
        "sang không dùng tiền mặt, so với 10,00% trong 10 hộ đối chứng không được liên hệ "
        "(chênh lệch +2,00 điểm %; khoảng tin cậy 95%: -17,12 điểm % đến +21,12 điểm %)."
    ) in text
    assert "9 đồng ý, 5 từ chối, 3 không liên lạc được, 2 đã chuyển đổi" in text


def test_sentences_in_english_and_without_lists(review):
    figures, names = review
    text = _sentences(build_sections(figures, names, "en"))
    assert "By the end of 2025-02-28, the province had 5 of 9 customers paying cashless: 55.56%." in text
    assert "No outreach list to assess yet." in text


def test_html_escapes_and_holds_the_charts(review):
    figures, names = review
    names = {**names, "PA1101": "<b>TP</b>"}
    sections = build_sections(figures, names, "vi")
    title, footer = title_and_footer(figures, "sqlite:///x.db", "vi")
    html = render_html(sections, title, footer, "vi")
    assert html.count('class="plotly-graph-div"') == 3  # trend, still needed, channel shift
    assert "<b>TP</b>" not in html and "&lt;b&gt;TP&lt;/b&gt;" in html
    assert "Báo cáo tuần: chuyển đổi thanh toán không dùng tiền mặt, đến ngày 28/02/2025" in html


def test_status_marks_print_without_an_emoji_font(review):
    """The status emoji become a coloured ● (Debian's Chromium prints emoji as empty boxes)."""
    figures, names = review
    html = render_html(build_sections(figures, names, "vi"), *title_and_footer(figures, "x", "vi"), "vi")
    assert not any(emoji in html for emoji in "🟢🟡🔴")
    on_track = '<span style="color: #2a9d8f">●</span> đạt'  # the fixture's offices are on track
    assert f"{on_track}.</p>" in html and f"{on_track}</td>" in html  # in sentences and in the table


@pytest.mark.skipif(chromium_path() is None, reason="no Chromium to print the PDF")
def test_pdf_is_a4_with_the_report(review):
    figures, names = review
    sections = build_sections(figures, names, "vi", EFFECT)
    pdf = render_pdf(render_html(sections, *title_and_footer(figures, "x", "vi"), "vi"))
    assert pdf.startswith(b"%PDF-") and b"/MediaBox [0 0 595" in pdf  # A4 is 595 x 842 points


def test_one_forecast_sentence_per_office(review):
    figures, names = review
    outlook = pd.DataFrame(
        {
            "office_code": ["ALL", "PA1101", "PA1102"],
            "day": [dt.date(2025, 12, 31)] * 3,
            "lo80": [0.60, 0.5512, 0.70],
            "hi80": [0.70, 0.6149, 0.80],
            "target_rate": [0.75, 0.70, None],
        }
    )
    text = _sentences(build_sections(figures, names, "vi", outlook=outlook))
    assert "Ở tốc độ hiện tại, Điện lực TP Tuyên Quang đạt 55–61% vào 31/12/2025, kế hoạch 70%." in text
    assert "Ở tốc độ hiện tại, Điện lực Yên Sơn đạt 70–80% vào 31/12/2025." in text
    assert text.count("Ở tốc độ hiện tại") == 2  # offices only, not the province
    english = _sentences(build_sections(figures, names, "en", outlook=outlook))
    assert "At the current pace, Điện lực Yên Sơn reaches 70–80% by 2025-12-31." in english
    assert "Ở tốc độ" not in _sentences(build_sections(figures, names, "vi"))

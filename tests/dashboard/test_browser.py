"""Every page of the running app in a real headless Chromium, on the hand-made province: the figures
worked out in tests/warehouse/test_metrics_fixture.py appear, and no page shows an exception."""

from __future__ import annotations

import pytest

from tests.browser import (
    missing_texts,
    open_page,
    page_errors,
    served_app,
    shown_text,
    sign_in,
    skip_without_chromium,
)

from .conftest import PASSWORD

pytestmark = pytest.mark.browser

skip_without_chromium()


@pytest.fixture(scope="module")
def app_url(fixture_url):
    with served_app(fixture_url) as base:
        yield base


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1400, "height": 4000}, locale="vi-VN")
    yield context.new_page()
    context.close()


EXPECTED = {
    # page title -> text that must appear (figures of the fixture on 28/02/2025; table cells unformatted)
    "Tổng quan": ["5/9 khách hàng, đạt 55,56%", "+1 · 7 ngày", "+25,56 điểm %", "Điện lực Yên Sơn"],
    "Kế hoạch": ["Kế hoạch năm 2025 theo điện lực", "80,00% ●", "70,00% ●", "Điện lực TP Tuyên Quang"],
    "Kênh thanh toán": ["Cơ cấu theo nhóm kênh", "Tên kênh chưa có trong danh mục", "SmartPay"],
    "Dữ liệu": [
        "Các lần nạp dữ liệu",
        "payments_2025-02.csv",
        "mã khách hàng chưa có 'C99'",
    ],  # the reason in Vietnamese
    "Báo cáo tuần": ["toàn tỉnh có 5/9 khách hàng không dùng tiền mặt, đạt 55,56%", "Tỷ lệ tăng nhiều nhất"],
    "Người dùng": ["Nhật ký thao tác", "yenson"],
    "Mô hình": ["Chưa có mô hình", "cashless model train"],  # the fixture has no model
    "Danh sách vận động": ["Chưa có mô hình"],
}


def test_every_page_renders_its_figures_for_an_admin(app_url, page):
    sign_in(page, app_url, "admin", PASSWORD)
    for title, texts in EXPECTED.items():
        if title != "Tổng quan":
            open_page(page, title)
        assert missing_texts(page, texts) == [], title
        assert page_errors(page) == [], title
        assert "Traceback" not in shown_text(page), title


def test_a_manager_sees_their_office_and_edits_its_target(app_url, page):
    sign_in(page, app_url, "yenson", PASSWORD)
    body = page.inner_text("body")
    assert "3/5 khách hàng, đạt 60,00%" in body
    assert "Còn thiếu 1 khách hàng" in body  # Q1 70%: ceil(3.5) - 3
    open_page(page, "Kế hoạch")
    # The form's office is the manager's own, its period the as-of month (2025-02): set 100%.
    rate = page.get_by_label("Kế hoạch (%)")
    rate.fill("100")
    rate.press("Tab")
    page.get_by_role("button", name="Lưu").first.click()
    assert missing_texts(page, ["Đã lưu 1 kế hoạch"]) == []
    open_page(page, "Tổng quan")
    assert missing_texts(page, ["kế hoạch 100,00% · Còn thiếu 2 khách hàng"]) == []  # ceil(1.0 * 5) - 3
    assert page_errors(page) == []


def test_wrong_password_shows_a_message(app_url, page):
    page.goto(app_url)
    page.get_by_label("Tên đăng nhập").fill("admin")
    page.get_by_label("Mật khẩu").fill("not the password")
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_text("Sai tên đăng nhập hoặc mật khẩu").wait_for(timeout=30_000)
    assert page.locator("[data-testid=stSidebarNav]").count() == 0


def test_the_sign_in_page_loads_the_chart_library_and_shows_no_chart(app_url, page):
    """The overview's charts draw at once after the sign-in: the library is loaded before, hidden."""
    page.goto(app_url)
    page.get_by_label("Tên đăng nhập").wait_for(timeout=30_000)
    page.wait_for_function("() => !!document.querySelector('.js-plotly-plot')", timeout=30_000)
    charts = page.locator(".js-plotly-plot")
    assert charts.count() == 1 and not charts.first.is_visible()

"""The running app in a real headless Chromium: links to a view (through the sign-in, a manager's scope
winning over the link) and the outreach download, built and recorded only when really downloaded."""

from __future__ import annotations

import io
import os

import openpyxl
import pytest

from tests.browser import (
    browser,
    chromium_path,
    missing_texts,
    open_page,
    served_app,
    sign_in,
    wait_until_idle,
)
from warehouse.access import Viewer, audit_entries
from warehouse.db import make_engine

from .conftest import PASSWORD

pytestmark = pytest.mark.browser

if chromium_path() is None:
    reason = "no Chromium here: `make test` installs Debian's chromium (or set CASHLESS_CHROMIUM)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason, allow_module_level=True)


@pytest.fixture(scope="module")
def chromium():
    with browser() as instance:
        yield instance


@pytest.fixture
def page(chromium):
    context = chromium.new_context(
        viewport={"width": 1400, "height": 4000}, locale="vi-VN", accept_downloads=True
    )
    yield context.new_page()
    context.close()


def _exports(url: str):
    with make_engine(url).connect() as conn:
        entries = audit_entries(conn, Viewer("test", "admin"))
    return entries[entries["action"] == "export"]


def test_an_outreach_download_is_built_on_click_and_recorded_once(model_url, page):
    with served_app(model_url) as base:
        sign_in(page, base, "yenson", PASSWORD)  # the manager of PA1102: their office is fixed
        open_page(page, "Danh sách vận động")
        page.get_by_role("button", name="Tạo danh sách").click()
        assert missing_texts(page, ["Đã tạo danh sách"]) == []
        wait_until_idle(page)
        assert _exports(model_url).empty  # showing the buttons built and recorded nothing
        button = page.locator("[data-testid=stDownloadButton] button").filter(has_text="Tải Excel").first
        with page.expect_download(timeout=60_000) as started:
            button.click()
        download = started.value
        assert download.suggested_filename == "danh_sach_van_dong_1.xlsx"
        with open(download.path(), "rb") as file:  # a temporary name without .xlsx, which openpyxl wants
            sheet = openpyxl.load_workbook(io.BytesIO(file.read())).active
        rows = sheet.max_row - 1  # below the header
        assert rows > 0
        wait_until_idle(page)
        exports = _exports(model_url)
        assert len(exports) == 1  # one download, one entry
        export = exports.iloc[0]
        assert (export["username"], export["office_code"], export["rows"]) == ("yenson", "PA1102", rows)

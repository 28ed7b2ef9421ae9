"""The sign-in in a real headless Chromium: it survives a reload and a new tab through an HttpOnly,
SameSite=Lax cookie, sign-out deletes it, and disabling the account ends the open session."""

from __future__ import annotations

import pytest

from tests.browser import served_app, sign_in, skip_without_chromium, wait_until_idle
from warehouse.access import set_active
from warehouse.db import make_engine

from .conftest import PASSWORD, build_fixture_warehouse

pytestmark = pytest.mark.browser

skip_without_chromium()

NAV = "[data-testid=stSidebarNav]"


@pytest.fixture(scope="module")
def database_url(tmp_path_factory):
    """A warehouse of its own: these tests sign out and disable accounts."""
    return build_fixture_warehouse(tmp_path_factory.mktemp("sign_in"))


@pytest.fixture(scope="module")
def app_url(database_url):
    with served_app(database_url) as base:
        yield base


@pytest.fixture
def context(chromium):
    context = chromium.new_context(viewport={"width": 1400, "height": 2000}, locale="vi-VN")
    yield context
    context.close()


def _drawn(page) -> None:
    """Until the app has drawn either the pages (signed in) or the sign-in form."""
    page.wait_for_selector(f"{NAV}, [data-testid=stForm]", timeout=60_000)
    wait_until_idle(page)


def _signed_in(page) -> bool:
    _drawn(page)
    return page.locator(NAV).count() == 1


def _shows_sign_in_form(page) -> bool:
    _drawn(page)
    button = page.get_by_role("button", name="Đăng nhập", exact=True)
    button.wait_for(timeout=30_000)  # a form drawn but not yet its button, under load
    wait_until_idle(page)
    assert button.count() == 1 and page.locator(NAV).count() == 0, page.inner_text("body")
    return True


def _session_cookie(context) -> dict | None:
    return next((c for c in context.cookies() if c["name"] == "cashless_session"), None)


def test_a_sign_in_survives_a_reload_and_a_new_tab_through_a_safe_cookie(app_url, context):
    page = context.new_page()
    assert _session_cookie(context) is None
    sign_in(page, app_url, "plan", PASSWORD)
    cookie = _session_cookie(context)
    assert cookie is not None
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    assert cookie["expires"] > 0  # expires (after 8 idle hours), not a cookie for ever
    assert page.evaluate("document.cookie").find("cashless_session") == -1  # scripts cannot read it

    page.reload()
    assert _signed_in(page)
    assert "plan" in page.inner_text("[data-testid=stSidebar]")

    second = context.new_page()
    second.goto(app_url)
    assert _signed_in(second)

    # an open tab in use renews the cookie through this route, with the same flags
    renewed = second.request.get(f"{app_url}/_cashless/refresh")
    assert renewed.status == 204
    set_cookie = renewed.headers["set-cookie"].lower()
    assert (
        set_cookie.startswith("cashless_session=")
        and "httponly" in set_cookie
        and "samesite=lax" in set_cookie
    )


def test_sign_out_deletes_the_cookie_and_a_reload_asks_again(app_url, context):
    page = context.new_page()
    sign_in(page, app_url, "boss", PASSWORD)
    old_cookie = _session_cookie(context)
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_selector("text=Tên đăng nhập", timeout=30_000)
    assert _shows_sign_in_form(page)
    assert _session_cookie(context) is None
    page.reload()
    assert _shows_sign_in_form(page)
    # the old cookie, put back by hand, no longer opens a session: sign-out ended it
    context.add_cookies([{k: old_cookie[k] for k in ("name", "value", "domain", "path")}])
    page.goto(app_url)
    assert _shows_sign_in_form(page)


def test_a_deep_link_comes_back_after_signing_in(app_url, context):
    page = context.new_page()
    page.goto(f"{app_url}/targets?office=PA1101")
    page.get_by_label("Tên đăng nhập").fill("admin")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_selector(NAV, timeout=60_000)
    wait_until_idle(page)
    # the page and the office asked for; the filters then add the rest of the view (language, day)
    assert page.url.startswith(f"{app_url}/targets?office=PA1101")


def test_disabling_the_account_ends_the_open_session(app_url, database_url, context):
    page = context.new_page()
    sign_in(page, app_url, "yenson", PASSWORD)
    engine = make_engine(database_url)
    with engine.begin() as conn:
        set_active(conn, "yenson", False)
    try:
        page.locator(f"{NAV} a").filter(has_text="Kế hoạch").click()  # the next interaction
        page.wait_for_selector("text=Tên đăng nhập", timeout=30_000)
        assert _shows_sign_in_form(page)
        page.reload()  # the cookie does not bring a disabled account back either
        assert _shows_sign_in_form(page)
    finally:
        with engine.begin() as conn:
            set_active(conn, "yenson", True)
        engine.dispose()

"""A real headless Chromium (Debian's package) driven by Playwright, and the app served for it.

Shared by the page tests and bench/pages.py. Chromium runs with the flags this closed network needs
(no background networking, no component updates).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from cli.serve import streamlit_command
from dashboard.chromium import chromium_path, launch_flags

NO_CHROMIUM = "no Chromium here: `make test` installs Debian's chromium (or set CASHLESS_CHROMIUM)"


def skip_without_chromium() -> None:
    """At the top of a browser test module: skip it where no Chromium is installed (fail under CI)."""
    import pytest

    if chromium_path() is None:
        if os.environ.get("CI") == "true":
            pytest.fail(NO_CHROMIUM, pytrace=False)
        pytest.skip(NO_CHROMIUM, allow_module_level=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def served_app(database_url: str, timeout: float = 60, env: dict | None = None) -> Iterator[str]:
    """The app as `cashless serve` serves it, on a free port against `database_url` (and `env` added to
    the environment); yields its base URL."""
    port = free_port()
    process = subprocess.Popen(
        streamlit_command(port, headless=True, address="127.0.0.1"),
        env={**os.environ, **(env or {}), "DATABASE_URL": database_url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"the app did not start: {process.stderr.read() if process.stderr else ''}"
                )
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def browser() -> Iterator[object]:
    """A Playwright Chromium browser on Debian's executable."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=launch_flags())
        try:
            yield chromium
        finally:
            chromium.close()


def wait_until_idle(page, timeout_ms: int = 60_000) -> None:
    """Until Streamlit has finished running the script (its status widget is gone)."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=stStatusWidget]')", timeout=timeout_ms
    )


def sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(base)
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_selector("[data-testid=stSidebarNav]", timeout=60_000)
    wait_until_idle(page)


def open_page(page, title: str) -> None:
    """Click the page titled `title` in the sidebar navigation and wait for it to render."""
    page.locator("[data-testid=stSidebarNav] a").filter(has_text=title).click()
    page.wait_for_function(
        "title => [...document.querySelectorAll('h1')].some(h => h.innerText.trim() === title)",
        arg=title,
        timeout=30_000,
    )
    wait_until_idle(page)


def shown_text(page) -> str:
    """What the page shows: its visible text plus the cells of its tables (drawn on a canvas, so
    read from the grid's accessible copy, which holds the unformatted values)."""
    # all_text_contents reads the tables there are now: counting first, then reading each, raced a
    # rerun that replaced them (a 30 s wait for a table that had gone)
    tables = page.locator("[data-testid=stDataFrame] table").all_text_contents()
    return "\n".join([page.inner_text("body"), *tables])


def page_errors(page) -> list[str]:
    """Exception boxes Streamlit shows on the page (empty when the page rendered cleanly)."""
    return page.locator("[data-testid=stException]").all_inner_texts()


def missing_texts(page, texts: list[str], timeout_s: float = 30) -> list[str]:
    """The `texts` the page still does not show after waiting up to `timeout_s` (tables load late)."""
    deadline = time.monotonic() + timeout_s
    while True:
        shown = shown_text(page)
        missing = [text for text in texts if text not in shown]
        if not missing or time.monotonic() > deadline:
            return missing
        page.wait_for_timeout(500)

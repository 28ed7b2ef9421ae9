"""What bench/pages.py counts as the page's last change, in a real Chromium on a page made here:
changes to the document and paint on a canvas count, the screen-reader table a data grid puts
inside its <canvas> does not, and a visit is timed from the click event."""

from __future__ import annotations

import pytest

from bench.pages import OBSERVE

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><html><body>
<h1>T</h1><div id="text">a</div><canvas id="grid" width="200" height="100"></canvas>
<button id="go" onclick="">go</button></body></html>"""


@pytest.fixture
def page(chromium):
    context = chromium.new_context()
    page = context.new_page()
    page.add_init_script(OBSERVE)
    page.route("http://bench.test/", lambda route: route.fulfill(body=PAGE, content_type="text/html"))
    page.goto("http://bench.test/")  # an origin of its own: the timing is kept in sessionStorage
    yield page
    context.close()


def _changed_after(page, action: str) -> bool:
    """Whether `action` (a script) moved the last change, once the observers have had 200 ms."""
    page.evaluate("() => { window.__lastChange = 0; }")
    page.evaluate(action)
    page.wait_for_timeout(200)
    return page.evaluate("() => window.__lastChange") > 0


def test_document_changes_and_canvas_paint_count_the_canvas_contents_do_not(page):
    assert _changed_after(page, "() => { document.getElementById('text').textContent = 'b'; }")
    assert not _changed_after(
        page,
        "() => { const t = document.createElement('table'); t.innerHTML = '<tr><td>1</td></tr>';"
        " document.getElementById('grid').appendChild(t); }",
    )
    assert not _changed_after(page, "() => { document.querySelector('#grid td').textContent = '2'; }")
    assert _changed_after(
        page, "() => { const c = document.getElementById('grid').getContext('2d');"
        " c.fillStyle = '#c00'; c.fillRect(0, 0, 200, 100); }",
    )  # fmt: skip
    assert not _changed_after(page, "() => {}")  # the same paint again is no change
    assert _changed_after(page, "() => { document.getElementById('grid').setAttribute('width', '300'); }")


def test_a_visit_is_timed_from_the_click_event(page):
    page.evaluate("() => sessionStorage.setItem('clicked', 0)")
    before = page.evaluate("() => Date.now()")
    page.click("#go")
    clicked = page.evaluate("() => Number(sessionStorage.getItem('clicked'))")
    assert clicked >= before

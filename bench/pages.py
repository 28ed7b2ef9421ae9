"""Page render times in a real headless Chromium, on the demo province and on a 10x one side by side.

For each warehouse: serves the app, signs in with a demo account and opens every page.
- first visit: the first click on the page after the server started (caches empty; the server is
  started again for each page, so no page warms another's caches; after sign-in only the overview
  has run). The overview's own first visit is the sign-in click to the overview drawn, clicked once the
  sign-in page has finished loading, as when a person types their password.
- warm: later visits (median and worst of --repeat), caches filled.
- after expiry: a visit once the caches' ttl has passed (--expiry, off by default: it waits the ttl).
A visit is timed from the click in the navigation to the last change the page's run made to the
document (a MutationObserver), once Streamlit reports the run finished and nothing has changed for a
while: no fixed sleep is counted.

    python bench/pages.py [--url sqlite:///data/cashless.db] [--url sqlite:////path/x10.db] [--repeat 5]

Build a 10x warehouse with `DATABASE_URL=sqlite:////somewhere/x10.db cashless demo --scale 10
--out /somewhere/x10-files` (about 25-40 min, 7.6 GB).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.model import artefact_folder  # noqa: E402
from cashless.settings import DEMO_PASSWORD, database_url  # noqa: E402
from tests.browser import browser, page_errors, served_app  # noqa: E402

PAGES = [
    "Kế hoạch", "Kênh thanh toán", "Báo cáo tuần", "Mô hình", "Danh sách vận động", "Dữ liệu", "Người dùng",
    "Tổng quan",
]  # fmt: skip
QUIET_MS = 1000  # no change to the document for this long after the run ended: the page is drawn

# Installed in every document before its own scripts: the time of the document's last change and
# of the click itself, in wall-clock ms so that they compare across a reload. The click is taken
# from the event, not from before Playwright's call: its checks before clicking took 0.05-0.2 s.
# What a <canvas> holds is never drawn (the data grid puts its screen-reader table there, about
# 0.3 s after the grid is drawn), so changes there do not count; the canvas's own attributes do,
# and so does what is painted on it: every 50 ms each canvas is shrunk to 64x64 pixels and compared.
OBSERVE = """
const drawn = (m) => {
  const node = m.target.nodeType === 1 ? m.target : m.target.parentElement;
  if (!node) return true;
  if (node.tagName === 'CANVAS') return m.type === 'attributes';
  return !node.closest('canvas');
};
window.__lastChange = Date.now();
new MutationObserver((changes) => { if (changes.some(drawn)) window.__lastChange = Date.now(); }).observe(
  document, {subtree: true, childList: true, attributes: true, characterData: true});
document.addEventListener('click', () => sessionStorage.setItem('clicked', Date.now()), true);
const painted = new WeakMap();
const probe = Object.assign(document.createElement('canvas'), {width: 64, height: 64})
  .getContext('2d', {willReadFrequently: true});
setInterval(() => {
  for (const canvas of document.querySelectorAll('canvas')) {
    if (!canvas.width || !canvas.height) continue;
    probe.clearRect(0, 0, 64, 64);
    probe.drawImage(canvas, 0, 0, 64, 64);
    const sum = probe.getImageData(0, 0, 64, 64).data.join();
    if (painted.get(canvas) !== sum) { painted.set(canvas, sum); window.__lastChange = Date.now(); }
  }
}, 50);
"""
# before a click: the page counts as changed from now on (the click event itself sets the start)
WATCH = "() => { window.__lastChange = Date.now(); }"
DRAWN = """([title, quiet]) => {
  const titled = [...document.querySelectorAll('h1')].some(h => h.innerText.trim() === title);
  const running = document.querySelector('[data-testid=stStatusWidget]');
  return titled && !running && Date.now() - window.__lastChange > quiet;
}"""
ELAPSED = "() => (window.__lastChange - Number(sessionStorage.getItem('clicked'))) / 1000"


def timed_open(page, title: str) -> float:
    """Seconds from the click on `title` in the navigation to the page's last change."""
    page.evaluate(WATCH)
    page.locator("[data-testid=stSidebarNav] a").filter(has_text=title).click()
    page.wait_for_function(DRAWN, arg=[title, QUIET_MS], timeout=120_000, polling=100)
    elapsed = page.evaluate(ELAPSED)
    if errors := page_errors(page):
        raise SystemExit(f"{title}: the page shows an error: {errors[0][:300]}")
    return elapsed


def signed_in_page(chromium, base: str, user: str):
    """A page signed in as `user` and the seconds from the sign-in click to the overview drawn."""
    page = chromium.new_context(viewport={"width": 1500, "height": 1100}).new_page()
    page.add_init_script(OBSERVE)
    page.goto(base)
    # as a person would: the form drawn and its page done loading before they type and click
    page.wait_for_selector("[data-testid=stForm]", timeout=120_000)
    page.wait_for_load_state("networkidle")
    page.get_by_label("Tên đăng nhập").fill(user)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.evaluate(WATCH)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_selector("[data-testid=stSidebarNav]", timeout=120_000)
    page.wait_for_function(DRAWN, arg=["Tổng quan", QUIET_MS], timeout=120_000, polling=100)
    return page, page.evaluate(ELAPSED)


def measure(url: str, user: str, repeat: int, expiry: float | None) -> dict:
    """First-visit, warm and (optionally) after-expiry times of every page on the warehouse `url`."""
    figures = {title: {} for title in PAGES}
    # each warehouse's own models where bench/model.py put them, else the usual folder (the demo's)
    folder = artefact_folder(url)
    env = {"CASHLESS_MODELS_DIR": folder} if Path(folder).is_dir() else {}
    with browser() as chromium:
        for title in PAGES:  # a fresh server per page: its first visit finds every cache empty
            with served_app(url, env=env) as base:
                page, sign_in_s = signed_in_page(chromium, base, user)
                if title == "Tổng quan":
                    figures[title]["first"] = sign_in_s
                else:
                    figures[title]["first"] = timed_open(page, title)
                page.context.close()
            print(f"  {title}: first visit {figures[title]['first']:.2f} s", flush=True)
        with served_app(url, env=env) as base:
            page, _ = signed_in_page(chromium, base, user)
            for title in PAGES:
                timed_open(page, title)
            warm = {title: [] for title in PAGES}
            for _ in range(repeat):
                for title in PAGES:
                    warm[title].append(timed_open(page, title))
            for title in PAGES:
                figures[title]["warm"] = statistics.median(warm[title])
                figures[title]["worst"] = max(warm[title])
            if expiry:
                print(f"  waiting {expiry:.0f} s for the caches to expire", flush=True)
                for title in PAGES:
                    time.sleep(expiry)
                    figures[title]["expired"] = timed_open(page, title)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url", action="append", help="warehouse (repeat for side by side); default DATABASE_URL"
    )
    parser.add_argument("--user", default="admin", help="demo account to sign in with")
    parser.add_argument("--repeat", type=int, default=5, help="warm visits per page")
    parser.add_argument("--expiry", type=float, help="also time a visit after waiting this many seconds")
    parser.add_argument("--page", action="append", choices=PAGES, help="only these pages (repeatable)")
    args = parser.parse_args()
    if args.page:
        PAGES[:] = [title for title in PAGES if title in args.page]
    urls = args.url or [database_url()]
    results = {}
    for url in urls:
        print(f"warehouse: {url}; user: {args.user}", flush=True)
        results[url] = measure(url, args.user, args.repeat, args.expiry)
    columns = ["first", "warm", "worst"] + (["expired"] if args.expiry else [])
    labels = {"first": "first s", "warm": "warm med s", "worst": "warm max s", "expired": "expired s"}
    header = f"{'page':<20}" + "".join(
        f"{f'#{i + 1} ' + labels[c]:>15}" for i in range(len(urls)) for c in columns
    )
    print("\n" + "\n".join(f"#{i + 1}: {url}" for i, url in enumerate(urls)))
    print(header)
    for title in PAGES:
        cells = "".join(f"{results[url][title].get(c, float('nan')):>15.2f}" for url in urls for c in columns)
        print(f"{title:<20}{cells}")


if __name__ == "__main__":
    main()

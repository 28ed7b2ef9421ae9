"""Page render times in a real headless Chromium against the demo province (issue: dashboard).

Serves the app on the warehouse of DATABASE_URL (default: the demo's data/cashless.db), signs in
with a demo account, and opens every page: once cold (caches empty) and then several times warm.
Prints, per page, the cold time and the median and worst warm time from the click in the
navigation to the end of the script run, with everything drawn.

    python bench/pages.py [--user admin] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cashless.settings import DEMO_PASSWORD, database_url  # noqa: E402
from tests.browser import browser, open_page, page_errors, served_app, sign_in  # noqa: E402

PAGES = [
    "Kế hoạch", "Kênh thanh toán", "Báo cáo tuần", "Mô hình", "Danh sách vận động", "Dữ liệu", "Người dùng",
    "Tổng quan",
]  # fmt: skip


def timed_open(page, title: str) -> float:
    started = time.perf_counter()
    open_page(page, title)
    page.wait_for_load_state("networkidle")
    elapsed = time.perf_counter() - started
    if errors := page_errors(page):
        raise SystemExit(f"{title}: the page shows an error: {errors[0][:200]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--user", default="admin", help="demo account to sign in with")
    parser.add_argument("--repeat", type=int, default=5, help="warm visits per page")
    args = parser.parse_args()
    url = database_url()
    print(f"warehouse: {url}; user: {args.user}")
    with served_app(url) as base, browser() as chromium:
        page = chromium.new_context(viewport={"width": 1500, "height": 1100}).new_page()
        started = time.perf_counter()
        sign_in(page, base, args.user, DEMO_PASSWORD)
        print(f"sign-in and first overview: {time.perf_counter() - started:.2f} s")
        cold = {title: timed_open(page, title) for title in PAGES}
        warm = {title: [] for title in PAGES}
        for _ in range(args.repeat):
            for title in PAGES:
                warm[title].append(timed_open(page, title))
    print(f"\n{'page':<18}{'cold s':>8}{'warm median s':>16}{'warm worst s':>15}")
    for title in PAGES:
        print(
            f"{title:<18}{cold[title]:>8.2f}{statistics.median(warm[title]):>16.2f}{max(warm[title]):>15.2f}"
        )


if __name__ == "__main__":
    main()

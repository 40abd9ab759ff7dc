"""Speed in the browser (issue 13). Run: .venv/bin/python benchmarks/bench_browser.py [--rounds N]

Measured in Debian's Chromium against `streamlit run app.py` on 127.0.0.1, the demo scenario:
1. Switching to each page from the sidebar until its content is drawn (its ready text, and its first chart
   where it has one): median per page over the rounds. Bound: every page's median <= 300 ms.
2. A Tiers edit (a tier's users typed in the table) until the new figures show. Bound: median <= 300 ms.
3. A cold start: from `streamlit run` to the Overview's figures, against a hello-world Streamlit app started the
   same way in the same run (to its text), alternating. Bound: ratio of medians <= 1.3.
The machine is shared and noisy: figures are medians, and the cold start is a ratio within one run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.streamlit_server import start_app  # noqa: E402
from tests.test_browser import CHROMIUM, NO_CHART, PAGES  # noqa: E402

TIMEOUT_MS = 30_000
PAGE_BOUND_S = 0.300
EDIT_BOUND_S = 0.300
START_BOUND = 1.3
HELLO = 'import streamlit as st\n\nst.title("hello")\nst.write("hello, world")\n'


def _demo():
    from models.engine import estimate
    from models.scenario import loads
    from usage.demo import demo_scenario_yaml

    s = loads(demo_scenario_yaml(), "demo")
    return s, estimate(s)


def bench_pages(browser, url: str, rounds: int) -> dict[str, list[float]]:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1400, "height": 1200})
    page = context.new_page()
    page.goto(url)
    expect(page.get_by_text("Monthly total").first).to_be_visible(timeout=TIMEOUT_MS)
    times: dict[str, list[float]] = {title: [] for title in PAGES}
    nav = page.get_by_test_id("stSidebarNav")
    for r in range(rounds + 1):  # the first round warms every page's caches and is not counted
        for title, (path, ready) in PAGES.items():
            start = time.perf_counter()
            nav.get_by_role("link", name=title, exact=True).click()
            expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible(timeout=TIMEOUT_MS)
            expect(page.get_by_text(ready).first).to_be_visible(timeout=TIMEOUT_MS)
            if path not in NO_CHART:
                page.wait_for_selector(".js-plotly-plot .main-svg", timeout=TIMEOUT_MS)
            page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')")
            if r:
                times[title].append(time.perf_counter() - start)
    context.close()
    return times


def bench_edit(browser, url: str, rounds: int, demo) -> list[float]:
    from playwright.sync_api import expect

    s, _ = demo
    tier = next(iter(s.tiers))
    context = browser.new_context(viewport={"width": 1400, "height": 1200})
    page = context.new_page()
    page.goto(f"{url}/tiers")
    summary = page.get_by_text("users · cost").first
    expect(summary).to_be_visible(timeout=TIMEOUT_MS)
    out = []
    for i in range(rounds + 1):
        users = 3000 + i
        grid = page.get_by_test_id("stDataFrame").first  # the tiers editor
        grid.dblclick(position={"x": 225, "y": 52})  # row 1, column 'users'
        cell = page.locator("input.gdg-input")
        cell.fill(str(users))
        start = time.perf_counter()
        cell.press("Enter")
        expect(summary).to_contain_text(f"{users:,} users", timeout=TIMEOUT_MS)
        if i:
            out.append(time.perf_counter() - start)
    del tier
    context.close()
    return out


def _cold(browser, entry: str, root: Path, wait) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        proc, url = start_app(root, Path(tmp) / "server.log", entry=entry)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1200})
            page = context.new_page()
            page.goto(url)
            wait(page)
            elapsed = time.perf_counter() - start
            context.close()
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    return elapsed


def bench_start(browser, rounds: int, demo) -> tuple[list[float], list[float]]:
    from playwright.sync_api import expect

    from models.report import usd

    _, e = demo

    def overview(page):
        value = page.get_by_test_id("stMetric").filter(has_text="Monthly total").get_by_test_id("stMetricValue")
        expect(value).to_have_text(usd(e.total), timeout=TIMEOUT_MS)
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=TIMEOUT_MS)

    def hello(page):
        expect(page.get_by_text("hello, world")).to_be_visible(timeout=TIMEOUT_MS)

    app, base = [], []
    with tempfile.TemporaryDirectory() as tmp:
        hello_root = Path(tmp)
        (hello_root / "hello.py").write_text(HELLO)
        for _ in range(rounds):
            base.append(_cold(browser, "hello.py", hello_root, hello))
            app.append(_cold(browser, "app.py", ROOT, overview))
    return app, base


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="rounds of each measurement (default 5)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    demo = _demo()
    ok = True
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--disable-gpu", "--disable-quic"])
        with tempfile.TemporaryDirectory() as tmp:
            proc, url = start_app(ROOT, Path(tmp) / "server.log")
            try:
                pages = bench_pages(browser, url, args.rounds)
                edits = bench_edit(browser, url, args.rounds, demo)
            finally:
                proc.terminate()
                proc.wait(timeout=20)
        app, base = bench_start(browser, args.rounds, demo)
        browser.close()

    print(f"page switch, median of {args.rounds} (bound {PAGE_BOUND_S * 1000:.0f} ms):")
    for title, ts in pages.items():
        m = statistics.median(ts)
        ok &= m <= PAGE_BOUND_S
        print(f"  {title:<16} {m * 1000:6.0f} ms")
    m = statistics.median(edits)
    ok &= m <= EDIT_BOUND_S
    print(f"Tiers edit to new figures: median {m * 1000:.0f} ms (bound {EDIT_BOUND_S * 1000:.0f} ms)")
    ratio = statistics.median(app) / statistics.median(base)
    ok &= ratio <= START_BOUND
    print(
        f"cold start: app {statistics.median(app):.2f} s, hello world {statistics.median(base):.2f} s, "
        f"ratio {ratio:.2f} (bound {START_BOUND})"
    )
    print("OK" if ok else "ABOVE A BOUND")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

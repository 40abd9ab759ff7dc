"""Where the cold start's time goes (issue 13). Run: .venv/bin/python benchmarks/bench_cold_floor.py [--rounds N]

`bench_browser.py` bounds the cold start to the Overview's figures at 1.3x a hello-world app. This splits the
difference into parts that any Overview drawing the engine's figures as metrics must pay, by timing, in one run
and alternating, cold starts (`streamlit run`, a new browser context, to the text or value shown) of:
- hello:    hello world, to its text (the baseline);
- metric:   hello world with one st.metric, to its value: the browser loads Streamlit's Metric code on demand;
- engine:   hello world that first imports what the figures need (numpy, the models, the price book) and
            estimates the demo scenario, to the total as text;
- overview: the app, to the Overview's monthly total (as bench_browser.py measures it).
The ratio of each to hello is printed, and metric + engine - hello: a lower bound for any Overview whose figures
are metrics from the engine (it leaves out the app's frame and every other element of the page).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_browser import CHROMIUM, HELLO, SHOWS, TOTAL, _cold, _demo  # noqa: E402

METRIC = 'import streamlit as st\n\nst.title("hello")\nst.metric("Monthly total", "$620.33")\n'
ENGINE = """import streamlit as st

from models.engine import estimate
from models.report import usd
from models.scenario import loads
from pages.shared import state  # noqa: F401  (what app.py imports before any page)
from usage.demo import demo_scenario_yaml

st.title("hello")
st.write("hello, world " + usd(estimate(loads(demo_scenario_yaml(), "demo")).total))
"""
VALUE = """(v) => [...document.querySelectorAll('[data-testid=stMetricValue]')].some(m => m.innerText.trim() === v)"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7, help="cold starts of each (default 7)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from models.report import usd

    total = usd(_demo()[1].total)
    times: dict[str, list[float]] = {"hello": [], "metric": [], "engine": [], "overview": []}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        apps = Path(tmp)
        for name, text in (("hello.py", HELLO), ("metric.py", METRIC), ("engine.py", ENGINE)):
            (apps / name).write_text(text)
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--disable-gpu", "--disable-quic"])
        project = {"PYTHONPATH": str(ROOT)}
        for _ in range(args.rounds):
            times["hello"] += _cold(browser, "hello.py", apps, [(SHOWS, "hello, world")])
            times["metric"] += _cold(browser, "metric.py", apps, [(VALUE, "$620.33")])
            times["engine"] += _cold(browser, "engine.py", apps, [(SHOWS, f"hello, world {total}")], env=project)
            times["overview"] += _cold(browser, "app.py", ROOT, [(TOTAL, total)])
        browser.close()
    hello = statistics.median(times["hello"])
    print(f"cold start, median of {args.rounds} (ratio to hello world):")
    for name, ts in times.items():
        print(f"  {name:<9} {statistics.median(ts):5.2f} s  {statistics.median(ts) / hello:4.2f}x")
    floor = (statistics.median(times["metric"]) + statistics.median(times["engine"]) - hello) / hello
    print(f"lower bound of an Overview whose figures are metrics from the engine: {floor:.2f}x (bound 1.3x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

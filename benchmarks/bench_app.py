"""App benchmarks (issue 4). Run: .venv/bin/python benchmarks/bench_app.py [--runs N]

1. Script rerun after a widget change on the Tiers page with the demo scenario (AppTest), median:
   (a) a tier's users edited in the table: the scenario changes, so its estimate, tier economics and
       cost-per-user curve are computed afresh (cache misses);
   (b) the target-margin input: the scenario does not change (cached figures).
   Target: under 150 ms.
2. From `streamlit run app.py` to the Overview's figures visible in Chromium (the "Monthly total" metric
   and a drawn plotly chart), a fresh server each time; the browser is launched beforehand. Target: under 8 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
os.environ.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")


def bench_rerun(runs: int) -> tuple[list[float], list[float]]:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("pages/tiers.py").run()
    at.run()  # warm: every module imported, the demo cached
    assert not at.exception

    edits = []
    for i in range(runs):
        key = next(d.key for d in at.data_editor if d.key.startswith("tiers_editor_"))
        at.session_state[key] = {
            "edited_rows": {0: {"users": 2000.0 + 10 * (i + 1)}},
            "added_rows": [],
            "deleted_rows": [],
        }
        start = time.perf_counter()
        at.run()
        edits.append(time.perf_counter() - start)
        assert not at.exception and not at.error, [e.value for e in at.error]
        assert at.session_state["scenario"].tiers["free"].users == 2000 + 10 * (i + 1)

    margins = []
    for i in range(runs):
        widget = at.number_input(key="tiers_target")
        start = time.perf_counter()
        widget.set_value(50.0 + (i % 40)).run()
        margins.append(time.perf_counter() - start)
        assert not at.exception
    return edits, margins


def bench_startup(runs: int) -> list[tuple[float, float]]:
    """(seconds to a healthy server, seconds to the figures) per fresh start."""
    from playwright.sync_api import expect, sync_playwright

    from tests.streamlit_server import start_app
    from tests.test_browser import CHROMIUM

    out = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--disable-gpu", "--disable-quic"])
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as tmp:
                start = time.perf_counter()
                proc, url = start_app(ROOT, Path(tmp) / "server.log")
                healthy = time.perf_counter() - start
                try:
                    context = browser.new_context(viewport={"width": 1400, "height": 1200})
                    page = context.new_page()
                    page.goto(url)
                    value = page.get_by_test_id("stMetric").filter(has_text="Monthly total")
                    expect(value.get_by_test_id("stMetricValue")).to_have_text("$620.33", timeout=30_000)
                    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
                    out.append((healthy, time.perf_counter() - start))
                    context.close()
                finally:
                    proc.terminate()
                    proc.wait(timeout=20)
        browser.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30, help="reruns per widget (default 30)")
    parser.add_argument("--starts", type=int, default=3, help="fresh server starts (default 3)")
    args = parser.parse_args()

    edits, margins = bench_rerun(args.runs)
    ok = True
    for name, times in (("tier users edited (scenario changes)", edits), ("target margin (cached figures)", margins)):
        median = statistics.median(times) * 1000
        ok &= median < 150
        print(
            f"1. Tiers page rerun, {name}: median {median:.0f} ms, max {max(times) * 1000:.0f} ms "
            f"over {len(times)} runs (target < 150 ms)"
        )

    starts = bench_startup(args.starts)
    totals = [t for _, t in starts]
    ok &= statistics.median(totals) < 8
    print(
        f"2. streamlit run -> Overview figures visible: median {statistics.median(totals):.2f} s, "
        f"max {max(totals):.2f} s over {len(totals)} starts (server healthy after "
        f"{statistics.median([h for h, _ in starts]):.2f} s; target < 8 s)"
    )
    print("OK" if ok else "ABOVE TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

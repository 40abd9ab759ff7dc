"""One real-browser test of the Monthly review page: Debian's Chromium (Playwright) against `streamlit run` of
the stand-in entry tests/fixtures/review/review_app.py on a free 127.0.0.1 port. Runs the demo review, downloads
the HTML report, opens it from file:// with no network, and finds the totals in it. Screenshots go to
test-output/screenshots/."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from models.report import usd

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.browser

if not os.path.exists(CHROMIUM):
    if os.environ.get("UNITCOST_REQUIRE_BROWSER") == "1":
        raise RuntimeError("Chromium is required here but missing: apt-get install chromium")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[1]
ENTRY = ROOT / "tests" / "fixtures" / "review" / "review_app.py"
TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    from tests.streamlit_server import start_app

    tmp = tmp_path_factory.mktemp("review-app")
    proc, url = start_app(ROOT, tmp / "server.log", {"UNITCOST_HISTORY": str(tmp / "reviews.sqlite3")}, str(ENTRY))
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_run_the_demo_review_download_the_report_and_open_it_offline(app_url, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    from models.scenario import loads
    from usage.demo import demo_scenario_yaml
    from usage.review_run import run_review

    review = run_review(loads(demo_scenario_yaml(), "demo"), "2026-10", demo=True).review
    shots = ROOT / "test-output" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--disable-gpu", "--disable-quic"])
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 2600}, accept_downloads=True)
            page = context.new_page()
            page.goto(app_url)
            page.get_by_role("button", name="Run the review").click()
            label = page.get_by_test_id("stMetricLabel").get_by_text("Billed", exact=True)
            billed = page.get_by_test_id("stMetric").filter(has=label).get_by_test_id("stMetricValue")
            expect(billed).to_have_text(usd(review.total_billed), timeout=TIMEOUT_MS)
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=TIMEOUT_MS)
            expect(page.get_by_test_id("stException")).to_have_count(0)
            page.wait_for_timeout(500)
            page.screenshot(path=str(shots / "review.png"))

            button = page.get_by_test_id("stDownloadButton").filter(has_text="Report")
            with page.expect_download() as info:
                button.click()
            report = tmp_path / info.value.suggested_filename
            info.value.save_as(report)
            assert report.name == "unitcost-review-2026-10.html"
            html = report.read_text()
            assert html.count("Plotly.newPlot") == 3 and "<script src=" not in html

            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(report.as_uri())
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=TIMEOUT_MS)
            body = page.locator("body").inner_text()
            for label, value in (
                ("Modelled", review.total_modelled),
                ("Billed", review.total_billed),
                ("Variance", review.variance),
            ):
                assert f"{label}\n{usd(value)}" in body, (label, usd(value))
            assert all(u.startswith(("file:", "data:", "blob:")) for u in requests), requests
            page.screenshot(path=str(shots / "review-report.png"))
        finally:
            browser.close()

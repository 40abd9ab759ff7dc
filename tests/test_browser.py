"""A real browser (Debian's Chromium driven by Playwright) against `streamlit run app.py` on 127.0.0.1:
every page opens, a tier's users change in the table and the new cost per user shows, the scenario
downloads, names made of markup show as typed and load nothing. Screenshots of every page go to
test-output/screenshots/."""

import os
import shutil
from dataclasses import replace

import pytest

from models.engine import estimate
from models.report import usd
from models.scenario import loads
from ui.format import money

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.browser

if not os.path.exists(CHROMIUM):
    if os.environ.get("UNITCOST_REQUIRE_BROWSER") == "1":
        raise RuntimeError("Chromium is required here but missing: apt-get install chromium")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)

TIMEOUT_MS = 30_000
# page title in the navigation -> url path, and text that shows once the page has drawn its figures
PAGES = {
    "Overview": ("", "Monthly total"),
    "Tiers": ("tiers", "Cost per user: free"),
    "Features": ("features", "Cost per use (as billed)"),
    "Compare designs": ("designs", "current: monthly total"),
    "Plan": ("plan", "Monthly total P50"),
    "Scenario": ("scenario", "Scenario (YAML, format 1)"),
    "Capacity": ("capacity", "First limit reached"),
    "Prices": ("prices", "What changed between two books"),
}
NO_CHART = {"scenario", "prices"}


@pytest.fixture(scope="module")
def server_tmp(tmp_path_factory):
    return tmp_path_factory.mktemp("streamlit")


@pytest.fixture(scope="module")
def app_url(server_tmp):
    from tests.conftest import ROOT
    from tests.streamlit_server import start_app

    tmp = server_tmp
    env = {"UNITCOST_SCENARIOS_DIR": str(tmp / "scenarios"), "UNITCOST_HISTORY": str(tmp / "reviews.sqlite3")}
    proc, url = start_app(ROOT, tmp / "server.log", env)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def chromium_browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--disable-gpu", "--disable-quic"])
        yield b
        b.close()


@pytest.fixture
def tab(chromium_browser):
    context = chromium_browser.new_context(viewport={"width": 1400, "height": 2400}, accept_downloads=True)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def demo():
    from usage.demo import demo_scenario_yaml

    return loads(demo_scenario_yaml(), "demo")


@pytest.fixture(scope="module")
def shots(repo_root_module):
    out = repo_root_module / "test-output" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture(scope="module")
def repo_root_module():
    from tests.conftest import ROOT

    return ROOT


def metric(page, label: str):
    return page.get_by_test_id("stMetric").filter(has_text=label).get_by_test_id("stMetricValue")


def assert_clean(page) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert "Traceback" not in page.content()
    assert "Something went wrong" not in page.content()


def test_a_page_opened_first_on_a_fresh_server_runs_through_the_app(app_url, tab):
    page = tab
    """The first visit of a fresh server goes straight to /features (Streamlit's legacy pages/ mode)."""
    from playwright.sync_api import expect

    page.goto(f"{app_url}/features")
    expect(page.get_by_text("Cost per use (as billed)")).to_be_visible(timeout=TIMEOUT_MS)
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav.get_by_text("Compare designs")).to_be_visible(timeout=TIMEOUT_MS)
    expect(nav.get_by_text("common")).to_have_count(0)
    assert_clean(page)


def test_every_page_opens(app_url, tab, demo, shots):
    from playwright.sync_api import expect

    page = tab
    e = estimate(demo)
    page.goto(app_url)
    for title, (path, ready) in PAGES.items():
        page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
        expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible(timeout=TIMEOUT_MS)
        expect(page.get_by_text(ready).first).to_be_visible(timeout=TIMEOUT_MS)
        assert page.url.rstrip("/") == f"{app_url}/{path}".rstrip("/")
        if path not in NO_CHART:
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=TIMEOUT_MS)
        if path == "":
            expect(metric(page, "Monthly total")).to_have_text(usd(e.total))
            # The settings show the scenario's values after a click on the page's own link (they once showed
            # their defaults, the first region and the free tier off, and the next rerun applied them)
            expect(page.get_by_test_id("stCheckbox").first.locator("input")).to_be_checked()
        page.wait_for_timeout(300)  # let the charts finish drawing
        assert_clean(page)
        page.screenshot(path=str(shots / f"{path or 'overview'}.png"))


def test_changing_a_tiers_users_shows_the_new_cost_per_user(app_url, tab, demo, shots):
    page = tab
    from playwright.sync_api import expect

    page.goto(f"{app_url}/tiers")
    summary = page.get_by_text("users · cost").first  # the first tier's, free
    expect(summary).to_contain_text(f"{demo.tiers['free'].users:,.0f} users", timeout=TIMEOUT_MS)

    edited = replace(demo, tiers=demo.tiers | {"free": replace(demo.tiers["free"], users=5000)})
    t = estimate(edited).tiers[0]
    grid = page.get_by_test_id("stDataFrame").first  # the tiers editor
    grid.dblclick(position={"x": 225, "y": 52})  # row 1, column 'users' (row marker 30 + tier 140 px)
    cell = page.locator("input.gdg-input")
    cell.fill("5000")
    cell.press("Enter")
    expect(summary).to_contain_text(f"5,000 users · cost {usd(t.cost)}", timeout=TIMEOUT_MS)
    expect(metric(page, "Cost per user: free")).to_have_text(money(t.cost_per_user))
    assert_clean(page)
    page.screenshot(path=str(shots / "tiers-edited.png"))

    # the other pages show the edited scenario
    page.get_by_test_id("stSidebarNav").get_by_text("Overview").click()
    expect(metric(page, "Users")).to_have_text("5,500", timeout=TIMEOUT_MS)  # 5,000 free + 400 pro + 100 team
    expect(metric(page, "Monthly total")).to_have_text(usd(estimate(edited).total))


def test_the_tiers_table_shows_every_column_at_1440_px(app_url, chromium_browser):
    from playwright.sync_api import expect

    context = chromium_browser.new_context(viewport={"width": 1440, "height": 1200})
    page = context.new_page()
    try:
        page.goto(f"{app_url}/tiers")
        expect(page.get_by_text("users · cost").first).to_be_visible(timeout=TIMEOUT_MS)
        # the results, under the editor (the ranges editor between them is folded away when there are none)
        grid = page.get_by_test_id("stDataFrame").filter(visible=True).nth(1)
        expect(grid).to_be_visible(timeout=TIMEOUT_MS)
        page.wait_for_timeout(500)
        # The grid scrolls sideways only when its columns are wider than the page gives it
        overflow = grid.evaluate(
            "g => [...g.querySelectorAll('.dvn-scroller')].map(s => s.scrollWidth - s.clientWidth)"
        )
        assert overflow and max(overflow) <= 1, overflow
    finally:
        context.close()


def test_download_the_scenario_and_the_report(app_url, tab, demo, tmp_path, shots):
    page = tab
    from playwright.sync_api import expect

    page.goto(f"{app_url}/scenario")
    button = page.get_by_test_id("stDownloadButton").filter(has_text="Download (YAML)")
    expect(button).to_be_visible(timeout=TIMEOUT_MS)
    with page.expect_download() as info:
        button.click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.name.endswith(".yaml")
    assert loads(path.read_text(), "download") == demo

    page.goto(app_url)
    button = page.get_by_test_id("stDownloadButton").filter(has_text="Report")
    expect(button).to_be_visible(timeout=TIMEOUT_MS)
    with page.expect_download() as info:
        button.click()
    html = tmp_path / "report.html"
    info.value.save_as(html)
    text = html.read_text()
    assert text.count("Plotly.newPlot") == 3 and "<script src=" not in text
    # it opens offline: no request leaves file:// (the app's own late requests are left behind first)
    page.goto("about:blank")
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(html.as_uri())
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=TIMEOUT_MS)
    assert all(u.startswith(("file:", "data:", "blob:")) for u in requests), requests
    # Rendered as it should be: bars in colour, not near-black (the app's template does not travel), and every
    # axis label inside its chart, not clipped at the edge.
    fills = page.eval_on_selector_all(
        ".js-plotly-plot .bars .point path", "ps => ps.map(p => getComputedStyle(p).fill)"
    )
    assert fills
    for fill in fills:
        r, g, b = (int(x) for x in fill[fill.index("(") + 1 : fill.index(")")].split(",")[:3])
        assert 0.2126 * r + 0.7152 * g + 0.0722 * b > 60, fill  # luminance of the bar colour, 0..255
    clipped = page.evaluate(
        """() => [...document.querySelectorAll('.js-plotly-plot')].flatMap(plot => {
            const box = plot.querySelector('.main-svg').getBoundingClientRect();
            return [...plot.querySelectorAll('.xtick text, .ytick text, .g-xtitle text, .g-ytitle text')]
              .map(t => t.getBoundingClientRect())
              .filter(r => r.width && (r.left < box.left - 1 || r.right > box.right + 1 ||
                                       r.top < box.top - 1 || r.bottom > box.bottom + 1))
              .map(r => [r.left, r.top, r.right, r.bottom]);
        })"""
    )
    assert clipped == []
    page.screenshot(path=str(shots / "report.png"), full_page=True)


def test_upload_a_scenario(app_url, tab, demo, repo_root_module, tmp_path):
    """An invalid file is refused with its line and the scenario stays; a valid one replaces it."""
    from playwright.sync_api import expect

    page = tab
    page.goto(app_url)
    page.get_by_text("Load another scenario").click()
    page.get_by_text("Upload a file").click()
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\nregion: us-east-1\ntiers:\n  a: {users: -1}\n")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(broken))
    expect(page.get_by_text("broken.yaml, line 4: tiers.a.users: must not be negative")).to_be_visible(
        timeout=TIMEOUT_MS
    )
    expect(metric(page, "Monthly total")).to_have_text(usd(estimate(demo).total))

    example = repo_root_module / "examples" / "positive-chat.yaml"
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(example))
    expected = estimate(loads(example.read_text(), "example")).total
    expect(metric(page, "Monthly total")).to_have_text(usd(expected), timeout=TIMEOUT_MS)
    assert_clean(page)


@pytest.fixture
def trap():
    """An HTTP server on a free 127.0.0.1 port that counts the requests it gets: the URLs in the names."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    hits = []

    class Count(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the name http.server calls)
            hits.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Count)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


FILE_NAME = "**f** <b>f <img src=f.png> ![f](f.png) $m^2$ :smile: `f`.yaml"  # a file name holds no /


def test_names_made_of_markup_show_as_typed_and_load_nothing(app_url, server_tmp, tab, trap, shots):
    """A scenario whose every name is a Markdown image or link, raw HTML, **bold**, $math$, :red[], code...
    loaded from the scenarios folder: every page shows the names as typed and nothing fetches their URLs."""
    from playwright.sync_api import expect

    from tests.hostile_names import hostile, scenario_yaml

    base, hits = trap
    folder = server_tmp / "scenarios"
    folder.mkdir(exist_ok=True)
    (folder / FILE_NAME).write_text(scenario_yaml(base))
    name = hostile("scenario", base)
    page = tab
    requests = []
    page.on("request", lambda r: requests.append(r.url))

    def text(locator) -> str:
        return locator.inner_text().replace("\u2060", "")  # the joiners md() puts in ":x" and "www." are invisible

    page.goto(app_url)
    page.get_by_text("Load another scenario").click()
    page.get_by_test_id("stRadio").get_by_text("Scenarios folder", exact=True).click()
    picked = page.get_by_test_id("stSelectbox").filter(has_text="Scenario file")
    expect(picked.get_by_role("combobox")).to_have_value(FILE_NAME, timeout=TIMEOUT_MS)  # the folder's only file
    page.get_by_role("button", name="Load", exact=True).click()
    sidebar = page.get_by_test_id("stSidebar")
    shown = "<b>scenario</b> <script>alert('scenario')</script>"  # a part of the name md() puts no joiner in
    expect(sidebar).to_contain_text(shown, timeout=TIMEOUT_MS)
    page.wait_for_timeout(500)  # time for an image to be fetched
    assert hits == [], hits
    assert f"Loaded {name} (file {FILE_NAME})." in text(page.get_by_test_id("stAlertContentSuccess"))
    assert name in text(sidebar) and FILE_NAME in text(sidebar)

    for title, (path, _) in PAGES.items():
        page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
        expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible(timeout=TIMEOUT_MS)
        if path not in NO_CHART:
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=TIMEOUT_MS)
        if path == "designs":  # a design name of its own (30 characters at most)
            design = f"![d]({base.removeprefix('http:')})"
            box = page.get_by_test_id("stTextInput").filter(has_text="Name").first.locator("input")
            box.fill(design)
            box.press("Enter")
            label = page.get_by_test_id("stMetricLabel").filter(has_text="![d](//127.0.0.1")
            expect(label).to_be_visible(timeout=TIMEOUT_MS)
            assert text(label) == f"{design}: monthly total"
        page.wait_for_timeout(300)  # let the charts finish drawing
        assert_clean(page)
        assert hits == [], (path, hits)
        if path in ("", "scenario"):
            expect(page.get_by_test_id("stMain")).to_contain_text(shown, timeout=TIMEOUT_MS)
            assert name in text(page.get_by_test_id("stMain")), path
        if path == "":  # plotly: the tick labels of "Cost by service" read the tags as text
            assert "<b>svc</b>" in page.locator(".js-plotly-plot").first.text_content()
        if path == "features":
            assert f"Footprint of one use of {hostile('chat', base)}" in text(page.get_by_test_id("stMain"))
        assert name in text(sidebar), path
        page.screenshot(path=str(shots / f"names-{path or 'overview'}.png"))

    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Monthly review", exact=True).click()
    page.get_by_role("button", name="Run the review").click()
    heading = page.get_by_role("heading").filter(has_text=shown)
    expect(heading).to_be_visible(timeout=TIMEOUT_MS)
    assert text(heading).startswith(f"2026-10: {name} (review #")
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=TIMEOUT_MS)
    page.wait_for_timeout(300)
    assert_clean(page)
    assert f"{name} (file {FILE_NAME}) against" in text(page.get_by_test_id("stMain"))

    assert hits == [], hits  # no image, link preview or script fetched a URL from a name
    assert not [u for u in requests if base.removeprefix("http:") in u or "f.png" in u], requests

"""A real browser (Debian's Chromium driven by Playwright) against `streamlit run app.py` on 127.0.0.1."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from models.engine import estimate
from models.report import usd
from models.scenario import load

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.browser

if not os.path.exists(CHROMIUM):
    if os.environ.get("UNITCOST_REQUIRE_BROWSER") == "1":
        raise RuntimeError("Chromium is required here but missing: apt-get install chromium")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    from tests.conftest import ROOT

    port = _free_port()
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {"AWS_EC2_METADATA_DISABLED": "true", "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--server.fileWatcherType",
                "none",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--disable-gpu", "--disable-quic"])
        yield b
        b.close()


def test_overview_in_a_real_browser(app_url, browser, repo_root):
    from playwright.sync_api import expect

    out = repo_root / "test-output" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    expected = estimate(load(repo_root / "examples" / "positive-chat.yaml"))
    page = browser.new_page(viewport={"width": 1400, "height": 2000})
    page.goto(app_url)
    total = page.get_by_test_id("stMetric").filter(has_text="Monthly total").get_by_test_id("stMetricValue")
    expect(total).to_have_text(usd(expected.total), timeout=30_000)
    page.wait_for_selector(".js-plotly-plot .bars path", timeout=30_000)
    assert "Traceback" not in page.content()
    page.screenshot(path=str(out / "overview.png"))

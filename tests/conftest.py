import os
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@pytest.fixture(autouse=True)
def _offline_aws_env(monkeypatch):
    """No real AWS: fake credentials, no instance-metadata probing, no telemetry."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def repo_root() -> Path:
    return ROOT


def pytest_report_header(config):
    return f"unitcost repo: {ROOT}; browser required: {os.environ.get('UNITCOST_REQUIRE_BROWSER', '0')}"


# The keys of each line of `cli.py review --json`, as issue 6 specifies them.
REVIEW_LINE_KEYS = {
    "service",
    "usage_type",
    "modelled_cost",
    "metered_quantity",
    "billed_quantity",
    "billed_cost",
    "variance",
    "cause",
}


def shown(markdown: str) -> str:
    """What a reader sees of a message the app escaped (ui.format.md): escapes resolved, joiners invisible."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


APPTEST_TIMEOUT_S = 60  # AppTest's default is 3 s: too short on a loaded 2-core machine


@pytest.fixture
def fresh_streamlit(monkeypatch, tmp_path, repo_root):
    """Streamlit's caches outlive an AppTest: clear them around each test; scenarios go to a temp folder."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    monkeypatch.chdir(repo_root)
    monkeypatch.setenv("UNITCOST_SCENARIOS_DIR", str(tmp_path / "scenarios"))
    yield
    st.cache_data.clear()


@pytest.fixture
def app(repo_root):
    """The app run once, on its built-in demo account."""
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(repo_root / "app.py"), default_timeout=APPTEST_TIMEOUT_S).run()


@pytest.fixture(scope="module")
def moto():
    """A moto server for the module on 127.0.0.1 (a free port): its endpoint URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()

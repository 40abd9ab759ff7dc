"""The app opens on its built-in scenario with no AWS credentials, and shows the engine's figures."""

import pytest
from streamlit.testing.v1 import AppTest

from models.engine import estimate
from models.report import usd
from models.scenario import load

TIMEOUT_S = 60


@pytest.fixture
def app(repo_root, monkeypatch):
    monkeypatch.chdir(repo_root)
    at = AppTest.from_file(str(repo_root / "app.py"), default_timeout=TIMEOUT_S)
    return at.run()


def test_overview_opens_and_shows_the_estimate(app, repo_root):
    assert not app.exception
    expected = estimate(load(repo_root / "examples" / "positive-chat.yaml"))
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Monthly total"] == usd(expected.total)
    assert len(app.get("plotly_chart")) == 3


def test_free_tier_toggle_changes_the_total(app, repo_root):
    from dataclasses import replace

    scenario = load(repo_root / "examples" / "positive-chat.yaml")
    app.toggle(key="free_tier").set_value(False).run()
    assert not app.exception
    expected = estimate(replace(scenario, free_tier=False))
    assert {m.label: m.value for m in app.metric}["Monthly total"] == usd(expected.total)
    assert expected.total > estimate(scenario).total

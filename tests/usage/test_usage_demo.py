"""The built-in demo account: deterministic, 30 days hourly with a daily cycle and growth, and built like an
import (same inventory, series and scenario code)."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from scenario_totals import feature_totals
from usage_env import aws_test_env, run_import

from usage import demo
from usage.metrics import build_queries
from usage.observed import ObservedUsage


def test_two_runs_of_the_cli_write_the_same_file(tmp_path):
    env = aws_test_env(None)
    for k in [k for k in env if k.startswith("AWS_")]:
        del env[k]  # the demo needs no credentials and no region
    outs = []
    for name in ("a.yaml", "b.yaml"):
        r = run_import(["--demo", "-o", str(tmp_path / name)], None, env=env)
        assert r.returncode == 0, r.stderr
        assert "no AWS calls" in r.stdout
        outs.append((tmp_path / name).read_text())
    assert outs[0] == outs[1]
    assert outs[0] == demo.demo_scenario_yaml()


def test_thirty_days_hourly_with_a_daily_cycle_and_growth():
    obs = demo.demo_observed()
    assert isinstance(obs, ObservedUsage) and obs.window.hours == 720
    calls = obs.series[("function", demo.MESSAGE_FN, "Invocations")]
    assert calls.shape == (720,) and not np.isnan(calls).any()
    by_hour = calls.reshape(30, 24).mean(axis=0)
    assert int(np.argmax(by_hour)) in (19, 20, 21) and int(np.argmin(by_hour)) in (7, 8, 9)
    assert by_hour.max() > 2.5 * by_hour.min()
    weekly = calls.reshape(-1, 24 * 6).sum(axis=1)  # five 6-day blocks
    assert np.all(np.diff(weekly) > 0) and weekly[-1] > 1.5 * weekly[0]
    frame = obs.hourly_frame()
    assert frame.shape[0] == 720 and str(frame.index.tz) == "UTC"
    assert f"function/{demo.MESSAGE_FN}/Invocations" in frame.columns


def test_the_demo_is_shaped_like_a_real_import():
    inv = demo.demo_inventory()
    obs = demo.demo_observed()
    assert {q.key for q in build_queries(inv)} <= set(obs.series)  # every query a real import would make
    assert set(obs.functions) == {demo.CONNECT_FN, demo.MESSAGE_FN}
    assert {r.key for r in obs.websockets[demo.API_NAME].config.routes} == {"$connect", "$disconnect", "$default"}
    assert {n: t.config.gsis for n, t in obs.tables.items()} == {
        "Connections": ["roomIndex"],
        "Conversations": [],
        "Topics": ["numIndex"],
    }
    assert all(t.config.capacity == "on_demand" for t in obs.tables.values())
    assert obs.users == demo.USERS and obs.no_data() == [] and obs.partial() == [] and obs.missing == []


def test_demo_scenario_content_and_totals():
    sc = demo.demo_scenario()
    obs = demo.demo_observed()
    assert sc["name"] == demo.NAME and sc["tiers"]["observed"]["users"] == demo.USERS
    assert sc["services"] == {
        "comprehend": {"unit": "100-character unit", "price": 0.0001},
        "translate": {"unit": "character", "price": 0.000015},
    }
    got = feature_totals(sc)
    approx = lambda x: pytest.approx(x, rel=1e-5)  # noqa: E731
    assert got["messages"] == {demo.API_NAME: approx(obs.websockets[demo.API_NAME].monthly_messages)}
    assert got["services"]["translate"] == approx(obs.services["translate"].monthly_units)
    for name, t in obs.tables.items():
        assert got["rru"][name] == approx(t.monthly_read_units)
        assert got["wru"][name] == approx(t.monthly_write_units)
    # fan-out follows the $default route: the connect feature carries the connection minutes, no messages
    assert sc["features"][demo.CONNECT_FN]["websocket"]["messages"] == 0
    assert sc["features"][demo.CONNECT_FN]["websocket"]["connection_minutes"] == 2.5  # 5 min per connect+disconnect
    import models.scenario as models

    s = models.loads(demo.demo_scenario_yaml())
    assert s.users == demo.USERS


def test_demo_yaml_states_the_rule_and_options():
    text = demo.demo_scenario_yaml(users=10, session_minutes=12)
    assert "# Apportioning rule:" in text and "ConnectCount x 12 min" in text
    assert yaml.safe_load(text)["tiers"]["observed"]["users"] == 10

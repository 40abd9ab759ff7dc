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
    assert sc["name"] == demo.NAME
    assert sc["services"] == {
        "comprehend": {"unit": "100-character unit", "price": 0.0001},
        "translate": {"unit": "character", "price": 0.000015},
    }
    # every metered quantity of the observed month is in the scenario, whichever feature carries it
    got = feature_totals(sc)
    approx = lambda x: pytest.approx(x, rel=1e-6)  # noqa: E731
    assert got["users"] == demo.USERS == 2_500
    assert got["invocations"] == {n: approx(u.monthly_invocations) for n, u in obs.functions.items()}
    ws = obs.websockets[demo.API_NAME]
    assert got["messages"] == {demo.API_NAME: approx(ws.monthly_messages)}
    assert got["connects"] == {demo.API_NAME: approx(ws.monthly_connects)}
    assert got["minutes"] == {demo.API_NAME: approx(ws.monthly_connects * 5)}  # 5 min per connection
    for name, t in obs.tables.items():
        assert got["rru"][name] == approx(t.monthly_read_units)
        assert got["wru"][name] == approx(t.monthly_write_units)
    assert got["services"] == {k: approx(s.monthly_units) for k, s in obs.services.items()}
    import models.scenario as models

    s = models.loads(demo.demo_scenario_yaml())
    assert s.users == demo.USERS


def test_demo_features_are_what_users_do_and_its_tiers_are_priced():
    sc = demo.demo_scenario()
    assert list(sc["features"]) == ["join_room", "send_message", "stay_connected", "read_translated"]
    assert {n: (t["users"], t["price"]) for n, t in sc["tiers"].items()} == {
        "free": (2_000, 0),
        "pro": (400, 8),
        "team": (100, 25),
    }
    # Uses per user per month as the demo's TIERS state them; minutes connected = visits x 5 min.
    assert sc["tiers"]["free"]["uses"] == {"join_room": 10, "send_message": 60, "stay_connected": 50}
    assert sc["tiers"]["pro"]["uses"] == {
        "join_room": 30,
        "send_message": 300,
        "stay_connected": 150,
        "read_translated": 300,
    }
    assert sc["tiers"]["team"]["uses"] == {
        "join_room": 45,
        "send_message": 1_250,
        "stay_connected": 225,
        "read_translated": 1_200,
    }
    # The metrics hold exactly the tiers' uses (36,500 visits and 365,000 messages a month are 36,000 and
    # 360,000 in the 720-hour window), so the footprints derived from them are the app's own: a visit is
    # $connect + $disconnect, 1.2 inits (each a message in and a history reply); a message is one request,
    # 1 in + 5 out to the room, 9 Comprehend units; a translated copy is 80 characters.
    f = sc["features"]
    assert f["join_room"]["lambda"] == {demo.CONNECT_FN: 2, demo.MESSAGE_FN: 1.2}
    assert (f["join_room"]["websocket"]["messages"], f["join_room"]["websocket"]["connects"]) == (2.4, 1)
    assert f["send_message"]["lambda"] == {demo.MESSAGE_FN: 1}
    assert f["send_message"]["websocket"]["messages"] == 6 and f["send_message"]["services"] == {"comprehend": 9}
    assert f["stay_connected"]["websocket"]["connection_minutes"] == 1
    assert f["read_translated"] == {"services": {"translate": 80}}
    # history is read on join, messages are written on send
    assert [op["table"] for op in f["join_room"]["dynamodb"] if "reads" in op] == ["Conversations"]
    assert [op["table"] for op in f["send_message"]["dynamodb"] if "writes" in op] == ["Conversations", "Topics"]


def test_the_demo_month_has_a_positive_blended_margin():
    from models.engine import estimate
    from models.scenario import loads

    e = estimate(loads(demo.demo_scenario_yaml(), "demo"))
    obs = demo.demo_observed()
    # Comprehend: 365,000 messages x 9 units x $0.0001 = $328.50.
    # Translate: (400 x 300 + 100 x 1,200) copies x 80 characters = 19.2M x $0.000015 = $288.00.
    # WebSocket: 36,500 x 2.4 + 365,000 x 6 = 2,277,600 messages x $1.00/M = $2.28; 182,500 minutes x $0.25/M
    # = $0.045625 -> $0.05. Lambda (481,800 requests, 47,538 GB-s) and storage (1.85 GB) are in the free tier.
    # DynamoDB: the month's measured units at $0.125/M RRU and $0.625/M WRU.
    rru = sum(t.monthly_read_units for t in obs.tables.values())
    wru = sum(t.monthly_write_units for t in obs.tables.values())
    dynamodb = round(rru * 0.125e-6, 2) + round(wru * 0.625e-6, 2)
    assert dynamodb == pytest.approx(0.14 + 1.36)  # 1,094,270 RRU and 2,169,587 WRU
    assert e.total == pytest.approx(328.50 + 288.00 + 2.28 + 0.05 + dynamodb)  # $620.33
    # Revenue: 400 x $8 + 100 x $25 = $5,700; the free tier's 2,000 users pay nothing.
    assert sum(t.revenue for t in e.tiers) == pytest.approx(5_700)
    margin = sum(t.margin for t in e.tiers)
    assert margin == pytest.approx(5_700 - 620.33)  # $5,079.67, 89.1% of revenue
    by = {t.name: t for t in e.tiers}
    assert by["free"].margin < 0 < by["team"].margin < by["pro"].margin  # free users are carried by the paid tiers


def test_demo_yaml_states_the_rule_and_options():
    text = demo.demo_scenario_yaml(users=10, session_minutes=12)
    assert "# Apportioning rule (the demo account's own" in text and "ConnectCount x 12 min" in text
    assert "# join_room: one use = one visit" in text
    tiers = yaml.safe_load(text)["tiers"]
    # 10 users carry the same month: every tier keeps its share (2,000 : 400 : 100) and its uses in all
    assert {n: t["users"] for n, t in tiers.items()} == {"free": 8, "pro": 1.6, "team": 0.4}
    assert tiers["pro"]["uses"]["send_message"] == 300 * 250  # 400 users' 300 messages each, on 1.6 users
    assert tiers["team"]["uses"]["stay_connected"] == 45 * 12 * 250  # 12-minute visits


def test_the_committed_demo_scenario_is_the_demo_accounts(repo_root):
    assert (repo_root / "scenarios" / "positive-chat-demo.yaml").read_text() == demo.demo_scenario_yaml()

"""Observed usage -> monthly figures and scenario files: coverage, normalisation, apportioning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_totals import feature_totals

from usage.inventory import FunctionConfig, Inventory, Route, Selector, TableConfig, WebsocketConfig
from usage.observed import observe
from usage.to_scenario import scenario_dict, scenario_yaml

WIN_START = datetime(2026, 10, 1, tzinfo=UTC)
HOURS = 720


def window():
    from usage.metrics import Window

    return Window(WIN_START, WIN_START + timedelta(hours=HOURS))


def flat(value: float, first_hour: int = 0, hole: tuple[int, int] | None = None) -> np.ndarray:
    a = np.full(HOURS, float(value))
    a[:first_hour] = np.nan
    if hole:
        a[hole[0] : hole[1]] = np.nan
    return a


def inventory(functions=(), tables=(), apis=()) -> Inventory:
    inv = Inventory(region="us-east-1", selector=Selector())
    inv.functions = {f.name: f for f in functions}
    inv.tables = {t.name: t for t in tables}
    inv.websockets = {a.api_id: a for a in apis}
    return inv


def test_monthly_is_observed_times_hours_per_month_over_hours_observed():
    inv = inventory([FunctionConfig("f")])
    obs = observe(inv, {("function", "f", "Invocations"): flat(10)}, window(), hours_per_month=730)
    u = obs.functions["f"]
    assert u.invocations == 7200 and u.monthly_invocations == pytest.approx(7200 * 730 / 720)
    obs = observe(inv, {("function", "f", "Invocations"): flat(10)}, window(), hours_per_month=744)
    assert obs.functions["f"].monthly_invocations == pytest.approx(7440)


def test_created_inside_the_window_is_normalised_over_its_own_hours_and_flagged():
    created = WIN_START + timedelta(hours=100, minutes=30)
    inv = inventory(tables=[TableConfig("t", created=created)])
    obs = observe(inv, {("table", "t", "ConsumedReadCapacityUnits"): flat(6, first_hour=100)}, window())
    u = obs.tables["t"]
    assert u.coverage.hours_observed == 620 and u.coverage.hours_with_data == 620
    assert u.monthly_read_units == pytest.approx(6 * 620 * 730 / 620)  # its run rate, not diluted by 100 h
    assert obs.partial() == [("table", "t", u.coverage)]
    assert "created 2026-10-05 04:30 UTC, inside the window" in u.coverage.describe()
    # a creation time after the window (clock skew, an emulator) is ignored
    inv = inventory(tables=[TableConfig("t", created=WIN_START + timedelta(days=40))])
    obs = observe(inv, {("table", "t", "ConsumedReadCapacityUnits"): flat(6)}, window())
    assert obs.tables["t"].coverage.hours_observed == 720 and obs.partial() == []


def test_gaps_of_a_day_or_more_are_flagged_shorter_ones_are_quiet_hours():
    inv = inventory([FunctionConfig("long"), FunctionConfig("short")])
    series = {
        ("function", "long", "Invocations"): flat(1, hole=(200, 230)),
        ("function", "short", "Invocations"): flat(1, hole=(200, 210)),
    }
    obs = observe(inv, series, window())
    assert [(k, n) for k, n, _ in obs.partial()] == [("function", "long")]
    assert obs.functions["long"].coverage.longest_gap_hours == 30
    assert obs.functions["long"].coverage.describe() == "data in 690 of 720 h; longest gap 30 h"
    assert obs.functions["long"].monthly_invocations == pytest.approx(690 * 730 / 720)  # the gap counts as zero


def test_a_resource_without_datapoints_is_reported_not_silently_free():
    inv = inventory([FunctionConfig("busy"), FunctionConfig("idle")], tables=[TableConfig("empty")])
    obs = observe(inv, {("function", "busy", "Invocations"): flat(1)}, window())
    assert [(k, n) for k, n, _ in obs.no_data()] == [("function", "idle"), ("table", "empty")]
    text = scenario_yaml(obs)
    assert "# NO DATA: function idle: no datapoints in the window; it carries no usage here." in text
    assert "# NO DATA: table empty: no datapoints in the window; it carries no usage here." in text
    sc = yaml.safe_load(text)
    assert "idle" in sc["functions"] and "idle" not in sc["features"]


def test_messages_without_route_metrics_follow_invocations_and_minutes_go_to_connect():
    api = WebsocketConfig("a1", "chat", routes=[Route("$connect", "conn"), Route("$default", "msg")])
    inv = inventory([FunctionConfig("conn"), FunctionConfig("msg")], apis=[api])
    series = {
        ("function", "conn", "Invocations"): flat(1),
        ("function", "msg", "Invocations"): flat(3),
        ("websocket", "a1", "MessageCount"): flat(8),
        ("websocket", "a1", "ConnectCount"): flat(1),
    }
    sc = scenario_dict(observe(inv, series, window()), session_minutes=7)
    f = 730 / 720
    got = feature_totals(sc)
    assert got["ws_by_feature"]["conn"] == pytest.approx((2 * 720 * f, 7 * 720 * f))
    assert got["ws_by_feature"]["msg"] == pytest.approx((6 * 720 * f, 0))
    assert sc["features"]["msg"]["websocket"]["messages"] == 2  # 8 messages an hour over 4 invocations


def test_each_api_stays_with_its_own_functions_and_unattributed_traffic_gets_its_own_feature():
    a = WebsocketConfig("a1", "alpha", routes=[Route("$default", "fa")])
    b = WebsocketConfig("b1", "beta", routes=[Route("$default", "fb")])
    c = WebsocketConfig("c1", "gamma", routes=[Route("$default", None)])  # a mock integration
    inv = inventory([FunctionConfig("fa"), FunctionConfig("fb")], apis=[a, b, c], tables=[TableConfig("t", gsis=["g"])])
    series = {
        ("function", "fa", "Invocations"): flat(1),
        ("function", "fb", "Invocations"): flat(1),
        ("websocket", "a1", "MessageCount"): flat(5),
        ("websocket", "b1", "MessageCount"): flat(7),
        ("websocket", "c1", "MessageCount"): flat(11),
    }
    sc = scenario_dict(observe(inv, series, window()), users=100)
    assert sc["features"]["fa"]["websocket"]["api"] == "alpha" and sc["features"]["fa"]["websocket"]["messages"] == 5
    assert sc["features"]["fb"]["websocket"]["api"] == "beta" and sc["features"]["fb"]["websocket"]["messages"] == 7
    assert sc["features"]["unattributed_gamma"] == {
        "websocket": {
            "api": "gamma",
            "messages": pytest.approx(11 * 730),
            "message_kb": 1,
            "connection_minutes": 0,
            "connects": 0,
        }
    }
    assert sc["tiers"]["observed"]["uses"]["unattributed_gamma"] == pytest.approx(0.01)  # once a month, 100 users


def test_dynamodb_without_invocations_and_gsi_writes_without_table_writes():
    inv = inventory(tables=[TableConfig("t", gsis=["g"])])
    series = {
        ("table", "t", "ConsumedReadCapacityUnits"): flat(2),
        ("gsi", ("t", "g"), "ConsumedWriteCapacityUnits"): flat(3),
    }
    sc = scenario_dict(observe(inv, series, window()))
    assert sc["baseline"] == {"unattributed": 1}
    assert sc["features"]["unattributed"]["dynamodb"] == [
        {"table": "t", "reads": pytest.approx(2 * 730), "item_kb": 4, "consistency": "strong"},
        {"table": "t", "writes": pytest.approx(3 * 730), "item_kb": 1, "gsis": 0},
    ]


def test_users_put_the_month_on_one_observed_tier():
    inv = inventory([FunctionConfig("f")])
    series = {("function", "f", "Invocations"): flat(10)}
    sc = scenario_dict(observe(inv, series, window()), users=73)
    assert sc["tiers"] == {"observed": {"users": 73, "price": 0, "uses": {"f": pytest.approx(7300 / 73)}}}
    assert "baseline" not in sc
    with pytest.raises(ValueError):
        scenario_dict(observe(inv, series, window()), users=0)


amounts = st.floats(min_value=0, max_value=1e6, allow_nan=False)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    invocations=st.lists(st.sampled_from([0.0, 0.5, 3.0, 1000.0]), min_size=1, max_size=4),
    messages=amounts,
    connects=amounts,
    routed=st.lists(amounts, min_size=0, max_size=2),
    reads=amounts,
    writes=amounts,
    gsi_writes=amounts,
    users=st.one_of(st.none(), st.integers(1, 10**6)),
)
def test_the_scenario_adds_up_to_the_observed_month(
    invocations, messages, connects, routed, reads, writes, gsi_writes, users
):
    """Whatever the apportioning, uses x per-use amounts give back every observed monthly total."""
    fns = [FunctionConfig(f"f{i}") for i in range(len(invocations))]
    routes = [Route("$connect", "f0")] + [Route(f"r{i}", f"f{i % len(fns)}") for i in range(len(routed))]
    api = WebsocketConfig("a1", "ws", routes=routes, stages=["Prod"], detailed_routes={"Prod": [r.key for r in routes]})
    inv = inventory(fns, tables=[TableConfig("t", gsis=["g"])], apis=[api])
    series = {("function", f.name, "Invocations"): flat(n) for f, n in zip(fns, invocations)}
    series |= {
        ("websocket", "a1", "MessageCount"): flat(messages),
        ("websocket", "a1", "ConnectCount"): flat(connects),
        ("table", "t", "ConsumedReadCapacityUnits"): flat(reads),
        ("table", "t", "ConsumedWriteCapacityUnits"): flat(writes),
        ("gsi", ("t", "g"), "ConsumedWriteCapacityUnits"): flat(gsi_writes),
    }
    for i, m in enumerate(routed):
        series[("route", ("a1", "Prod", f"r{i}"), "MessageCount")] = flat(m)
    obs = observe(inv, series, window())
    sc = scenario_dict(obs, users=users, session_minutes=5)
    got = feature_totals(sc)
    f = 730 / 720 * HOURS
    close = lambda x: pytest.approx(x, rel=1e-5, abs=1e-6)  # noqa: E731
    assert got["messages"].get("ws", 0) == close(messages * f)
    assert got["minutes"].get("ws", 0) == close(connects * 5 * f)
    assert got["connects"].get("ws", 0) == close(connects * f)  # for the capacity model
    assert got["rru"].get("t", 0) == close(reads * f)
    assert got["wru"].get("t", 0) == close((writes + gsi_writes) * f)
    assert got["invocations"] == {fn.name: close(n * f) for fn, n in zip(fns, invocations) if n}
    from models.scenario import loads

    loads(yaml.safe_dump(sc))  # and the project accepts it

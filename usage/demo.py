"""The built-in demo account: a chat app modelled on danilop/serverless-positive-chat.

A WebSocket API (routes $connect, $disconnect, $default; detailed metrics on for stage Prod), two Lambda
functions (connect/disconnect, and messages), three on-demand tables (Connections with GSI roomIndex,
Conversations, Topics with GSI numIndex), and Comprehend and Translate on every message. Thirty days of
hourly CloudWatch-shaped metrics with a daily cycle (peak 20:00 UTC) and 2% growth a day, generated with a
fixed seed, so every run gives the same numbers. No network, no credentials.

The demo builds the same inventory and hourly series a real import reads, and goes through the same
`observe` and `to_scenario` code, so what the app shows for it is what an import of such an account gives.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from usage.discovery import FunctionConfig, Inventory, Route, Selector, TableConfig, WebsocketConfig
from usage.metrics import Window, build_queries
from usage.observed import ObservedUsage, ServiceUsage, observe
from usage.to_scenario import DEFAULT_SESSION_MINUTES, scenario_dict, scenario_yaml

SEED = 20200127  # the date of the reference app's last commit
USERS = 2_500  # monthly active users
DAYS = 30
START = datetime(2026, 10, 1, tzinfo=UTC)
NAME = "Positive Chat (demo account)"
REGION = "us-east-1"

CONNECT_FN = "positive-chat-connect"  # $connect and $disconnect
MESSAGE_FN = "positive-chat-message"  # $default: "init" (join a room, replay history) and "message"
API_ID, API_NAME = "demo0chat1", "positive-chat"

# The workload, per connection and per message (see landscape notes on the reference app)
CONNECTIONS_IN_WINDOW = 48_000  # 2,500 users x ~19 visits in 30 days
INITS_PER_CONNECTION = 1.2  # the client re-runs init after a dropped connection
MESSAGES_PER_CONNECTION = 10
ROOM_SIZE = 5  # each message goes out to every connection in the room, sender included
ENTITIES_PER_MESSAGE = 1.5  # Topics updates
HISTORY_ITEMS = 100  # replayed on every init, 1 KB each
CHARS_PER_MESSAGE = 80
OTHER_LANGUAGE_SHARE = 0.4  # readers whose language differs: their copy is translated
COMPREHEND_UNITS_PER_MESSAGE = 3 * 3  # 3 calls (language, sentiment, entities), 3-unit minimum each


def _window() -> Window:
    return Window(start=START, end=START + timedelta(days=DAYS))


def demo_inventory() -> Inventory:
    inv = Inventory(region=REGION, selector=Selector())
    inv.functions = {
        CONNECT_FN: FunctionConfig(CONNECT_FN, memory_mb=128, architecture="x86_64"),
        MESSAGE_FN: FunctionConfig(MESSAGE_FN, memory_mb=256, architecture="arm64"),
    }
    routes = [Route("$connect", CONNECT_FN), Route("$disconnect", CONNECT_FN), Route("$default", MESSAGE_FN)]
    inv.websockets = {
        API_ID: WebsocketConfig(
            API_ID, API_NAME, routes=routes, stages=["Prod"], detailed_routes={"Prod": [r.key for r in routes]}
        )
    }
    inv.tables = {
        "Connections": TableConfig("Connections", size_bytes=2 * 1024**2, gsis=["roomIndex"]),
        "Conversations": TableConfig("Conversations", size_bytes=int(1.8 * 1024**3)),
        "Topics": TableConfig("Topics", size_bytes=50 * 1024**2, gsis=["numIndex"]),
    }
    return inv


def _hourly(rng: np.random.Generator, hours: int) -> np.ndarray:
    """Connections opened per hour: daily cycle, growth, noise; sums to CONNECTIONS_IN_WINDOW."""
    h = np.arange(hours)
    daily = 0.25 + 0.75 * (1 + np.cos(2 * np.pi * ((h % 24) - 20) / 24)) / 2
    growth = 1.02 ** (h / 24)
    shape = daily * growth * rng.lognormal(0.0, 0.08, hours)
    return np.round(shape / shape.sum() * CONNECTIONS_IN_WINDOW)


def demo_series() -> tuple[dict[tuple, np.ndarray], dict[str, float]]:
    """Hourly series keyed like a real import's queries, and the per-unit service totals."""
    win = _window()
    rng = np.random.default_rng(SEED)
    n = win.hours

    def noisy(x: np.ndarray, sigma: float = 0.05) -> np.ndarray:
        return np.round(x * rng.lognormal(0.0, sigma, n))

    connects = _hourly(rng, n)
    inits = noisy(connects * INITS_PER_CONNECTION)
    sends = noisy(connects * MESSAGES_PER_CONNECTION)
    connect_calls = 2 * connects  # $connect + $disconnect
    message_calls = inits + sends
    connect_ms = connect_calls * rng.normal(24.0, 1.5, n)
    message_ms = inits * rng.normal(900.0, 40.0, n) + sends * rng.normal(410.0, 15.0, n)
    zeros = np.zeros(n)

    def concurrency(calls: np.ndarray, ms: np.ndarray) -> np.ndarray:  # busy seconds per second, with bursts
        return np.ceil(ms / 1000 / 3600 * 4 + (calls > 0))

    s: dict[tuple, np.ndarray] = {}
    for fn, calls, ms in ((CONNECT_FN, connect_calls, connect_ms), (MESSAGE_FN, message_calls, message_ms)):
        s[("function", fn, "Invocations")] = calls
        s[("function", fn, "Duration")] = np.round(ms, 3)
        s[("function", fn, "ConcurrentExecutions")] = concurrency(calls, ms)
        s[("function", fn, "Throttles")] = zeros.copy()
        s[("function", fn, "Errors")] = np.round(calls * 0.001)
    inbound = inits + sends
    outbound = inits + sends * ROOM_SIZE  # history reply per init, fan-out per message
    s[("websocket", API_ID, "ConnectCount")] = connects
    s[("websocket", API_ID, "MessageCount")] = inbound + outbound
    s[("route", (API_ID, "Prod", "$default"), "MessageCount")] = inbound  # messages the route received
    history_rru = HISTORY_ITEMS / 4 * 0.5  # 100 KB query, eventually consistent
    units = {
        ("Connections", None): (sends * 0.5, inits + connects),  # GetItem on send; put on init, delete
        ("Connections", "roomIndex"): (sends * 0.5, inits + connects),  # room query; index follows each write
        ("Conversations", None): (inits * history_rru, sends),
        ("Topics", None): (zeros, sends * ENTITIES_PER_MESSAGE),
        ("Topics", "numIndex"): (sends * 0.5, sends * ENTITIES_PER_MESSAGE * 2),  # num is the sort key: delete+put
    }
    for (table, index), (rcu, wcu) in units.items():
        kind, name = ("table", table) if index is None else ("gsi", (table, index))
        s[(kind, name, "ConsumedReadCapacityUnits")] = noisy(rcu, 0.02)
        s[(kind, name, "ConsumedWriteCapacityUnits")] = noisy(wcu, 0.02)
    for table in ("Connections", "Conversations", "Topics"):
        s[("table", table, "ReadThrottleEvents")] = zeros.copy()
        s[("table", table, "WriteThrottleEvents")] = zeros.copy()
    for key, a in s.items():  # CloudWatch publishes nothing for an hour without traffic
        if key[0] in ("function", "websocket", "route") and key[2] != "Throttles":
            a[connects == 0] = np.nan
    translate_chars = float(
        (
            sends * OTHER_LANGUAGE_SHARE * (ROOM_SIZE - 1) * CHARS_PER_MESSAGE
            + inits * OTHER_LANGUAGE_SHARE * HISTORY_ITEMS * CHARS_PER_MESSAGE
        ).sum()
    )
    services = {"comprehend": float(sends.sum()) * COMPREHEND_UNITS_PER_MESSAGE, "translate": translate_chars}
    return s, services


def demo_observed(hours_per_month: float = 730) -> ObservedUsage:
    """The demo account as an import would see it (same structure as `usage.importer.import_usage`)."""
    inv = demo_inventory()
    series, services = demo_series()
    win = _window()
    missing = [q.key for q in build_queries(inv) if q.key not in series]
    for key in missing:  # routes without datapoints ($connect, $disconnect), as CloudWatch returns them
        series[key] = np.full(win.hours, np.nan)
    obs = observe(inv, series, win, hours_per_month, source="demo account")
    factor = hours_per_month / win.hours
    obs.services = {
        "comprehend": ServiceUsage("100-character unit", 0.0001, services["comprehend"], MESSAGE_FN, factor),
        "translate": ServiceUsage("character", 0.000015, services["translate"], MESSAGE_FN, factor),
    }
    obs.users = USERS
    obs.notes.append(f"demo account: generated data (seed {SEED}), no AWS calls")
    return obs


def demo_scenario(users: int | None = None, session_minutes: float = DEFAULT_SESSION_MINUTES) -> dict:
    obs = demo_observed()
    return scenario_dict(obs, users=users or obs.users, session_minutes=session_minutes, name=NAME)


def demo_scenario_yaml(users: int | None = None, session_minutes: float = DEFAULT_SESSION_MINUTES) -> str:
    obs = demo_observed()
    return scenario_yaml(obs, users=users or obs.users, session_minutes=session_minutes, name=NAME)

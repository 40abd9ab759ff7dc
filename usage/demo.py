"""The built-in demo account: a chat app modelled on danilop/serverless-positive-chat.

A WebSocket API (routes $connect, $disconnect, $default; detailed metrics on for stage Prod), two Lambda
functions (connect/disconnect, and messages), three on-demand tables (Connections with GSI roomIndex,
Conversations, Topics with GSI numIndex), Comprehend on every message and Translate for the paid tiers'
readers. Thirty days of hourly CloudWatch-shaped metrics with a daily cycle (peak 20:00 UTC) and 2% growth a
day, generated with a fixed seed, so every run gives the same numbers. No network, no credentials.

The demo builds the same inventory and hourly series a real import reads, and goes through the same
`observe` code. Its scenario is the import's (functions, API, tables, services), with the demo's own
features and tiers: the demo knows what each of its metrics counts, so its features are what users do
(`FEATURES`) and its 2,500 users are three priced tiers (`TIERS`); every observed unit goes to the one
feature whose action causes it, so the scenario still adds up to the observed month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from usage.inventory import FunctionConfig, Inventory, Route, Selector, TableConfig, WebsocketConfig
from usage.metrics import Window, build_queries
from usage.observed import ObservedUsage, ServiceUsage, WebsocketUsage, observe
from usage.to_scenario import DEFAULT_SESSION_MINUTES, MAX_OP_GSIS, _r, header, scenario_dict, with_header

SEED = 20200127  # the date of the reference app's last commit
DAYS = 30
HOURS_PER_MONTH = 730  # the scenario's month; the window's 720 hours are normalised to it
START = datetime(2026, 10, 1, tzinfo=UTC)
NAME = "Positive Chat (demo account)"
REGION = "us-east-1"

CONNECT_FN = "positive-chat-connect"  # $connect and $disconnect
MESSAGE_FN = "positive-chat-message"  # $default: "init" (join a room, replay history) and "message"
API_ID, API_NAME = "demo0chat1", "positive-chat"


@dataclass(frozen=True)
class Plan:
    """One pricing tier of the demo's users, and what one of its users does in a month (730 hours)."""

    users: int
    price: int  # USD per user per month
    visits: int  # join_room: chats opened (connect, join a room and get its history, disconnect)
    messages: int  # send_message
    translated: int  # read_translated: message copies read in the reader's language, translated (paid tiers)

    def uses(self, session_minutes: float) -> dict[str, float]:
        """Uses per user per month by feature; minutes connected = visits x session minutes."""
        uses = {
            "join_room": self.visits,
            "send_message": self.messages,
            "stay_connected": self.visits * session_minutes,
            "read_translated": self.translated,
        }
        return {f: n for f, n in uses.items() if n}


# The demo's users. The month's visits and messages are multiples of 73, so the 720-hour window (72/73 of a
# 730-hour month) holds whole ones: 36,500 visits and 365,000 messages a month are 36,000 and 360,000 in it.
TIERS = {
    "free": Plan(2_000, 0, visits=10, messages=60, translated=0),
    "pro": Plan(400, 8, visits=30, messages=300, translated=300),
    "team": Plan(100, 25, visits=45, messages=1_250, translated=1_200),
}
USERS = sum(p.users for p in TIERS.values())  # 2,500 monthly active users

# What each feature is, and which observed units it carries (the demo's apportioning rule).
FEATURES = {
    "join_room": "one use = one visit (ConnectCount): $connect and $disconnect, the init requests (join a room, "
    "a history reply each), the Connections and roomIndex writes, the Conversations reads (history)",
    "send_message": "one use = one message (the other $default requests): its request, the message in and its "
    "fan-out to the room, the Connections, roomIndex, Topics and numIndex reads, the Conversations, Topics "
    "and numIndex writes, Comprehend",
    "stay_connected": "one use = one minute connected: the connection minutes",
    "read_translated": "one use = one message copy translated for a Pro or Team reader: Translate",
}
TABLE_FEATURES = {  # table -> (the feature its reads go to, the feature its writes go to), GSIs included
    "Connections": ("send_message", "join_room"),  # GetItem and room query on send; put on init, delete
    "Conversations": ("join_room", "send_message"),  # history query on init; one item per message
    "Topics": ("send_message", "send_message"),  # entities of each message
}
SERVICE_FEATURES = {"comprehend": "send_message", "translate": "read_translated"}

# The workload, per connection and per message (see landscape notes on the reference app)
INITS_PER_CONNECTION = 1.2  # the client re-runs init after a dropped connection
ROOM_SIZE = 5  # each message goes out to every connection in the room, sender included
ENTITIES_PER_MESSAGE = 1.5  # Topics updates
HISTORY_ITEMS = 100  # replayed on every init, 1 KB each (stored translated: replays are not translated again)
CHARS_PER_MESSAGE = 80
COMPREHEND_UNITS_PER_MESSAGE = 3 * 3  # 3 calls (language, sentiment, entities), 3-unit minimum each


def _in_window(monthly: float) -> float:
    return monthly * DAYS * 24 / HOURS_PER_MONTH


CONNECTIONS_IN_WINDOW = round(_in_window(sum(p.users * p.visits for p in TIERS.values())))  # 36,000
MESSAGES_IN_WINDOW = round(_in_window(sum(p.users * p.messages for p in TIERS.values())))  # 360,000
TRANSLATED_IN_WINDOW = _in_window(sum(p.users * p.translated for p in TIERS.values()))  # 236,712.3 copies


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


def _spread(total: float, weights: np.ndarray) -> np.ndarray:
    """Whole counts in proportion to `weights` that add up to `total` exactly (largest remainders);
    an hour of weight 0 stays 0."""
    exact = weights / weights.sum() * round(total)
    out = np.floor(exact)
    remainder = np.where(weights > 0, exact - out, -1.0)
    out[np.argsort(-remainder, kind="stable")[: int(round(round(total) - out.sum()))]] += 1
    return out


def _hourly(rng: np.random.Generator, hours: int) -> np.ndarray:
    """Connections opened per hour: daily cycle, growth, noise; sums to CONNECTIONS_IN_WINDOW."""
    h = np.arange(hours)
    daily = 0.25 + 0.75 * (1 + np.cos(2 * np.pi * ((h % 24) - 20) / 24)) / 2
    growth = 1.02 ** (h / 24)
    shape = daily * growth * rng.lognormal(0.0, 0.08, hours)
    return _spread(CONNECTIONS_IN_WINDOW, shape)


def demo_series() -> tuple[dict[tuple, np.ndarray], dict[str, float]]:
    """Hourly series keyed like a real import's queries, and the per-unit service totals."""
    win = _window()
    rng = np.random.default_rng(SEED)
    n = win.hours

    def noisy(x: np.ndarray, sigma: float = 0.05) -> np.ndarray:
        return np.round(x * rng.lognormal(0.0, sigma, n))

    connects = _hourly(rng, n)
    inits = _spread(CONNECTIONS_IN_WINDOW * INITS_PER_CONNECTION, connects * rng.lognormal(0.0, 0.05, n))
    sends = _spread(MESSAGES_IN_WINDOW, connects * rng.lognormal(0.0, 0.05, n))
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
    translate_chars = TRANSLATED_IN_WINDOW * CHARS_PER_MESSAGE  # the paid tiers' readers (TIERS)
    services = {"comprehend": float(sends.sum()) * COMPREHEND_UNITS_PER_MESSAGE, "translate": translate_chars}
    return s, services


def demo_observed(hours_per_month: float = HOURS_PER_MONTH) -> ObservedUsage:
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


def inits_and_sends(ws: WebsocketUsage) -> tuple[float, float]:
    """Monthly init and message requests, from the API's metrics. The $default route receives both (R);
    MessageCount (T) counts each of them in, a history reply per init and the copy to each of the room's
    ROOM_SIZE connections per message: T = 2 inits + (1 + ROOM_SIZE) sends, so
    inits = ((1 + ROOM_SIZE) R - T) / (ROOM_SIZE - 1) and sends = R - inits."""
    routed = ws.route_messages.get("$default", 0.0) * ws.factor
    inits = max(0.0, ((1 + ROOM_SIZE) * routed - ws.monthly_messages) / (ROOM_SIZE - 1))
    return inits, routed - inits


def _tiers(users: float, session_minutes: float) -> dict:
    """TIERS as scenario tiers; `users` other than USERS carry the same month, every tier keeping its share."""
    share = users / USERS
    return {
        name: {
            "users": _r(p.users * share),
            "price": p.price,
            "uses": {f: _r(n / share) for f, n in p.uses(session_minutes).items()},
        }
        for name, p in TIERS.items()
    }


def _features(obs: ObservedUsage, tiers: dict, session_minutes: float) -> dict:
    """Per-use footprints: each observed monthly quantity goes to the feature that causes it
    (FEATURES, TABLE_FEATURES, SERVICE_FEATURES), divided by that feature's uses in the tiers."""
    uses = {f: sum(t["users"] * t["uses"].get(f, 0) for t in tiers.values()) for f in FEATURES}
    ws = obs.websockets[API_NAME]
    inits, _ = inits_and_sends(ws)
    message_calls = obs.functions[MESSAGE_FN].monthly_invocations
    feat: dict[str, dict] = {
        "join_room": {
            "lambda": {CONNECT_FN: obs.functions[CONNECT_FN].monthly_invocations, MESSAGE_FN: inits},
            "websocket": {"messages": 2 * inits, "connection_minutes": 0.0, "connects": ws.monthly_connects},
        },
        "send_message": {
            "lambda": {MESSAGE_FN: message_calls - inits},
            "websocket": {"messages": ws.monthly_messages - 2 * inits, "connection_minutes": 0.0, "connects": 0.0},
        },
        "stay_connected": {
            "websocket": {
                "messages": 0.0,
                "connection_minutes": ws.monthly_connects * session_minutes,
                "connects": 0.0,
            }
        },
        "read_translated": {},
    }
    for table, (read_feature, write_feature) in TABLE_FEATURES.items():
        t = obs.tables[table]
        writes, gsi_writes = t.write_units * t.factor, sum(t.gsi_write_units.values()) * t.factor
        if t.monthly_read_units:
            op = {"table": table, "reads": t.monthly_read_units, "item_kb": 4, "consistency": "strong"}
            feat[read_feature].setdefault("dynamodb", []).append(op)
        if writes:
            op = {"table": table, "writes": writes, "item_kb": 1, "gsis": _r(min(MAX_OP_GSIS, gsi_writes / writes))}
            feat[write_feature].setdefault("dynamodb", []).append(op)
    for service, feature in SERVICE_FEATURES.items():
        feat[feature].setdefault("services", {})[service] = obs.services[service].monthly_units

    def per_use(f: str, x: float) -> float | int:
        return _r(x / uses[f])

    out = {}
    for f, d in feat.items():
        one: dict = {}
        if "lambda" in d:
            one["lambda"] = {fn: per_use(f, n) for fn, n in d["lambda"].items()}
        if "websocket" in d:
            w = d["websocket"]
            one["websocket"] = {
                "api": API_NAME,
                "messages": per_use(f, w["messages"]),
                "message_kb": 1,
                "connection_minutes": per_use(f, w["connection_minutes"]),
                "connects": per_use(f, w["connects"]),
            }
        if "dynamodb" in d:
            one["dynamodb"] = [
                {k: per_use(f, v) if k in ("reads", "writes") else v for k, v in op.items()} for op in d["dynamodb"]
            ]
        if "services" in d:
            one["services"] = {k: per_use(f, v) for k, v in d["services"].items()}
        out[f] = one
    return out


def _rule() -> list[str]:
    inits = (
        f"inits = ({1 + ROOM_SIZE} x $default MessageCount - API MessageCount) / {ROOM_SIZE - 1}"
        f" (an init counts 2 messages, a message {1 + ROOM_SIZE})"
    )
    return [
        "Apportioning rule (the demo account's own: it knows what each of its metrics counts): features are",
        "what users do, and every observed unit goes to the feature whose action causes it.",
        *(f"{f}: {what}." for f, what in FEATURES.items()),
        f"Init requests from the metrics: {inits}.",
        "Lambda duration_ms is each function's average over its requests (inits and messages alike).",
    ]


def _tier_lines(tiers: dict) -> list[str]:
    parts = [f"{n} ({t['users']:,g} users at ${t['price']:g})" for n, t in tiers.items()]
    return [f"Tiers: {', '.join(parts)}; the demo's own split of its users and of the month's uses."]


def demo_scenario(users: int | None = None, session_minutes: float = DEFAULT_SESSION_MINUTES, **import_options) -> dict:
    """The demo account's month as a scenario: the import's resources, the demo's features and tiers.
    `import_options`: the import's cold_start_rate and init_ms."""
    return _scenario(demo_observed(), users or USERS, session_minutes, import_options)


def _scenario(obs: ObservedUsage, users: float, session_minutes: float, import_options: dict) -> dict:
    if users <= 0:
        raise ValueError("users must be positive")
    data = scenario_dict(obs, users=None, session_minutes=session_minutes, name=NAME, **import_options)
    data.pop("baseline", None)
    tiers = _tiers(users, session_minutes)
    data["features"] = _features(obs, tiers, session_minutes)
    data["tiers"] = tiers
    return data


def demo_scenario_yaml(
    users: int | None = None, session_minutes: float = DEFAULT_SESSION_MINUTES, **import_options
) -> str:
    """`demo_scenario` as YAML with the import's comment header, stating the demo's rule and tiers."""
    obs = demo_observed()
    data = _scenario(obs, users or USERS, session_minutes, import_options)
    lines = header(obs, users or USERS, session_minutes, rule=_rule(), tiers=_tier_lines(data["tiers"]))
    return with_header(data, lines)

"""Design variants of a scenario and how their bills compare, today and as the number of users grows.

A `Design` is a set of changes an architect considers: Lambda architecture, memory and duration;
DynamoDB capacity mode, provisioned units and table class; WebSocket message batching and fan-out;
or replacing WebSocket push with HTTP polling at some interval; and the event-driven choices: SNS or
EventBridge fan-out, Step Functions Standard or Express, the SQS batch size, and a Lambda function as
glue or a direct integration (API Gateway or EventBridge Pipes to the target, no function). `apply`
turns the current scenario into the variant (validated like a file), `compare` estimates every
variant and sweeps them over a range of users, and `crossovers` finds the user counts where one
variant becomes cheaper than another (on the sweep grid, then refined on a fine grid inside the bracket).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from models.editing import rebuild
from models.engine import Estimate, compile_scenario, estimate, sweep
from models.scenario import Scenario, ScenarioError, to_dict
from pricing import dynamodb as ddb
from pricing.book import PriceBook
from pricing.services import eventbridge

ALL = None  # a design setting that applies to every function / table
TIE_USD = 0.005  # totals closer than half a cent are a tie (line costs are rounded to the cent)


@dataclass(frozen=True)
class Design:
    """Changes to the current scenario; None means 'keep as it is'."""

    name: str
    # Lambda: one function or all (function=None)
    function: str | None = ALL
    architecture: str | None = None
    memory_mb: int | None = None
    duration_ms: float | None = None
    cpu_bound: bool = False  # when memory changes and duration is kept: duration scales with 1/memory
    # DynamoDB: one table or all (table=None)
    table: str | None = ALL
    capacity: str | None = None  # on_demand | provisioned
    read_capacity: float | None = None  # provisioned RCU
    write_capacity: float | None = None  # provisioned WCU
    table_class: str | None = None  # standard | standard_ia
    # WebSocket messages
    batch: float = 1.0  # messages combined into one frame: messages / batch, message_kb x batch
    fan_out: float = 1.0  # multiplies the messages per use (room size, subscribers)
    # WebSocket push vs HTTP polling
    transport: str = "websocket"
    poll_interval_s: float = 10.0
    poll_duration_ms: float = 20.0
    poll_memory_mb: int = 128
    poll_table: str | None = None  # a 1 KB eventually consistent read per poll; None: no read
    # Event-driven choices
    fan_out_via: str | None = None  # "sns" | "eventbridge": every fan-out use moved to that service
    targets: float = 1.0  # EventBridge -> SNS: Lambda deliveries per publish (an event's rule targets)
    machine_type: str | None = None  # "standard" | "express": every state machine
    transitions: float | None = None  # -> Standard: state transitions per execution (None: keep)
    sfn_duration_ms: float | None = None  # -> Express: time per execution (None: keep)
    sqs_batch: float | None = None  # messages per SQS call, 1..10, on every queue use
    glue: str | None = None  # a function replaced by a direct integration: its invocations go

    def changes(self) -> list[str]:
        """What this design changes, in words."""
        out = []
        fn = "all functions" if self.function is ALL else self.function
        tb = "all tables" if self.table is ALL else self.table
        if self.architecture:
            out.append(f"{fn}: {self.architecture}")
        if self.memory_mb:
            out.append(f"{fn}: {self.memory_mb} MB" + (" (CPU-bound)" if self.cpu_bound else ""))
        if self.duration_ms is not None:
            out.append(f"{fn}: {self.duration_ms:g} ms")
        if self.capacity:
            cap = self.capacity.replace("_", "-")
            if self.capacity == "provisioned":
                cap += f" {self.read_capacity or 0:g} RCU / {self.write_capacity or 0:g} WCU"
            out.append(f"{tb}: {cap}")
        if self.table_class:
            out.append(f"{tb}: {self.table_class.replace('_', '-')}")
        if self.batch != 1:
            out.append(f"{self.batch:g} messages per frame")
        if self.fan_out != 1:
            out.append(f"fan-out x{self.fan_out:g}")
        if self.transport == "http_polling":
            out.append(f"HTTP polling every {self.poll_interval_s:g} s")
        if self.fan_out_via:
            out.append(f"fan-out via {'SNS' if self.fan_out_via == 'sns' else 'EventBridge'}")
        if self.machine_type:
            out.append(f"state machines: {self.machine_type.capitalize()}")
        if self.sqs_batch:
            out.append(f"SQS batches of {self.sqs_batch:g}")
        if self.glue:  # an EventBridge Pipe bills $0.40 per million requests, which is not modelled
            out.append(f"{self.glue}: a direct integration instead of a function (Pipes charges not modelled)")
        return out or ["no change"]


def apply(s: Scenario, d: Design, book: PriceBook) -> Scenario:
    """The scenario with the design's changes, validated like a scenario file."""
    data = to_dict(s)
    for name, fn in data.get("functions", {}).items():
        if d.function is not ALL and name != d.function:
            continue
        old_memory = fn["memory_mb"]
        if d.architecture:
            fn["architecture"] = d.architecture
        if d.memory_mb:
            fn["memory_mb"] = int(d.memory_mb)
        if d.duration_ms is not None:
            fn["duration_ms"] = d.duration_ms
        elif d.memory_mb and d.cpu_bound:
            fn["duration_ms"] = fn["duration_ms"] * old_memory / d.memory_mb
    for name, t in data.get("tables", {}).items():
        if d.table is not ALL and name != d.table:
            continue
        if d.capacity == "on_demand":
            t["capacity"] = "on_demand"
            t.pop("read_capacity", None)
            t.pop("write_capacity", None)
        elif d.capacity == "provisioned":
            t["capacity"] = "provisioned"
            t["read_capacity"] = d.read_capacity or 0
            t["write_capacity"] = d.write_capacity or 0
        if d.table_class:
            t["table_class"] = d.table_class
    features = data.get("features", {})
    if d.batch != 1 or d.fan_out != 1:
        for f in features.values():
            ws = f.get("websocket")
            if ws:
                ws["messages"] = ws.get("messages", 0) * d.fan_out / d.batch
                ws["message_kb"] = ws.get("message_kb", 1) * d.batch
    if d.transport == "http_polling":
        _to_polling(data, d)
    if d.fan_out_via:
        _fan_out_via(data, d)
    if d.machine_type:
        _machine_type(data, d)
    if d.sqs_batch:
        for f in features.values():
            for u in f.get("sqs", []):
                u["batch_size"] = d.sqs_batch
    if d.glue:
        for f in features.values():
            f.get("lambda", {}).pop(d.glue, None)
    return rebuild(data, f"design {d.name}", book)


def _machine_type(data: dict, d: Design) -> None:
    """Every state machine to Standard or Express. Standard bills transitions and Express duration, so a use
    without the one its new type bills is refused rather than priced at nothing."""
    for m in data.get("state_machines", {}).values():
        m["type"] = d.machine_type
        if d.machine_type == "standard":
            m.pop("memory_mb", None)
    key, value, what = (
        ("transitions", d.transitions, "state transitions per execution")
        if d.machine_type == "standard"
        else ("duration_ms", d.sfn_duration_ms, "the duration of an execution")
    )
    for name, f in data.get("features", {}).items():
        for u in f.get("stepfunctions", []):
            if value is not None:
                u[key] = value
            if not u.get(key) and u.get("executions", 1):
                raise ScenarioError(
                    f"{d.machine_type.capitalize()} bills {what}, which feature {name!r} does not give: "
                    f"set it in the design",
                    source=f"design {d.name}",
                    field=f"features.{name}.stepfunctions",
                )


def _fan_out_via(data: dict, d: Design) -> None:
    """SNS topics <-> an EventBridge bus. Each publish becomes one event of the same size (the bus's rules
    deliver to SQS, Lambda and HTTPS targets at no charge per target: API destinations are not modelled);
    each event becomes one publish with `targets` Lambda deliveries."""
    features = data.get("features", {})
    if d.fan_out_via == "eventbridge" and data.get("topics"):
        buses = data.setdefault("event_buses", {})
        bus = next(iter(buses), None) or _unique("events", buses)
        buses.setdefault(bus, {})
        for f in features.values():
            uses = f.pop("sns", [])
            if uses:
                too_big = [u for u in uses if u.get("message_kb", 1) > eventbridge.MAX_EVENT_KB]
                if too_big:
                    raise ScenarioError(
                        f"a {too_big[0]['message_kb']:g} KB message cannot be an EventBridge event "
                        f"(at most {eventbridge.MAX_EVENT_KB} KB)",
                        source=f"design {d.name}",
                        field="features.sns.message_kb",
                    )
                f.setdefault("eventbridge", []).extend(
                    {"bus": bus, "events": u.get("publishes", 1), "event_kb": u.get("message_kb", 1)} for u in uses
                )
        data.pop("topics")
    elif d.fan_out_via == "sns" and data.get("event_buses"):
        topics = data.setdefault("topics", {})
        topic = next(iter(topics), None) or _unique("fanout", topics)
        topics.setdefault(topic, {})
        for f in features.values():
            uses = f.pop("eventbridge", [])
            if uses:
                f.setdefault("sns", []).extend(
                    {"topic": topic, "publishes": u.get("events", 1), "message_kb": u.get("event_kb", 1),
                     "deliveries": {"lambda": d.targets}}
                    for u in uses
                )  # fmt: skip
        data.pop("event_buses")


def _unique(name: str, taken) -> str:
    if name not in taken:
        return name
    return next(f"{name}_{i}" for i in itertools.count(2) if f"{name}_{i}" not in taken)


def _to_polling(data: dict, d: Design) -> None:
    """WebSocket push -> HTTP polling. Each use that sent WebSocket messages sends one HTTP request
    instead (a use is one client action; the other messages were replies and fan-out, which the next
    poll now picks up). Each connected minute polls 60 / interval times: an HTTP API request, an
    invocation of a small poll function and, if a table is given, a 1 KB eventually consistent read."""
    features = data.get("features", {})
    if not any(f.get("websocket") for f in features.values()):
        return
    functions = data.setdefault("functions", {})
    apis = data.setdefault("http_apis", {})
    api = next(iter(apis)) if apis else _unique("poll", apis)
    apis.setdefault(api, {})
    poll_fn = _unique("poll", functions)
    arch = d.architecture or "arm64"
    functions[poll_fn] = {"memory_mb": int(d.poll_memory_mb), "duration_ms": d.poll_duration_ms, "architecture": arch}
    for f in features.values():
        ws = f.pop("websocket", None)
        if not ws:
            continue
        polls = ws.get("connection_minutes", 0) * 60 / d.poll_interval_s
        client = min(1.0, ws.get("messages", 0))
        http = f.setdefault("http", {"api": api, "requests": 0})
        http["api"] = http.get("api", api)
        http["requests"] = http.get("requests", 0) + client + polls
        http["request_kb"] = max(http.get("request_kb", 1), ws.get("message_kb", 1))
        if polls:
            f.setdefault("lambda", {})
            f["lambda"][poll_fn] = f["lambda"].get(poll_fn, 0) + polls
            if d.poll_table and d.poll_table in data.get("tables", {}):
                f.setdefault("dynamodb", []).append({"table": d.poll_table, "reads": polls, "item_kb": 1})
    data.pop("websockets", None)


def table_units(s: Scenario) -> dict[str, tuple[float, float]]:
    """On-demand read and write request units per month, by table, from the features' footprints."""
    w = compile_scenario(s)
    uses = dict(zip(w.features, np.asarray(w.uses(), dtype=float).reshape(-1)))
    return {name: (u.read, u.write + u.gsi) for name, u in ddb.monthly_units(s, uses).items()}


def suggested_capacity(s: Scenario, table: str | None = ALL, headroom: float = 2.0) -> tuple[int, int]:
    """Provisioned RCU and WCU that carry this month's request units on average, times `headroom`
    (peak over average), for one table or for each of all tables (the largest)."""
    units = table_units(s)
    chosen = units.values() if table is ALL else [units.get(table, (0.0, 0.0))]
    seconds = s.hours_per_month * 3600
    rru = max((r for r, _ in chosen), default=0.0)
    wru = max((w for _, w in chosen), default=0.0)
    return max(1, math.ceil(rru / seconds * headroom)), max(1, math.ceil(wru / seconds * headroom))


@dataclass(frozen=True)
class Crossover:
    a: str
    b: str
    users: float
    total: float  # USD per month at the crossing
    cheaper_below: str  # the variant that is cheaper below `users`


@dataclass
class Comparison:
    names: list[str]
    scenarios: list[Scenario]
    estimates: list[Estimate]
    users: np.ndarray  # the sweep grid
    totals: np.ndarray  # variants x points, USD per month
    crossovers: list[Crossover] = field(default_factory=list)

    @property
    def cost_per_user(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.users > 0, self.totals / self.users, np.nan)


def compare(
    variants: dict[str, Scenario],
    users_from: float | None,
    users_to: float | None,
    points: int = 300,
    book: PriceBook | None = None,
) -> Comparison:
    """Estimate each variant today and sweep them all over `users_from`..`users_to` (log-spaced); with
    no range (a scenario without users cannot be scaled), today's estimates only."""
    names = list(variants)
    scenarios = list(variants.values())
    estimates = [estimate(s, book) for s in scenarios]
    if users_from is None or users_to is None:
        return Comparison(names, scenarios, estimates, np.zeros(0), np.zeros((len(names), 0)))
    grid = np.geomspace(users_from, users_to, points)
    totals = np.vstack([sweep(s, grid, book).total for s in scenarios])
    cmp = Comparison(names, scenarios, estimates, grid, totals)
    cmp.crossovers = crossovers(cmp, book)
    return cmp


def _signs(diff: np.ndarray) -> np.ndarray:
    """Sign of a difference, where a tie (|d| < half a cent) carries the sign before it."""
    s = np.where(np.abs(diff) < TIE_USD, 0.0, np.sign(diff))
    last = np.maximum.accumulate(np.where(s != 0, np.arange(len(s)), 0))
    return s[last]


def crossovers(cmp: Comparison, book: PriceBook | None = None, fine_points: int = 400) -> list[Crossover]:
    """Where the total of one variant crosses another's on the sweep grid, refined inside each bracket."""
    found = []
    for i, j in itertools.combinations(range(len(cmp.names)), 2):
        sign = _signs(cmp.totals[i] - cmp.totals[j])
        for k in np.nonzero((sign[1:] * sign[:-1]) < 0)[0]:
            lo, hi = cmp.users[k], cmp.users[k + 1]
            fine = np.linspace(lo, hi, fine_points)
            ti = sweep(cmp.scenarios[i], fine, book).total
            tj = sweep(cmp.scenarios[j], fine, book).total
            fs = _signs(np.concatenate([[cmp.totals[i][k] - cmp.totals[j][k]], ti - tj]))[1:]
            change = np.nonzero(fs != sign[k])[0]
            m = int(change[0]) if len(change) else fine_points - 1
            users = float(fine[m])
            if m > 0:  # linear interpolation between the last point before and the first after
                d0, d1 = ti[m - 1] - tj[m - 1], ti[m] - tj[m]
                if d1 != d0:
                    users = float(fine[m - 1] + (fine[m] - fine[m - 1]) * (-d0) / (d1 - d0))
            below = cmp.names[i] if sign[k] < 0 else cmp.names[j]
            found.append(Crossover(cmp.names[i], cmp.names[j], users, float((ti[m] + tj[m]) / 2), below))
    return sorted(found, key=lambda c: c.users)

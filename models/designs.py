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
from dataclasses import dataclass, field, replace

import numpy as np

from models.capacity import limit_name
from models.editing import rebuild
from models.engine import Estimate, compile_scenario, estimate, sweep
from models.scenario import AUTO, MAX_DURATION_MS, Scenario, ScenarioError, duration_at, to_dict
from pricing import dynamodb as ddb
from pricing.book import PriceBook
from pricing.services import eventbridge

ALL = None  # a design setting that applies to every function / table
TIE_USD = 0.01 + 1e-9  # totals within a cent are a tie (line costs are rounded to the cent): no crossing


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
    provisioned: str | None = None  # "auto": provisioned concurrency sized to the load at every user count
    # DynamoDB: one table or all (table=None)
    table: str | None = ALL
    capacity: str | None = None  # on_demand | provisioned
    read_capacity: float | str | None = None  # provisioned RCU, or "auto": sized to the load at every user count
    write_capacity: float | str | None = None  # provisioned WCU, or "auto"
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
        if self.memory_mb == CHEAPEST:
            out.append(f"{fn}: the cheapest memory")
        elif self.memory_mb:
            out.append(f"{fn}: {self.memory_mb} MB" + (" (CPU-bound)" if self.cpu_bound else ""))
        if self.duration_ms is not None:
            out.append(f"{fn}: {self.duration_ms:g} ms")
        if self.provisioned == AUTO:
            out.append(f"{fn}: provisioned concurrency sized to the load")
        if self.capacity:
            cap = self.capacity.replace("_", "-")
            if self.capacity == "provisioned":
                cap += f" {_units(self.read_capacity)} RCU / {_units(self.write_capacity)} WCU"
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
    if d.memory_mb == CHEAPEST:  # the other changes first: the cheapest memory on arm64 is arm64's
        return with_cheapest_memory(apply(s, replace(d, memory_mb=None), book), d.function, book, d.name)
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
        elif d.memory_mb and d.cpu_bound and not isinstance(fn["duration_ms"], dict):  # a mapping scales itself
            fn["duration_ms"] = fn["duration_ms"] * old_memory / d.memory_mb
        if d.provisioned == AUTO:  # sized all month: a fixed concurrency's hours go, the share it serves stays
            share = (fn.get("provisioned") or {}).get("share")
            fn["provisioned"] = {"concurrency": AUTO} | ({} if share is None else {"share": share})
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
            if AUTO not in (d.read_capacity, d.write_capacity):
                t.pop("target_utilization", None)
                t.pop("minimum", None)
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


def _units(capacity: float | str | None) -> str:
    return AUTO if capacity == AUTO else f"{capacity or 0:g}"


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
    users: float  # the first whole number of users at which the other variant is the cheaper
    total: float  # USD per month at the crossing (the two totals' mean, to the cent)
    cheaper_below: str  # the variant that is cheaper below `users`
    note: str = ""  # a side that cannot serve the load there (a capacity limit reached) says so


@dataclass
class Comparison:
    names: list[str]
    scenarios: list[Scenario]
    estimates: list[Estimate]
    users: np.ndarray  # the sweep grid
    totals: np.ndarray  # variants x points, USD per month
    crossovers: list[Crossover] = field(default_factory=list)
    limit_users: list[float | None] = field(default_factory=list)  # per variant: users at its first limit
    limit_names: list[str | None] = field(default_factory=list)  # per variant: that limit (resource)

    @property
    def over_limit(self) -> np.ndarray:
        """variants x points: the design cannot serve that many users (a capacity limit is passed)."""
        limits = self.limit_users or [None] * len(self.names)
        at = np.array([np.inf if u is None else u for u in limits], dtype=float)
        return (self.users[None, :] > at[:, None]) | (at[:, None] <= 0)  # at 0: over from the first user

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
    grid = np.geomspace(users_from, users_to, points) if users_from > 0 else np.linspace(0, users_to, points)
    totals = np.vstack([sweep(s, grid, book).total for s in scenarios])
    first = [_first_limit(e) for e in estimates]
    cmp = Comparison(names, scenarios, estimates, grid, totals, [], [u for u, _ in first], [n for _, n in first])
    cmp.crossovers = crossovers(cmp, book)
    return cmp


def _first_limit(e: Estimate) -> tuple[float | None, str | None]:
    """Users at which the design's first capacity limit is reached (every tier keeping its share)."""
    reached = [lim for lim in e.capacity if lim.users_at_limit is not None]
    if not reached:
        return None, None
    lim = min(reached, key=lambda x: x.users_at_limit)
    return lim.users_at_limit, limit_name(lim.limit, lim.resource)


def _signs(diff: np.ndarray) -> np.ndarray:
    """Sign of a difference, where a tie (within a cent) carries the sign before it."""
    s = np.where(np.abs(diff) <= TIE_USD, 0.0, np.sign(diff))
    last = np.maximum.accumulate(np.where(s != 0, np.arange(len(s)), 0))
    return s[last]


DETECT_POINTS = 20_000  # whole user counts the order is checked at: finer than any step of sized capacity seen


def crossovers(cmp: Comparison, book: PriceBook | None = None) -> list[Crossover]:
    """Where one variant's total crosses another's: the order is checked at DETECT_POINTS whole user counts over
    the range (log-spaced), then every whole count inside each bracket where it changes. A tie (within a cent)
    carries the order before it, so touching or running level is no crossing."""
    if len(cmp.users) < 2:
        return []
    lo, hi = float(cmp.users[0]), float(cmp.users[-1])
    spaced = np.geomspace(max(lo, 1.0), hi, DETECT_POINTS) if lo > 0 else np.linspace(lo, hi, DETECT_POINTS)
    grid = np.unique(np.round(spaced))
    # The order is judged on totals before each line's rounding to the cent: rounded, two designs a fraction of
    # a cent apart on many lines differ by a few cents either way, which is noise, not a crossing.
    totals = [sweep(s, grid, book, rounded=False).total for s in cmp.scenarios]
    found = []
    for i, j in itertools.combinations(range(len(cmp.names)), 2):
        sign = _signs(totals[i] - totals[j])
        for k in np.nonzero((sign[1:] * sign[:-1]) < 0)[0]:
            whole = np.arange(grid[k], grid[k + 1] + 1)
            if len(whole) > 200_000:  # a bracket this wide only at the far end of a huge range: sample it
                whole = np.unique(np.round(np.linspace(grid[k], grid[k + 1], 200_000)))
            ti = sweep(cmp.scenarios[i], whole, book, rounded=False).total
            tj = sweep(cmp.scenarios[j], whole, book, rounded=False).total
            fs = _signs(np.concatenate([[sign[k]], ti - tj]))[1:]  # ties carry the order the bracket starts with
            m = int(np.nonzero(fs != sign[k])[0][0])  # the first whole count at which the other is cheaper
            users = float(whole[m])
            below = cmp.names[i] if sign[k] < 0 else cmp.names[j]
            note = "; ".join(
                f"{cmp.names[v]} cannot serve {users:,.0f} users ({cmp.limit_names[v]} is reached at "
                f"{cmp.limit_users[v]:,.0f})"
                for v in (i, j)
                if v < len(cmp.limit_users) and cmp.limit_users[v] is not None and users > cmp.limit_users[v]
            )
            at = np.array([users])
            total = round(
                float((sweep(cmp.scenarios[i], at, book).total[0] + sweep(cmp.scenarios[j], at, book).total[0]) / 2), 2
            )
            found.append(Crossover(cmp.names[i], cmp.names[j], users, total, below, note))
    return sorted(found, key=lambda c: c.users)


# ---------------------------------------------------------------- the cheapest memory of a function

CHEAPEST = "cheapest"  # Design.memory_mb: each function that declares how its duration scales, its cheapest memory
MEMORY_SIZES = (128, 256, 512, 1024, 1536, 1769, 2048, 3008, 4096, 6144, 8192, 10240)


@dataclass(frozen=True)
class MemoryChoice:
    """The memory at which a function costs the scenario least this month, and what each size tried comes to."""

    function: str
    memory_mb: int  # the cheapest (the smaller of two within half a cent)
    current_mb: int
    totals: dict[int, float]  # memory -> the scenario's monthly total, USD
    durations_ms: dict[int, float]  # memory -> the function's duration
    too_slow: tuple[int, ...] = ()  # sizes left out: over Lambda's 15-minute timeout

    @property
    def saving(self) -> float:
        """USD a month saved by moving from the current memory to the cheapest (0 when it is the current)."""
        return self.totals[self.current_mb] - self.totals[self.memory_mb]


def cheapest_memory(
    s: Scenario, function: str, book: PriceBook | None = None, sizes: tuple[int, ...] = MEMORY_SIZES
) -> MemoryChoice:
    """The memory that minimises the scenario's monthly total when only `function`'s memory changes, its
    duration following its `duration_ms` mapping (models/scenario.py `DurationScaling`): what AWS Lambda
    Power Tuning finds from measurements at each size, here from the model. The function's current memory is
    tried too. Sizes at which the function would run past the 15-minute timeout are left out."""
    fn = s.functions.get(function)
    where = f"functions.{function}"
    if fn is None:
        raise ScenarioError(f"unknown function {function!r}", source="cheapest memory", field="functions")
    if fn.duration_scaling is None:
        raise ScenarioError(
            "does not say how its duration scales with memory (duration_ms: {at_mb, ms, cpu_share})",
            source="cheapest memory",
            field=f"{where}.duration_ms",
        )
    bad = [m for m in sizes if not (128 <= m <= 10240 and m == int(m))]
    if bad:
        raise ScenarioError(
            f"memory must be a whole number of MB from 128 to 10240, got {bad[0]:g}",
            source="cheapest memory",
            field=f"{where}.memory_mb",
        )
    tried = sorted({int(m) for m in sizes} | {int(fn.memory_mb)})
    durations = {m: duration_at(fn, m) for m in tried}
    fits = [m for m in tried if durations[m] <= MAX_DURATION_MS or m == fn.memory_mb]
    totals = {}
    for m in fits:
        variant = replace(s, functions={**s.functions, function: replace(fn, memory_mb=m)})
        totals[m] = estimate(variant, book).total
    low = min(totals.values())
    best = min(m for m in fits if totals[m] - low < TIE_USD)
    return MemoryChoice(
        function,
        best,
        int(fn.memory_mb),
        totals,
        {m: durations[m] for m in fits},
        tuple(m for m in tried if m not in totals),
    )


def with_cheapest_memory(s: Scenario, function: str | None, book: PriceBook, source: str = "cheapest memory"):
    """The scenario with `function` (or, with ALL, each function that declares how its duration scales, one
    after another) at its cheapest memory."""
    names = [n for n, f in s.functions.items() if f.duration_scaling is not None] if function is ALL else [function]
    if not names:
        raise ScenarioError(
            "no function says how its duration scales with memory (duration_ms: {at_mb, ms, cpu_share})",
            source=f"design {source}",
            field="functions",
        )
    for name in names:
        choice = cheapest_memory(s, name, book)
        data = to_dict(s)
        data["functions"][name]["memory_mb"] = choice.memory_mb
        s = rebuild(data, f"design {source}", book)
    return s

"""Scenario files (format 1): the workload a product runs, as YAML a person can edit and diff.

`load` reads and validates a file into a `Scenario`; `to_yaml` writes one back. Validation names
the file, the line and the field of the first problem it finds: unknown keys, wrong types,
out-of-range numbers and references to things the scenario does not define are all errors.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import yaml

from models.yamlio import ScenarioError, load_with_lines, read_text
from pricing.service import spec
from pricing.services import generic, registry, with_uses

RESERVED_SERVICES = ("lambda", "websocket", "http", "dynamodb", "logs", "custom")
MAX_HOURS_PER_MONTH = 744  # 31 days
# No count, size or price in a real workload comes near this; it keeps every product of them finite.
MAX_NUMBER = 1e12


@dataclass(frozen=True)
class Commitment:
    """A Savings Plan (models/commitments.py): USD per hour committed, and its rates (meter -> USD per unit)."""

    hourly_usd: float
    rates: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Provisioned:
    """A function's provisioned concurrency: how much (or sized to the load), for how many hours, serving what
    share."""

    concurrency: float  # 0 with `auto`
    hours: float | None = None  # None: all month (hours_per_month)
    share: float = 1.0  # share of the function's invocations served by provisioned concurrency
    # `concurrency: auto`: sized to the load at every user count, as Application Auto Scaling's target tracking
    # on LambdaProvisionedConcurrencyUtilization does: max(minimum, ceil(peak concurrency / target_utilization))
    auto: bool = False
    target_utilization: float = 0.7  # the AWS Lambda Developer Guide's example target (there is no default)
    minimum: float = 1.0


# Lambda allocates CPU in proportion to memory: 1,769 MB is one vCPU's worth (one vCPU-second of credits per
# second), up to 10,240 MB (5.79 vCPU-equivalents over 6 vCPUs). AWS Lambda Developer Guide, "Configure Lambda
# function memory": https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html; the 6 vCPUs at
# 10,240 MB: https://aws.amazon.com/blogs/aws/new-for-aws-lambda-functions-with-up-to-10-gb-of-memory-and-6-vcpus/
MB_PER_VCPU = 1769
MAX_THREADS = 6
MAX_DURATION_MS = 900_000  # Lambda's 15-minute timeout


@dataclass(frozen=True)
class DurationScaling:
    """How a function's duration changes with its memory: `duration_ms: {at_mb, ms, cpu_share, threads}`.

    `ms` was measured (or estimated) at `at_mb`. A share `cpu_share` of it is CPU-bound and scales with the
    CPU the memory buys; the rest (waiting on the network, DynamoDB, another API) does not:

        duration(m) = ms x ((1 - cpu_share) + cpu_share x cpu(at_mb) / cpu(m))
        cpu(m)      = min(m, 1769 x threads) / 1769   vCPU-equivalents

    A single-threaded function (threads: 1, the default) gets no faster above 1,769 MB, one vCPU; a function
    that keeps N threads busy gains up to N vCPUs' worth (at most 6, which 10,240 MB does not quite buy).
    Example: {at_mb: 1024, ms: 120, cpu_share: 0.8} takes 120 x (0.2 + 0.8 x 2) = 216 ms at 512 MB and
    120 x (0.2 + 0.8 x 1024/1769) = 79.57 ms at 1,769 MB or more. This is the straight-line model of AWS's
    statement that CPU is proportional to memory; a measurement at each memory (AWS Lambda Power Tuning,
    https://github.com/alexcasalboni/aws-lambda-power-tuning, runs the function at each setting) is better
    where one exists."""

    at_mb: int
    ms: float
    cpu_share: float
    threads: int = 1

    def cpu(self, memory_mb: float) -> float:
        """vCPU-equivalents that `memory_mb` buys this function."""
        return min(memory_mb, MB_PER_VCPU * self.threads) / MB_PER_VCPU

    def at(self, memory_mb: float) -> float:
        """The duration in ms at `memory_mb` (exactly `ms` at `at_mb`)."""
        return self.ms * (1 - self.cpu_share * (1 - self.cpu(self.at_mb) / self.cpu(memory_mb)))


@dataclass(frozen=True)
class Function:
    """A Lambda function. `duration_ms` is always the duration at `memory_mb`: with `duration_scaling` it is
    worked out from the scaling (whatever was passed), so a copy at another memory has its own duration."""

    memory_mb: float
    duration_ms: float
    architecture: str = "x86_64"
    ephemeral_storage_mb: float = 512
    cold_start_rate: float = 0.0
    init_ms: float = 0.0
    log_kb: float = 0.0
    provisioned: Provisioned | None = None
    reserved_concurrency: int | None = None  # capacity: this function's own concurrency limit
    peak_to_average: float | None = None  # capacity: overrides the scenario's
    duration_scaling: DurationScaling | None = None  # in a file: duration_ms as a mapping

    def __post_init__(self):
        if self.duration_scaling is not None:
            object.__setattr__(self, "duration_ms", self.duration_scaling.at(self.memory_mb))


def duration_at(fn: Function, memory_mb: float | None = None) -> float:
    """A function's duration in ms at `memory_mb` (default: its own memory). A plain `duration_ms` does not
    change with memory; one declared as a mapping scales as `DurationScaling` says."""
    if fn.duration_scaling is None or memory_mb is None:
        return fn.duration_ms
    return fn.duration_scaling.at(memory_mb)


@dataclass(frozen=True)
class Table:
    """A DynamoDB table: its capacity mode and class, storage, GSIs and provisioned or auto capacity."""

    capacity: str = "on_demand"
    table_class: str = "standard"
    storage_gb: float = 0.0
    gsis: int = 0
    read_capacity: float = 0.0
    write_capacity: float = 0.0
    peak_to_average: float | None = None  # capacity: overrides the scenario's
    # `read_capacity: auto` / `write_capacity: auto`: sized to the load at every user count, as DynamoDB auto
    # scaling does: max(minimum, ceil(peak units per second / target_utilization))
    auto_read: bool = False
    auto_write: bool = False
    target_utilization: float = 0.7  # DynamoDB auto scaling's default target
    minimum: float = 1.0  # the smallest capacity auto sizing sets

    def auto(self, kind: str) -> bool:
        return self.auto_read if kind == "read" else self.auto_write


TABLE_KEYS = ("capacity", "table_class", "storage_gb", "gsis", "read_capacity", "write_capacity",
              "peak_to_average", "target_utilization", "minimum")  # fmt: skip
AUTO = "auto"


@dataclass(frozen=True)
class Service:
    """A per-unit service the scenario names (`services:`): its unit and USD per unit."""

    unit: str
    price: float  # USD per unit


@dataclass(frozen=True)
class WebsocketUse:
    """What one use of a feature does on a WebSocket API: messages, their size, connection time."""

    api: str | None = None
    messages: float = 0.0
    message_kb: float = 1.0
    connection_minutes: float = 0.0
    connects: float = 0.0  # capacity: new connections per use


@dataclass(frozen=True)
class HttpUse:
    """What one use of a feature sends to an HTTP API: requests and their size."""

    api: str | None = None
    requests: float = 0.0
    request_kb: float = 1.0


@dataclass(frozen=True)
class DynamoOp:
    """One DynamoDB operation of a use: reads or writes on a table, their item size and kind."""

    table: str
    reads: float | None = None
    writes: float | None = None
    item_kb: float = 1.0
    consistency: str = "eventual"  # reads: eventual | strong | transactional
    transactional: bool = False  # writes
    gsis: float | None = None  # writes: GSI writes per write; None: the table's gsis
    hot_key_share: float | None = None  # capacity: share of these units on the hottest partition key


@dataclass(frozen=True)
class Feature:
    """What one use of a feature consumes: invocations, API traffic, DynamoDB operations, services."""

    invocations: dict[str, float] = field(default_factory=dict)  # YAML key "lambda"
    websocket: WebsocketUse | None = None
    http: HttpUse | None = None
    dynamodb: tuple[DynamoOp, ...] = ()
    services: dict[str, float] = field(default_factory=dict)
    uses: dict[str, tuple] = field(default_factory=dict)  # the registry's services: use key ("sqs") -> uses


@dataclass(frozen=True)
class PricingTier:
    """A pricing tier: its users, what each pays a month and each one's uses of the features."""

    users: float
    price: float = 0.0  # USD per user per month
    uses: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Range:
    """A number given as a range: `{low, mode, high}` (triangular) or `{low, high}` (uniform, its mode the
    midpoint). The scenario holds the mode where the number goes; `Scenario.ranges` keeps the range, at its
    `key` as in the file: ("tiers", "pro", "uses", "send_message"), ("features", "send", "dynamodb", 0, "item_kb")."""

    key: tuple
    low: float
    mode: float
    high: float
    uniform: bool = False
    line: int | None = field(default=None, compare=False)  # where the file gave it, for messages

    @property
    def path(self) -> str:
        """The key as people read it: tiers.pro.uses.send_message, features.send.dynamodb.0.item_kb."""
        return ".".join(str(k) for k in self.key)

    def to_data(self) -> dict:
        if self.uniform:
            return {"low": self.low, "high": self.high}
        return {"low": self.low, "mode": self.mode, "high": self.high}


# Ranges may stand for numbers of these sections: what one use consumes and what tiers' users do and pay.
RANGED_SECTIONS = ("features", "tiers")
MAX_PLAN_GROWTH_PCT = 1000.0  # per month: ten-fold a month is beyond any plan


@dataclass(frozen=True)
class Plan:
    """`plan:`: each tier's monthly growth and churn in percent (the forecast's defaults; CLI flags override)."""

    growth: dict[str, float] = field(default_factory=dict)
    churn: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Scenario:
    """A workload as a scenario file (format 1) describes it: resources, features, tiers."""

    name: str
    region: str
    free_tier: bool = True
    hours_per_month: float = 730
    peak_to_average: float = 2.0  # capacity: peak rate / average rate
    quotas: dict[str, float] = field(default_factory=dict)  # capacity: limit name -> raised quota
    functions: dict[str, Function] = field(default_factory=dict)
    websockets: dict[str, dict] = field(default_factory=dict)
    http_apis: dict[str, dict] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    # The registry's services (pricing/services/): section ("queues") -> name -> resource
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    features: dict[str, Feature] = field(default_factory=dict)
    tiers: dict[str, PricingTier] = field(default_factory=dict)
    baseline: dict[str, float] = field(default_factory=dict)
    commitments: dict[str, Commitment] = field(default_factory=dict)  # compute_savings_plan, database_savings_plan
    plan: Plan = field(default_factory=Plan)
    ranges: tuple[Range, ...] = ()  # the numbers given as ranges; the fields above hold their modes

    @property
    def users(self) -> float:
        return sum(t.users for t in self.tiers.values())

    def with_users(self, users: float) -> Scenario:
        """The same scenario grown (or shrunk) to `users` in all, every tier keeping its share."""
        total = self.users
        if total <= 0:
            raise ScenarioError("has no users to scale", field="tiers")
        return replace(self, tiers={n: replace(t, users=t.users * users / total) for n, t in self.tiers.items()})


# ---------------------------------------------------------------- reading


def load(path: str | Path, regions: Collection[str] | None = None) -> Scenario:
    """Read and validate a scenario file; `regions`, when given, are the regions with prices."""
    return loads(read_text(path), source=str(path), regions=regions)


def loads(text: str, source: str = "scenario", regions: Collection[str] | None = None) -> Scenario:
    data, lines = load_with_lines(text, source)
    return from_data(data, source, lines, regions)


def from_data(
    data: Any, source: str = "scenario", lines: dict | None = None, regions: Collection[str] | None = None
) -> Scenario:
    """A scenario from format-1 data (parsed YAML, or `to_dict`'s), validated like a file; `lines` maps each
    path to its line when the data came from a file."""
    reader = _Reader(source, lines or {})
    s = reader.scenario(data)
    if regions is not None and s.region not in regions:
        raise reader.error(
            ("region",), f"no prices for region {s.region!r} in the price book (regions: {', '.join(sorted(regions))})"
        )
    return s


def price_error(err: Exception, text: str, source: str) -> ScenarioError:
    """A price the book lacks is a fact about the scenario's region: point at the region's line."""
    try:
        _, lines = load_with_lines(text, source)
    except ScenarioError:
        lines = {}
    return ScenarioError(str(err), source=source, line=lines.get(("region",)), field="region")


_NUMBER_TEXT = re.compile(r"^[+-]?(\d[\d_]*\.?\d*|\.\d+)[eE][+-]?\d+$")  # 1e6, which YAML 1.1 reads as text


class _Reader:
    def __init__(self, source: str, lines: dict[tuple, int]):
        self.source, self.lines = source, lines
        self.ranges: list[Range] = []

    def error(self, path: tuple, message: str) -> ScenarioError:
        line = None
        for i in range(len(path), -1, -1):  # the nearest line we know
            if path[:i] in self.lines:
                line = self.lines[path[:i]]
                break
        # List positions show as [i]: features.send.dynamodb[1].item_kb
        dotted = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
        err = ScenarioError(message, source=self.source, line=line, field=dotted)
        err.path = path  # where in the data: the editor drops it to look for the next error
        return err

    # -- primitives

    def mapping(self, value: Any, path: tuple, allowed: tuple[str, ...] | None = None) -> dict:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.error(path, f"must be a mapping, got {_kind(value)}")
        for key in value:
            if not isinstance(key, str):
                raise self.error(path, f"key {key!r} must be a name (text)")
            if allowed is not None and key not in allowed:
                takes = f"allowed: {', '.join(allowed)}" if allowed else "this takes no keys"
                raise self.error(path + (key,), f"unknown key {key!r}; {takes}")
        return value

    def number(
        self, value: Any, path: tuple, low: float = 0.0, high: float = MAX_NUMBER, integer: bool = False
    ) -> float:
        if isinstance(value, dict):
            return self.range(value, path, low, high, integer)
        if isinstance(value, str) and _NUMBER_TEXT.match(value.strip()):
            value = float(value)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(path, f"must be a number, got {_kind(value)}")
        if isinstance(value, int) and abs(value) > MAX_NUMBER:  # before float(): 10**400 has no float
            digits = int(abs(value).bit_length() * 0.30103) + 1  # str() refuses over 4,300 digits
            raise self.error(path, f"must be at most {MAX_NUMBER:g}, got a number of about {digits:,} digits")
        if not math.isfinite(value):
            raise self.error(path, f"must be a finite number, got {value}")
        if value < low or value > high:
            if value < 0 and low == 0:
                raise self.error(path, f"must not be negative, got {value:g}")
            rng = f"at least {low:g}" if high == MAX_NUMBER and value < low else f"between {low:g} and {high:g}"
            raise self.error(path, f"must be {rng}, got {value:g}")
        if integer and value != int(value):
            raise self.error(path, f"must be a whole number, got {value:g}")
        return int(value) if integer else value

    def range(self, value: dict, path: tuple, low: float, high: float, integer: bool) -> float:
        """`{low, mode, high}` or `{low, high}` where a number goes: recorded in `self.ranges`, read as its mode."""
        if path[:1] not in [(s,) for s in RANGED_SECTIONS]:
            raise self.error(path, "must be a number (a range {low, mode, high} is allowed under features and tiers)")
        if integer:
            raise self.error(path, "must be a whole number, not a range")
        d = self.mapping(value, path, ("low", "mode", "high"))
        for required in ("low", "high"):
            if required not in d:
                raise self.error(path, f"a range needs 'low' and 'high' (and may have 'mode'); missing {required!r}")
        ends = {}
        for key in d:
            if isinstance(d[key], dict):
                raise self.error(path + (key,), "must be a number, got a mapping")
            ends[key] = self.number(d[key], path + (key,), low, high)
        lo, hi = ends["low"], ends["high"]
        if lo > hi:
            raise self.error(path, f"range low {lo:g} is above its high {hi:g}")
        mode = ends.get("mode", (lo + hi) / 2)
        if not lo <= mode <= hi:
            raise self.error(path + ("mode",), f"range mode {mode:g} is outside low {lo:g} to high {hi:g}")
        self.ranges.append(Range(path, lo, mode, hi, "mode" not in d, self.lines.get(path)))
        return mode

    def optional(
        self, d: dict, key: str, path: tuple, low: float = 0.0, high: float = MAX_NUMBER, integer: bool = False
    ) -> float | None:
        return None if d.get(key) is None else self.number(d[key], path + (key,), low, high, integer)

    def quotas(self, value: Any) -> dict[str, float]:
        from models.capacity import limits  # the limit names live with the capacity model

        path = ("quotas",)
        return {
            name: self.number(q, path + (name,), 1e-9) for name, q in self.mapping(value, path, tuple(limits())).items()
        }

    def text(self, value: Any, path: tuple) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.error(path, f"must be text, got {_kind(value)}")
        return value

    def choice(self, value: Any, path: tuple, choices: tuple[str, ...]) -> str:
        if value not in choices:
            raise self.error(path, f"must be one of {', '.join(choices)}, got {value!r}")
        return value

    def boolean(self, value: Any, path: tuple) -> bool:
        if not isinstance(value, bool):
            raise self.error(path, f"must be true or false, got {_kind(value)}")
        return value

    def counts(self, value: Any, path: tuple, known: dict, what: str) -> dict[str, float]:
        """A mapping of names the scenario defines (functions, features...) to counts."""
        out = {}
        for name, n in self.mapping(value, path).items():
            if name not in known:
                raise self.error(path + (name,), f"unknown {what} {name!r}" + _known(known))
            out[name] = self.number(n, path + (name,))
        return out

    # -- sections

    def scenario(self, data: Any) -> Scenario:
        keys = tuple(f.name for f in fields(Scenario) if f.name not in ("resources", "ranges")) + tuple(
            sv.section for sv in generic()
        )
        if data is None:
            raise self.error((), "is empty; a scenario needs at least name and region")
        d = self.mapping(data, (), keys)
        for required in ("name", "region"):
            if required not in d:
                raise self.error((), f"missing required key {required!r}")
        hours = self.number(d.get("hours_per_month", 730), ("hours_per_month",), 1, MAX_HOURS_PER_MONTH)
        functions = {
            n: self.function(f, ("functions", n)) for n, f in self.mapping(d.get("functions"), ("functions",)).items()
        }
        websockets = {
            n: self.mapping(w, ("websockets", n), ())
            for n, w in self.mapping(d.get("websockets"), ("websockets",)).items()
        }
        http_apis = {
            n: self.mapping(w, ("http_apis", n), ())
            for n, w in self.mapping(d.get("http_apis"), ("http_apis",)).items()
        }
        tables = {n: self.table(t, ("tables", n)) for n, t in self.mapping(d.get("tables"), ("tables",)).items()}
        services = {
            n: self.service(s, ("services", n)) for n, s in self.mapping(d.get("services"), ("services",)).items()
        }
        s = Scenario(
            peak_to_average=self.number(d.get("peak_to_average", 2.0), ("peak_to_average",), 1, 1000),
            quotas=self.quotas(d.get("quotas")),
            name=self.text(d["name"], ("name",)),
            region=self.text(d["region"], ("region",)),
            free_tier=self.boolean(d.get("free_tier", True), ("free_tier",)),
            hours_per_month=hours,
            functions=functions,
            websockets=websockets,
            http_apis=http_apis,
            tables=tables,
            services=services,
        )
        s = replace(
            s,
            resources={
                sv.section: {
                    n: self.record(r, (sv.section, n), sv.resource, s)
                    for n, r in self.mapping(d.get(sv.section), (sv.section,)).items()
                }
                for sv in generic()
            },
        )
        features = {
            n: self.feature(f, ("features", n), s) for n, f in self.mapping(d.get("features"), ("features",)).items()
        }
        tiers = {n: self.tier(t, ("tiers", n), features) for n, t in self.mapping(d.get("tiers"), ("tiers",)).items()}
        baseline = self.counts(d.get("baseline"), ("baseline",), features, "feature")
        plan = self.plan(d.get("plan"), tiers)
        return replace(
            s,
            features=features,
            tiers=tiers,
            baseline=baseline,
            commitments=self.commitments(d),
            plan=plan,
            ranges=tuple(self.ranges),
        )

    def commitments(self, d: dict) -> dict[str, Commitment]:
        from models.commitments import PLANS, covers

        out = {}
        path = ("commitments",)
        for plan, c in self.mapping(d.get("commitments"), path, tuple(PLANS)).items():
            pp = path + (plan,)
            c = self.mapping(c, pp, ("hourly_usd", "rates"))
            if "hourly_usd" not in c:
                raise self.error(pp, "missing required key 'hourly_usd'")
            rates = {}
            for meter, rate in self.mapping(c.get("rates"), pp + ("rates",)).items():
                if not covers(plan, meter):
                    raise self.error(
                        pp + ("rates", meter),
                        f"the {PLANS[plan][0]} does not cover {meter!r}; it covers meters starting "
                        + ", ".join(PLANS[plan][1]),
                    )
                rates[meter] = self.number(rate, pp + ("rates", meter))
            out[plan] = Commitment(self.number(c["hourly_usd"], pp + ("hourly_usd",), 1e-9), rates)
        return out

    def plan(self, value: Any, tiers: dict) -> Plan:
        """`plan: {growth: {TIER: PCT}, churn: {TIER: PCT}}`: percent per month."""
        path = ("plan",)
        d = self.mapping(value, path, ("growth", "churn"))
        out = {}
        for key, low, high in (("growth", -100.0, MAX_PLAN_GROWTH_PCT), ("churn", 0.0, 100.0)):
            p = path + (key,)
            out[key] = {}
            for name, pct in self.mapping(d.get(key), p).items():
                if name not in tiers:
                    raise self.error(p + (name,), f"unknown tier {name!r}" + _known(tiers))
                if isinstance(pct, dict):
                    raise self.error(p + (name,), "must be a number (percent per month), not a range")
                out[key][name] = self.number(pct, p + (name,), low, high)
        return Plan(**out)

    def function(self, value: Any, path: tuple) -> Function:
        keys = tuple(f.name for f in fields(Function) if f.name != "duration_scaling")
        d = self.mapping(value, path, keys)
        for required in ("memory_mb", "duration_ms"):
            if required not in d:
                raise self.error(path, f"missing required key {required!r}")
        prov = None
        if d.get("provisioned") is not None:
            pp = path + ("provisioned",)
            p = self.mapping(d["provisioned"], pp, tuple(f.name for f in fields(Provisioned) if f.name != "auto"))
            if "concurrency" not in p:
                raise self.error(pp, "missing required key 'concurrency'")
            auto = p["concurrency"] == AUTO
            for key in ("target_utilization", "minimum") if not auto else ("hours",):
                if p.get(key) is not None:
                    raise self.error(
                        pp + (key,),
                        "applies to a fixed concurrency only (auto is sized all month): drop it or set it to null"
                        if auto
                        else "applies to auto concurrency only (concurrency: auto)",
                    )
            prov = Provisioned(
                concurrency=0.0 if auto else self.concurrency(p["concurrency"], pp + ("concurrency",)),
                hours=None
                if p.get("hours") is None
                else self.number(p["hours"], pp + ("hours",), 0, MAX_HOURS_PER_MONTH),
                share=self.number(p.get("share", 1.0), pp + ("share",), 0, 1),
                auto=auto,
                target_utilization=self.number(
                    p.get("target_utilization", 0.7), pp + ("target_utilization",), 0.1, 1.0
                ),
                minimum=self.number(p.get("minimum", 1), pp + ("minimum",), 1, 100_000, integer=True),
            )
        memory_mb = self.number(d["memory_mb"], path + ("memory_mb",), 128, 10240, integer=True)
        dp = path + ("duration_ms",)
        scaling = self.scaling(d["duration_ms"], dp, memory_mb) if isinstance(d["duration_ms"], dict) else None
        return Function(
            memory_mb=memory_mb,
            duration_ms=scaling.at(memory_mb) if scaling else self.number(d["duration_ms"], dp, 0, MAX_DURATION_MS),
            architecture=self.choice(d.get("architecture", "x86_64"), path + ("architecture",), ("x86_64", "arm64")),
            ephemeral_storage_mb=self.number(
                d.get("ephemeral_storage_mb", 512), path + ("ephemeral_storage_mb",), 512, 10240, integer=True
            ),
            cold_start_rate=self.number(d.get("cold_start_rate", 0), path + ("cold_start_rate",), 0, 1),
            init_ms=self.number(d.get("init_ms", 0), path + ("init_ms",), 0, 10_000),
            log_kb=self.number(d.get("log_kb", 0), path + ("log_kb",)),
            provisioned=prov,
            reserved_concurrency=self.optional(d, "reserved_concurrency", path, integer=True),
            peak_to_average=self.optional(d, "peak_to_average", path, low=1, high=1000),
            duration_scaling=scaling,
        )

    def concurrency(self, value: Any, path: tuple) -> float:
        """A fixed provisioned concurrency; a word other than `auto` is named as such."""
        if isinstance(value, str):
            raise self.error(path, f"must be a whole number or {AUTO!r}, got {value!r}")
        return self.number(value, path, integer=True)

    def scaling(self, value: dict, path: tuple, memory_mb: int) -> DurationScaling:
        """`duration_ms: {at_mb, ms, cpu_share, threads}`: how the duration scales with memory."""
        d = self.mapping(value, path, tuple(f.name for f in fields(DurationScaling)))
        for required in ("at_mb", "ms", "cpu_share"):
            if required not in d:
                raise self.error(path, f"missing required key {required!r} (a duration that scales with memory)")
        ms = self.number(d["ms"], path + ("ms",), 0, MAX_DURATION_MS)
        if ms == 0:
            raise self.error(path + ("ms",), "must be more than 0 (the duration measured at at_mb)")
        scaling = DurationScaling(
            at_mb=self.number(d["at_mb"], path + ("at_mb",), 128, 10240, integer=True),
            ms=ms,
            cpu_share=self.number(d["cpu_share"], path + ("cpu_share",), 0, 1),
            threads=self.number(d.get("threads", 1), path + ("threads",), 1, MAX_THREADS, integer=True),
        )
        if scaling.at(memory_mb) > MAX_DURATION_MS:
            raise self.error(
                path,
                f"comes to {scaling.at(memory_mb):,.0f} ms at {memory_mb} MB, over Lambda's "
                f"{MAX_DURATION_MS:,} ms (15-minute) timeout",
            )
        return scaling

    def table(self, value: Any, path: tuple) -> Table:
        d = self.mapping(value, path, TABLE_KEYS)
        capacity = self.choice(d.get("capacity", "on_demand"), path + ("capacity",), ("on_demand", "provisioned"))
        auto = {k: d.get(k) == AUTO for k in ("read_capacity", "write_capacity")}
        t = Table(
            capacity=capacity,
            table_class=self.choice(
                d.get("table_class", "standard"), path + ("table_class",), ("standard", "standard_ia")
            ),
            storage_gb=self.number(d.get("storage_gb", 0), path + ("storage_gb",)),
            gsis=self.number(d.get("gsis", 0), path + ("gsis",), 0, 20, integer=True),
            read_capacity=0.0 if auto["read_capacity"] else self.number(d.get("read_capacity", 0),
                                                                         path + ("read_capacity",)),
            write_capacity=0.0 if auto["write_capacity"] else self.number(d.get("write_capacity", 0),
                                                                           path + ("write_capacity",)),
            peak_to_average=self.optional(d, "peak_to_average", path, low=1, high=1000),
            auto_read=auto["read_capacity"],
            auto_write=auto["write_capacity"],
            target_utilization=self.number(d.get("target_utilization", 0.7), path + ("target_utilization",), 0.2, 0.9),
            minimum=self.number(d.get("minimum", 1), path + ("minimum",), 1, 40_000, integer=True),
        )  # fmt: skip
        for key in ("read_capacity", "write_capacity"):
            if capacity == "on_demand" and (getattr(t, key) or auto[key]):
                raise self.error(path + (key,), "applies to provisioned tables only (capacity: provisioned)")
        for key in ("target_utilization", "minimum"):
            if key in d and not (auto["read_capacity"] or auto["write_capacity"]):
                raise self.error(
                    path + (key,), "applies to auto capacity only (read_capacity: auto or write_capacity: auto)"
                )
        return t

    def service(self, value: Any, path: tuple) -> Service:
        if path[-1] in RESERVED_SERVICES or path[-1] in {sv.name for sv in registry()}:
            raise self.error(path, f"{path[-1]!r} is a built-in service; name it something else")
        d = self.mapping(value, path, ("unit", "price"))
        for required in ("unit", "price"):
            if required not in d:
                raise self.error(path, f"missing required key {required!r}")
        return Service(unit=self.text(d["unit"], path + ("unit",)), price=self.number(d["price"], path + ("price",)))

    def feature(self, value: Any, path: tuple, s: Scenario) -> Feature:
        d = self.mapping(
            value, path, ("lambda", "websocket", "http", "dynamodb", "services", *(sv.use_key for sv in with_uses()))
        )
        ws = http = None
        if d.get("websocket") is not None:
            wp = path + ("websocket",)
            w = self.mapping(d["websocket"], wp, tuple(f.name for f in fields(WebsocketUse)))
            ws = WebsocketUse(
                api=self.api(w.get("api"), wp + ("api",), s.websockets, "WebSocket API", "websockets"),
                messages=self.number(w.get("messages", 0), wp + ("messages",)),
                message_kb=self.number(w.get("message_kb", 1), wp + ("message_kb",), 0, 128),
                connection_minutes=self.number(w.get("connection_minutes", 0), wp + ("connection_minutes",)),
                connects=self.number(w.get("connects", 0), wp + ("connects",)),
            )
        if d.get("http") is not None:
            hp = path + ("http",)
            h = self.mapping(d["http"], hp, tuple(f.name for f in fields(HttpUse)))
            http = HttpUse(
                api=self.api(h.get("api"), hp + ("api",), s.http_apis, "HTTP API", "http_apis"),
                requests=self.number(h.get("requests", 0), hp + ("requests",)),
                request_kb=self.number(h.get("request_kb", 1), hp + ("request_kb",), 0, 10240),
            )
        ops = [] if d.get("dynamodb") is None else d["dynamodb"]
        if not isinstance(ops, list):
            raise self.error(path + ("dynamodb",), f"must be a list of operations, got {_kind(ops)}")
        return Feature(
            invocations=self.counts(d.get("lambda"), path + ("lambda",), s.functions, "function"),
            websocket=ws,
            http=http,
            dynamodb=tuple(self.op(op, path + ("dynamodb", i), s) for i, op in enumerate(ops)),
            services=self.counts(d.get("services"), path + ("services",), s.services, "service"),
            uses={sv.use_key: uses for sv in with_uses() if (uses := self.uses(d.get(sv.use_key), path, sv, s))},
        )

    def uses(self, value: Any, path: tuple, sv, s: Scenario) -> tuple:
        """A feature's uses of one of the registry's services: a list of records of its `Use`."""
        if value is None:
            return ()
        path = path + (sv.use_key,)
        if not isinstance(value, list):
            raise self.error(path, f"must be a list, got {_kind(value)}")
        return tuple(self.record(u, path + (i,), sv.use_type, s) for i, u in enumerate(value))

    def record(self, value: Any, path: tuple, cls: type, s: Scenario) -> Any:
        """A resource or use of the registry's services, read by the ranges declared on its fields."""
        d = self.mapping(value, path, tuple(f.name for f in fields(cls)))
        kw: dict[str, Any] = {}
        for f in fields(cls):
            m, p = spec(f), path + (f.name,)
            if m["kind"] == "ref":
                kw[f.name] = self.api(d.get(f.name), p, s.resources.get(m["section"], {}), m["what"], m["section"])
            elif f.name not in d:
                if f.default is MISSING and f.default_factory is MISSING:
                    raise self.error(path, f"missing required key {f.name!r}")
            elif m["kind"] == "number":
                kw[f.name] = self.number(d[f.name], p, m["low"], m["high"], integer=m["integer"])
            elif m["kind"] == "choice":
                kw[f.name] = self.choice(d[f.name], p, m["choices"])
            elif m["kind"] == "counts":
                given = self.mapping(d[f.name], p, m["keys"])
                kw[f.name] = {k: self.number(given.get(k, 0), p + (k,)) for k in m["keys"]}
        record = cls(**kw)
        # A rule across fields (an Express-only memory_mb): the record's own check, as (field, message).
        if hasattr(record, "problem") and (found := record.problem(set(d))):
            raise self.error(path + (found[0],), found[1])
        return record

    def api(self, name: Any, path: tuple, apis: dict, what: str, section: str) -> str:
        if name is None:
            if len(apis) == 1:
                return next(iter(apis))
            if not apis:
                raise self.error(path[:-1], f"uses a {what} but the scenario defines none under {section}")
            raise self.error(path[:-1], f"needs {path[-1]!r}: the scenario defines {len(apis)} under {section}")
        if not isinstance(name, str):
            raise self.error(path, f"must be the name of a {what}, got {_kind(name)}")
        if name not in apis:
            raise self.error(path, f"unknown {what} {name!r}" + _known(apis))
        return name

    def op(self, value: Any, path: tuple, s: Scenario) -> DynamoOp:
        d = self.mapping(value, path, tuple(f.name for f in fields(DynamoOp)))
        if "table" not in d:
            raise self.error(path, "missing required key 'table'")
        table = d["table"]
        if not isinstance(table, str):
            raise self.error(path + ("table",), f"must be the name of a table, got {_kind(table)}")
        if table not in s.tables:
            raise self.error(path + ("table",), f"unknown table {table!r}" + _known(s.tables))
        if ("reads" in d) == ("writes" in d):
            raise self.error(path, "needs exactly one of 'reads' or 'writes'")
        kind = "reads" if "reads" in d else "writes"
        for key in {"reads": ("transactional", "gsis"), "writes": ("consistency",)}[kind]:
            if key in d:
                raise self.error(path + (key,), f"applies to {'writes' if kind == 'reads' else 'reads'} only")
        max_kb = 1024 if kind == "reads" else 400  # a Query page reads up to 1 MB; an item is at most 400 KB
        return DynamoOp(
            table=table,
            reads=self.number(d["reads"], path + ("reads",)) if kind == "reads" else None,
            writes=self.number(d["writes"], path + ("writes",)) if kind == "writes" else None,
            item_kb=self.number(d.get("item_kb", 1), path + ("item_kb",), 0, max_kb),
            consistency=self.choice(
                d.get("consistency", "eventual"), path + ("consistency",), ("eventual", "strong", "transactional")
            ),
            transactional=self.boolean(d.get("transactional", False), path + ("transactional",)),
            gsis=self.optional(d, "gsis", path, high=20),
            hot_key_share=self.optional(d, "hot_key_share", path, high=1),
        )

    def tier(self, value: Any, path: tuple, features: dict) -> PricingTier:
        d = self.mapping(value, path, ("users", "price", "uses"))
        if "users" not in d:
            raise self.error(path, "missing required key 'users'")
        return PricingTier(
            users=self.number(d["users"], path + ("users",)),
            price=self.number(d.get("price", 0), path + ("price",)),
            uses=self.counts(d.get("uses"), path + ("uses",), features, "feature"),
        )


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {
        bool: "true/false",
        int: "a number",
        float: "a number",
        str: f"text {value!r}",
        list: "a list",
        dict: "a mapping",
    }.get(type(value), type(value).__name__)


def _known(names: dict) -> str:
    return f" (defined: {', '.join(names)})" if names else " (none defined)"


# ---------------------------------------------------------------- writing


def to_dict(s: Scenario) -> dict:
    """The scenario as format-1 data, defaults left out so the file stays short."""
    out: dict[str, Any] = {"name": s.name, "region": s.region}
    out |= _changed(s, ("free_tier", "hours_per_month", "peak_to_average"))
    if s.quotas:
        out["quotas"] = dict(s.quotas)
    sections = {
        "functions": {n: _function(f) for n, f in s.functions.items()},
        "websockets": {n: dict(w) for n, w in s.websockets.items()},
        "http_apis": {n: dict(h) for n, h in s.http_apis.items()},
        "tables": {n: _table(t) for n, t in s.tables.items()},
        "services": {n: {"unit": v.unit, "price": v.price} for n, v in s.services.items()},
        **{sv.section: {n: _record(r) for n, r in s.resources.get(sv.section, {}).items()} for sv in generic()},
        "features": {n: _feature(f) for n, f in s.features.items()},
        "tiers": {n: {"users": t.users, "price": t.price, "uses": dict(t.uses)} for n, t in s.tiers.items()},
        "baseline": dict(s.baseline),
        "commitments": {p: {"hourly_usd": c.hourly_usd, "rates": dict(c.rates)} for p, c in s.commitments.items()},
    }
    out |= {k: v for k, v in sections.items() if v}
    plan = {k: dict(v) for k, v in (("growth", s.plan.growth), ("churn", s.plan.churn)) if v}
    if plan:
        out["plan"] = plan
    for r in s.ranges:
        put_range(out, r)
    return out


def put_range(data: dict, r: Range) -> None:
    """Write a range back where its mode stands; a number no longer at the mode (edited since) drops its range."""
    node: Any = data
    for k in r.key[:-1]:
        try:
            node = node[k]
        except (KeyError, IndexError, TypeError):
            return
    last = r.key[-1]
    if not isinstance(node, dict):
        return
    value = node.get(last, r.mode)  # a default left out of the file: the mode was the default
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isclose(value, r.mode, rel_tol=1e-12):
        node[last] = r.to_data()


def _changed(obj: Any, names: tuple[str, ...] | None = None) -> dict:
    """Fields of a dataclass that are required or differ from their default."""
    return {
        f.name: getattr(obj, f.name)
        for f in fields(obj)
        if (names is None or f.name in names) and (f.default is MISSING or getattr(obj, f.name) != f.default)
    }


def _table(t: Table) -> dict:
    d = _changed(t)
    for key, auto in (("read_capacity", d.pop("auto_read", False)), ("write_capacity", d.pop("auto_write", False))):
        if auto:
            d[key] = AUTO
    return d


def _function(f: Function) -> dict:
    d = _changed(f)
    d.pop("provisioned", None)
    if f.duration_scaling is not None:  # written back as given, not as the duration it comes to
        d["duration_ms"] = _changed(f.duration_scaling)
        d.pop("duration_scaling")
    if f.provisioned is not None:
        d["provisioned"] = _changed(f.provisioned)
        if f.provisioned.hours is None:
            d["provisioned"].pop("hours", None)
        if d["provisioned"].pop("auto", False):
            d["provisioned"]["concurrency"] = AUTO
    return d


def _feature(f: Feature) -> dict:
    d: dict[str, Any] = {}
    if f.invocations:
        d["lambda"] = dict(f.invocations)
    if f.websocket is not None:
        d["websocket"] = _changed(f.websocket)
        d["websocket"]["api"] = f.websocket.api
    if f.http is not None:
        d["http"] = _changed(f.http)
        d["http"]["api"] = f.http.api
    if f.dynamodb:
        d["dynamodb"] = [{k: v for k, v in _changed(op).items() if v is not None} for op in f.dynamodb]
    if f.services:
        d["services"] = dict(f.services)
    for key, uses in f.uses.items():
        d[key] = [_record(u) for u in uses]
    return d


def _record(r: Any) -> dict:
    """A resource or use of the registry's services: fields that differ from their default, references always."""
    out = {}
    for f in fields(r):
        v = getattr(r, f.name)
        default = f.default_factory() if f.default_factory is not MISSING else f.default
        if spec(f)["kind"] == "ref" or v != default:
            out[f.name] = dict(v) if isinstance(v, dict) else v
    return out


def to_yaml(s: Scenario) -> str:
    return yaml.safe_dump(to_dict(s), sort_keys=False, default_flow_style=None, width=110, allow_unicode=True)

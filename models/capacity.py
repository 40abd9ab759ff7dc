"""Capacity: for the scenario's peak load, each limit's demand, its quota, and the number of users
at which it is reached (every tier keeping its share of users).

Peak rate = average rate over the month x peak_to_average (scenario default 2, overridable per
function and per table). Demand grows linearly with users from what `baseline` uses, so the users
at a limit solve peak(users) = quota exactly; a limit that does not grow with users has none.
Quotas are AWS's defaults unless the scenario's `quotas:` raises them.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.ratios import ratio
from models.scenario import Scenario
from pricing import dynamodb
from pricing.services import generic, with_uses
from pricing.services.aws_lambda import billed_ms

# limit -> (default quota, unit, what it is). Per-second rates, or concurrent executions.
LIMITS = {
    "lambda_concurrency": (1000, "concurrent executions", "Lambda concurrent executions per account and region"),
    "apigw_requests_per_second": (10_000, "requests/s", "API Gateway requests per account (HTTP + WebSocket)"),
    "websocket_new_connections_per_second": (500, "connections/s", "new WebSocket connections per account"),
    "dynamodb_read_units_per_second": (40_000, "RRU/s", "read units per on-demand table"),
    "dynamodb_write_units_per_second": (40_000, "WRU/s", "write units per on-demand table"),
    "dynamodb_partition_read_units_per_second": (3_000, "RRU/s", "read units per partition key"),
    "dynamodb_partition_write_units_per_second": (1_000, "WRU/s", "write units per partition key"),
}


# limit -> (its name for people, what one resource of it is). The registry services' quotas carry their own.
TITLES = {
    "lambda_concurrency": ("Lambda concurrency", "function"),
    "apigw_requests_per_second": ("API Gateway request rate", ""),
    "websocket_new_connections_per_second": ("WebSocket new connection rate", ""),
    "dynamodb_read_units_per_second": ("DynamoDB read throughput", "table"),
    "dynamodb_write_units_per_second": ("DynamoDB write throughput", "table"),
    "dynamodb_partition_read_units_per_second": ("DynamoDB hot-key read throughput", "table"),
    "dynamodb_partition_write_units_per_second": ("DynamoDB hot-key write throughput", "table"),
}


def limit_name(limit: str, resource: str) -> str:
    """A limit as people say it: "DynamoDB write throughput, table messages", "Lambda concurrency, account".
    A limit the model does not know keeps its identifier."""
    known = TITLES | {q.limit: (q.title, q.noun) for sv in generic() for q in sv.quotas if q.title}
    title, noun = known.get(limit, (limit, ""))
    if resource == "account":
        return f"{title}, account"
    return f"{title}, {noun} {resource}" if noun else f"{title}, {resource}"


def limits() -> dict[str, tuple[float, str, str]]:
    """Every limit the model knows: the built-in ones above and the registry services' QUOTAS."""
    return LIMITS | {q.limit: (q.default, q.unit, q.what) for sv in generic() for q in sv.quotas}


# Users at a limit beyond this are reported as not reached: no product has them, and the figure would only
# say that the load per user is negligible (1e-300 writes per use gives 1e300 users, or an overflow).
MAX_USERS_AT_LIMIT = 1e15
SCALING_ENVIRONMENTS_PER_10S = 1000  # Lambda adds at most this many environments per function every 10 s
MAX_CONNECTION_MINUTES = 120
IDLE_TIMEOUT_MINUTES = 10


@dataclass(frozen=True)
class Limit:
    """One limit at the scenario's peak: its demand against the quota, and the users at which they meet."""

    limit: str
    resource: str  # "account", or a function or table name
    quota: float
    peak: float  # in the limit's unit, at the scenario's users
    utilization: float | None  # peak / quota; None when the quota is 0 and there is load
    users_at_limit: float | None  # total users at which peak reaches quota; None if it does not grow with users
    unit: str
    note: str = ""

    def to_json(self) -> dict:
        return dict(vars(self))


@dataclass(frozen=True)
class _Demand:
    """Peak demand of one part of a limit: base + per_user x users, never below floor."""

    base: float
    per_user: float
    floor: float = 0.0

    def at(self, users: float) -> float:
        return max(self.floor, self.base + self.per_user * users)


def capacity(s: Scenario) -> tuple[list[Limit], list[str]]:
    """The limits, sorted by the users at which they are reached (first hit first), and notes."""
    seconds = s.hours_per_month * 3600
    users_now = s.users
    share = {n: (t.users / users_now if users_now else 0.0) for n, t in s.tiers.items()}
    base_uses = {f: s.baseline.get(f, 0.0) for f in s.features}
    uses_per_user = {f: sum(share[n] * t.uses.get(f, 0.0) for n, t in s.tiers.items()) for f in s.features}

    def demand(per_use, peak: float, floor: float = 0.0) -> _Demand:
        """Peak per-second demand of a quantity given per use of each feature."""
        base = sum(base_uses[f] * per_use(f, feat) for f, feat in s.features.items())
        slope = sum(uses_per_user[f] * per_use(f, feat) for f, feat in s.features.items())
        return _Demand(base / seconds * peak, slope / seconds * peak, floor)

    def per_resource(amounts) -> dict[tuple, _Demand]:
        """Monthly (base, slope) of a quantity per resource key, from (feature, key, amount per use) triples:
        one pass over the features, however many functions or tables (not one pass per resource)."""
        sums: dict[tuple, list[float]] = {}
        for f, key, q in amounts:
            b = sums.setdefault(key, [0.0, 0.0])
            b[0] += base_uses[f] * q
            b[1] += uses_per_user[f] * q
        return {k: _Demand(b / seconds, m / seconds) for k, (b, m) in sums.items()}

    def scaled(d: _Demand | None, factor: float, floor: float = 0.0) -> _Demand:
        return _Demand(0.0, 0.0, floor) if d is None else _Demand(d.base * factor, d.per_user * factor, floor)

    found: list[Limit] = []
    notes: list[str] = []
    known = limits()

    def add(limit: str, resource: str, parts: list[_Demand], quota: float | None = None, note: str = "") -> None:
        default, unit, _ = known.get(limit, (0, "", ""))
        q = s.quotas.get(limit, default) if quota is None else quota
        peak = sum(p.at(users_now) for p in parts)
        # A zero quota (a provisioned table with no capacity) is full at any load: utilisation has no number.
        utilization = ratio(peak, q) if peak else 0.0  # None: no quota (or a vanishing one) under load is full
        users_at = _users_at(q, parts)
        if users_at is not None and not users_at <= MAX_USERS_AT_LIMIT:
            users_at = None
            note = "; ".join(filter(None, [note, "not reached below 1e15 users"]))
        found.append(Limit(limit, resource, q, peak, utilization, users_at, unit, note))

    # Lambda: Little's law, concurrency = arrival rate x time in the function (INIT of cold starts included).
    account = []
    invoked = per_resource((f, (n,), q) for f, feat in s.features.items() for n, q in feat.invocations.items())
    for name, fn in s.functions.items():
        busy_s = (fn.duration_ms + fn.cold_start_rate * fn.init_ms) / 1000
        peak = fn.peak_to_average or s.peak_to_average
        pc, invocations = fn.provisioned, invoked.get((name,))
        if pc and pc.auto:
            # Sized environments held above their share's peak at the target (each as long as an invocation
            # bills: provisioned environments are initialised ahead), and the rest of the invocations on demand.
            served_s = billed_ms(fn.duration_ms) / 1000
            parts = [
                scaled(invocations, served_s * pc.share * peak / pc.target_utilization, pc.minimum),
                scaled(invocations, busy_s * (1 - pc.share) * peak),
            ]
        else:
            parts = [scaled(invocations, busy_s * peak, pc.concurrency if pc else 0)]
        peak_now = sum(d.at(users_now) for d in parts)
        if peak_now > SCALING_ENVIRONMENTS_PER_10S:
            notes.append(
                f"{name}: peak concurrency {peak_now:,.0f} is above the 1,000 new environments "
                "a function gets every 10 s; a sudden spike will throttle until it scales"
            )
        if fn.reserved_concurrency is not None:
            add("lambda_concurrency", name, parts, quota=fn.reserved_concurrency, note="reserved concurrency")
            account.append(_Demand(fn.reserved_concurrency, 0.0))  # taken from the account pool
        else:
            account.extend(parts)
    if s.functions:
        add("lambda_concurrency", "account", account)

    def ws(feat):
        return feat.websocket

    if s.websockets or s.http_apis:
        add(
            "apigw_requests_per_second",
            "account",
            [
                demand(
                    lambda _f, feat: (
                        (ws(feat).messages + ws(feat).connects if ws(feat) else 0.0)
                        + (feat.http.requests if feat.http else 0.0)
                    ),
                    s.peak_to_average,
                )
            ],
        )
    if s.websockets:
        add(
            "websocket_new_connections_per_second",
            "account",
            [demand(lambda _f, feat: ws(feat).connects if ws(feat) else 0.0, s.peak_to_average)],
        )
        for f, feat in s.features.items():
            w = feat.websocket
            if w and w.connects and w.connection_minutes:
                minutes = w.connection_minutes / w.connects
                if minutes > MAX_CONNECTION_MINUTES:
                    notes.append(
                        f"{f}: sessions of {minutes:,.0f} min exceed the 2-hour WebSocket connection "
                        "cap; clients must reconnect (each reconnect is a new connection)"
                    )
                elif minutes > IDLE_TIMEOUT_MINUTES:
                    notes.append(
                        f"{f}: sessions of {minutes:,.0f} min outlast the 10-minute idle timeout "
                        "unless the client sends heartbeats"
                    )

    ops = [(f, op) for f, feat in s.features.items() for op in feat.dynamodb]
    # The table's own limits: GSIs have limits of their own and never carry more than the table.
    units = {
        "read": lambda op: dynamodb.units_of(s.tables[op.table], op).read,
        "write": lambda op: dynamodb.units_of(s.tables[op.table], op).write,
    }
    table_units = per_resource((f, (op.table, k), units[k](op)) for f, op in ops for k in units)
    hot_units = per_resource(
        (f, (op.table, k), units[k](op) * op.hot_key_share)
        for f, op in ops
        for k in units
        if op.hot_key_share is not None and (op.reads is None) == (k == "write")
    )
    for name, table in s.tables.items():
        peak = table.peak_to_average or s.peak_to_average
        provisioned = table.capacity == "provisioned"
        for kind in units:
            d = scaled(table_units.get((name, kind)), peak)
            fixed = provisioned and not table.auto(kind)  # auto capacity grows with the load, up to the table quota
            quota = (table.read_capacity if kind == "read" else table.write_capacity) if fixed else None
            note = (
                ("provisioned capacity" if fixed else "auto-scaled capacity, up to the table quota")
                if provisioned
                else ""
            )
            add(f"dynamodb_{kind}_units_per_second", name, [d], quota, note=note)
            if (name, kind) in hot_units:
                hot = scaled(hot_units[(name, kind)], peak)
                add(f"dynamodb_partition_{kind}_units_per_second", name, [hot], note="hottest partition key")

    # The registry's services: each quota's per-second peak, over the account or per resource.
    for sv in with_uses():
        for qt in sv.quotas:
            resources = s.resources.get(sv.section, {})
            amounts = (
                (f, (getattr(u, sv.ref_field) if qt.scope == "resource" else "account",), qt.per_use(u, r))
                for f, feat in s.features.items()
                for u in sv.uses_of(feat)
                for r in [resources[getattr(u, sv.ref_field)]]
                if qt.applies is None or qt.applies(r)
            )
            for (resource,), d in per_resource(amounts).items():
                quota = s.quotas.get(qt.limit, qt.default_in(s.region))
                add(qt.limit, resource, [scaled(d, s.peak_to_average)], quota)

    found.sort(key=lambda x: (x.users_at_limit is None, x.users_at_limit or 0.0, -(x.utilization or 0.0)))
    return found, notes


def _users_at(quota: float, parts: list[_Demand]) -> float | None:
    """Smallest total users at which sum(parts) reaches quota. The sum is piecewise linear and
    non-decreasing in users (a part is flat until it rises above its floor), so solve it exactly
    segment by segment."""
    if not any(p.per_user > 0 for p in parts):
        return None
    if sum(p.at(0.0) for p in parts) >= quota:
        return 0.0
    corners = sorted({0.0} | {(p.floor - p.base) / p.per_user for p in parts if p.per_user > 0 and p.floor > p.base})
    for lo, hi in zip(corners, corners[1:] + [float("inf")]):
        total_lo = sum(p.at(lo) for p in parts)
        slope = sum(p.per_user for p in parts if p.base + p.per_user * lo >= p.floor and p.per_user > 0)
        if slope > 0:
            u = lo + float(quota - total_lo) / float(slope)  # Python floats: a vanishing slope gives inf, no warning
            if u <= hi:
                return u
    return None


def utilization_curve(s: Scenario, users: list[float]) -> dict[tuple[str, str], list[float | None]]:
    """Utilisation of each limit at each total user count (tiers keeping their share), for charts."""
    curves: dict[tuple[str, str], list[float | None]] = {}
    for u in users:
        for c in capacity(s.with_users(u))[0]:
            curves.setdefault((c.limit, c.resource), []).append(c.utilization)
    return curves

"""Observed usage -> a scenario (format 1) that describes the observed month.

The apportioning rule (also written into the file as a comment):
- one feature per Lambda function with invocations, named after it; one use = one invocation;
- WebSocket messages: a route's own MessageCount (detailed metrics) goes to the function behind that route,
  and the rest of the API's messages (replies, fan-out) in proportion to those routed messages; without
  route metrics, an API's messages are shared over the functions its routes call in proportion to their
  invocations (over all functions when the account has one WebSocket API whose routes call none of them);
- connection minutes = ConnectCount x session minutes (CloudWatch has no metric for them); they go to the
  function behind $connect, else they are shared like messages;
- DynamoDB units of every table are shared over all functions in proportion to invocations;
- what no function can carry (no invocations at all) goes to an `unattributed...` feature used once a month.

Consumed units are written so the engine's unit rules give them back exactly: a read of 4 KB, strongly
consistent, is 1 RRU; a write of 1 KB is 1 WRU, plus `gsis` GSI writes per write, where
gsis = GSI consumed WCU / table consumed WCU.
"""

from __future__ import annotations

from collections import defaultdict

import yaml

from usage.errors import one_line
from usage.observed import ObservedUsage

DEFAULT_SESSION_MINUTES = 5.0  # a typical chat visit; API Gateway closes idle connections at 10 minutes
MAX_OP_GSIS = 20  # what a scenario accepts for an op's gsis


def _r(x: float) -> float | int:
    """7 significant digits: exact enough for 1e-6 agreement, short enough to read."""
    v = float(f"{x:.7g}")
    return int(v) if v.is_integer() and abs(v) < 1e15 else v


def scenario_dict(
    obs: ObservedUsage,
    users: int | None = None,
    session_minutes: float = DEFAULT_SESSION_MINUTES,
    name: str | None = None,
    cold_start_rate: float | None = None,
    init_ms: float | None = None,
) -> dict:
    """The scenario as format-1 data; `users` puts the observed month on one tier `observed`."""
    if users is not None and users <= 0:
        raise ValueError("users must be positive")
    fns = obs.functions
    invocations = {f: u.monthly_invocations for f, u in fns.items() if u.monthly_invocations > 0}
    uses: dict[str, float] = dict(invocations)  # monthly uses by feature
    lambda_use: dict[str, dict] = {f: {f: 1} for f in invocations}
    ws: dict[str, dict] = {}  # feature -> {api, messages, connection_minutes, connects} (monthly)
    ops: dict[str, list] = defaultdict(list)  # feature -> [(table, reads, writes, GSI writes)], monthly
    services: dict[str, dict[str, float]] = defaultdict(dict)  # feature -> service -> monthly units

    def share(total: float, among: list[str]) -> dict[str, float]:
        weight = sum(invocations[f] for f in among)
        return {f: total * invocations[f] / weight for f in among}

    def leftover(feature: str) -> str:
        uses.setdefault(feature, 1.0)  # used once a month: per-use = the monthly total
        return feature

    claimed: dict[str, str] = {}  # function -> the API its feature carries (a feature names one API)
    for api_name, w in obs.websockets.items():
        among = [f for f in w.config.functions() if f in invocations and f not in claimed]
        if not among and len(obs.websockets) == 1:
            among = [f for f in invocations if f not in claimed]
        messages = w.monthly_messages
        minutes = w.monthly_connects * session_minutes
        per_fn: dict[str, list[float]] = {f: [0.0, 0.0, 0.0] for f in among}  # [messages, minutes, connects]
        route_fn = {r.key: r.function for r in w.config.routes}
        routed: dict[str, float] = defaultdict(float)
        for key, count in w.route_messages.items():
            if route_fn.get(key) in per_fn:
                routed[route_fn[key]] += count * w.factor
        routed_total = sum(routed.values())
        scale = min(1.0, messages / routed_total) if routed_total else 0.0  # never more than the API total
        for f, m in routed.items():
            per_fn[f][0] += m * scale
        rest = messages - routed_total * scale
        connect_fn = route_fn.get("$connect")
        if among:
            # Replies and fan-out (posted to connections, outside any route) follow the routed messages;
            # without route metrics, invocations are the best guide.
            split = {f: rest * m / routed_total for f, m in routed.items()} if routed_total else share(rest, among)
            for f, m in split.items():
                per_fn[f][0] += m
            # Connections (and their minutes) go with the $connect function.
            targets = {connect_fn: 1.0} if connect_fn in per_fn else share(1.0, among)
            for f, part in targets.items():
                per_fn[f][1] += minutes * part
                per_fn[f][2] += w.monthly_connects * part
            for f, (m, c, n) in per_fn.items():
                claimed[f] = api_name
                ws[f] = {"api": api_name, "messages": m, "connection_minutes": c, "connects": n}
        elif messages or minutes:
            ws[leftover(f"unattributed_{api_name}")] = {
                "api": api_name,
                "messages": messages,
                "connection_minutes": minutes,
                "connects": w.monthly_connects,
            }

    for table, t in obs.tables.items():
        reads = t.monthly_read_units
        writes = t.write_units * t.factor
        gsi_writes = sum(t.gsi_write_units.values()) * t.factor
        if not (reads or writes or gsi_writes):
            continue
        targets = share(1.0, list(invocations)) if invocations else {leftover("unattributed"): 1.0}
        for f, part in targets.items():
            ops[f].append((table, reads * part, writes * part, gsi_writes * part))

    for service, s in obs.services.items():
        f = s.function if s.function in invocations else leftover("unattributed")
        services[f][service] = services[f].get(service, 0.0) + s.monthly_units

    features: dict[str, dict] = {}
    for f, n in uses.items():
        feat: dict = {}
        if f in lambda_use:
            feat["lambda"] = lambda_use[f]
        if f in ws:
            w = ws[f]
            feat["websocket"] = {
                "api": w["api"],
                "messages": _r(w["messages"] / n),
                "message_kb": 1,
                "connection_minutes": _r(w["connection_minutes"] / n),
                "connects": _r(w["connects"] / n),
            }
        dynamodb = []
        for table, reads, writes, gsi_writes in ops.get(f, []):
            if reads:
                dynamodb.append({"table": table, "reads": _r(reads / n), "item_kb": 4, "consistency": "strong"})
            if writes and gsi_writes / writes <= MAX_OP_GSIS:
                dynamodb.append(
                    {"table": table, "writes": _r(writes / n), "item_kb": 1, "gsis": _r(gsi_writes / writes)}
                )
            elif writes or gsi_writes:  # GSI writes with (almost) no table writes: bill them as plain WRU
                dynamodb.append({"table": table, "writes": _r((writes + gsi_writes) / n), "item_kb": 1, "gsis": 0})
        if dynamodb:
            feat["dynamodb"] = dynamodb
        if services.get(f):
            feat["services"] = {k: _r(v / n) for k, v in services[f].items()}
        features[f] = feat

    scenario: dict = {
        "name": name or f"Observed usage ({obs.source}, {obs.region})",
        "region": obs.region,
        "free_tier": True,
        "hours_per_month": _r(obs.hours_per_month),
        "functions": {f: _function(u, cold_start_rate, init_ms) for f, u in fns.items()},
        "websockets": {a: {} for a in obs.websockets},
        "tables": {t: _table(u) for t, u in obs.tables.items()},
        "services": {k: {"unit": s.unit, "price": s.price} for k, s in obs.services.items()},
        "features": features,
    }
    if users:
        scenario["tiers"] = {
            "observed": {"users": users, "price": 0, "uses": {f: _r(n / users) for f, n in uses.items()}}
        }
    else:
        scenario["baseline"] = {f: _r(n) for f, n in uses.items()}
    return {k: v for k, v in scenario.items() if v != {} or k in ("name", "region")}


def _function(u, cold_start_rate: float | None, init_ms: float | None) -> dict:
    c = u.config
    d: dict = {
        "memory_mb": c.memory_mb,
        "architecture": c.architecture,
        "duration_ms": _r(round(u.duration_ms, 3)),
        "ephemeral_storage_mb": c.ephemeral_storage_mb,
    }
    if cold_start_rate is not None:
        d["cold_start_rate"] = cold_start_rate
    if init_ms is not None:
        d["init_ms"] = init_ms
    if c.provisioned_concurrency > 0:
        d["provisioned"] = {"concurrency": c.provisioned_concurrency}
        if u.pc_invocations is not None and u.invocations > 0:
            d["provisioned"]["share"] = _r(min(1.0, u.pc_invocations / u.invocations))
    return d


def _table(u) -> dict:
    c = u.config
    d: dict = {
        "capacity": c.capacity,
        "table_class": c.table_class,
        "storage_gb": _r(u.storage_gb),
        "gsis": min(len(c.gsis), MAX_OP_GSIS),
    }
    if c.capacity == "provisioned":
        d["read_capacity"] = _r(c.read_capacity)
        d["write_capacity"] = _r(c.write_capacity)
    return d


IMPORT_RULE = [
    "Apportioning rule: one feature per Lambda function, one use = one invocation. WebSocket messages:",
    "per-route MessageCount goes to the function behind the route and the rest (replies, fan-out) in",
    "proportion to it; without route metrics, messages are shared over the API's functions in proportion",
    "to invocations. Connection minutes go to the $connect function. DynamoDB units of every table are",
    "shared over all functions in proportion to invocations.",
]


def header(
    obs: ObservedUsage,
    users: int | None,
    session_minutes: float,
    rule: list[str] | None = None,
    tiers: list[str] | None = None,
) -> list[str]:
    """The comment block at the top of the file: where the numbers come from and how they were split.
    `rule` and `tiers` replace the import's apportioning rule and tier lines (the demo account has its own)."""
    w = obs.window
    lines = [
        f"Written by unitcost import from the {obs.source}, region {obs.region}.",
        f"Window: {w.start:%Y-%m-%d %H:%M} to {w.end:%Y-%m-%d %H:%M} UTC ({w.hours} h), hourly CloudWatch data.",
        f"Monthly = observed x {obs.hours_per_month:g} / hours observed (the window, or from the creation hour",
        "when a resource was created inside it: then only its datapoints from that hour on are counted; earlier",
        "ones are not its own, an earlier table of the same name, and are listed in a NOTE). Hours without",
        "datapoints count as zero usage.",
        *(rule or IMPORT_RULE),
        f"Connection minutes = ConnectCount x {session_minutes:g} min (--session-minutes; CloudWatch has no",
        "metric for them).",
        "duration_ms = Duration Sum / Invocations: excludes the INIT phase of cold starts (billed since",
        "2025-08-01; set cold_start_rate and init_ms) and the per-invocation rounding up to 1 ms.",
        "DynamoDB: consumed units as 4 KB strong reads (1 RRU each) and 1 KB writes (1 WRU each) with",
        "gsis = GSI WCU / table WCU.",
    ]
    if tiers is not None:
        lines += tiers
    else:
        lines.append(f"Tier: observed, {users:,} users." if users else "Tier: none (no user count); usage on baseline.")
    for kind, name, cov in obs.no_data():
        where = "since its creation" if cov.created else "in the window"
        lines.append(f"NO DATA: {kind} {name}: no datapoints {where}; it carries no usage here.")
    for kind, name, cov in obs.partial():
        lines.append(f"PARTIAL: {kind} {name}: {cov.describe()}.")
    return lines + gap_lines(obs)


def gap_lines(obs: ObservedUsage) -> list[str]:
    """What the file lacks or assumes, one line each: what could not be read, configurations assumed,
    CloudWatch errors on some metrics. The import also prints them on stderr."""
    lines = []
    for m in obs.missing:
        need = f" (needs {m.permission})" if m.permission else ""
        lines.append(f"MISSING: {m.what}: {m.reason}{need}.")
    return [one_line(line, limit=10_000) for line in lines + [f"NOTE: {n}" for n in obs.notes]]


def scenario_yaml(
    obs: ObservedUsage, users: int | None = None, session_minutes: float = DEFAULT_SESSION_MINUTES, **kwargs
) -> str:
    """The scenario as YAML text with the comment header."""
    data = scenario_dict(obs, users=users, session_minutes=session_minutes, **kwargs)
    return with_header(data, header(obs, users, session_minutes))


def with_header(data: dict, lines: list[str]) -> str:
    """Scenario data as YAML text under a comment block, one `# ` line each."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml when present: 10x faster on big accounts
    body = yaml.dump(data, Dumper=dumper, sort_keys=False, default_flow_style=False, width=110, allow_unicode=True)
    return "".join(f"# {one_line(line, limit=10_000)}\n" for line in lines) + body

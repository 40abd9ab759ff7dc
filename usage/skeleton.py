"""Observed usage poured into a skeleton scenario (`cli.py import ... --scenario SKELETON`), such as one `init`
wrote from a template: the skeleton's names, features and structure are kept, and the counts are the account's.

Matching. A skeleton's resources are named by the template's logical IDs (`ChatFunction`), the account's by
their physical names (`chat-ChatFunction-1A2B3C`). A skeleton name matches the account resource whose stack
logical ID it is (with --stack), else the one of the same name, else the one name with the skeleton name as a
whole `-`-separated part (CloudFormation's generated names). What matches nothing is listed, both ways.

The apportioning rule (also written into the file's header, `SKELETON_RULE`):
- a feature's monthly uses: its WebSocket route's own MessageCount where detailed metrics exist (the feature
  named after the route key as `init` names it, on the API it names), ConnectCount for the `$connect` route; else the
  invocations left of the functions it invokes, after the features measured so, shared equally over the
  features that invoke the function, divided by the invocations per use;
- WebSocket messages: the routed count goes to the route's feature, the rest of the API's (replies, fan-out)
  in proportion to the routed counts; without route metrics, over the API's features whose skeleton has
  messages (none: to `unattributed`), in proportion to their uses. Connection minutes (ConnectCount x session
  minutes) go to the `$connect` feature, else over the API's features by uses;
- DynamoDB: each table's consumed read units go over the features with a read operation on that table, its
  write and GSI write units over those with a write operation on it (not over every function), in proportion
  to the invocations each feature makes of its functions (its uses, when it invokes none). A feature's first
  read (write) operation on the table carries them, its item size and consistency kept: reads = units per
  use / units per read; gsis = GSI units / table units per write. Units with no feature to carry them go to a
  feature `unattributed`, used once a month;
- functions and tables take the account's configuration (memory, architecture, capacity mode...) and the
  observed duration and storage; a difference from the skeleton is a note.
The observed month goes on a tier `observed` (--users) or on `baseline`; the skeleton's tiers are replaced.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

from models.scenario import Scenario
from pricing.services.dynamodb import gsi_write_units, read_units, write_units
from usage.errors import one_line
from usage.observed import ObservedUsage
from usage.to_scenario import MAX_OP_GSIS, _function, _r, _table, header

SKELETON_RULE = [
    "Apportioning rule (skeleton): the skeleton's features, names and structure are kept. A feature's uses are",
    "its WebSocket route's MessageCount (detailed metrics; ConnectCount for $connect), else its share of the",
    "invocations of the functions it invokes. Messages follow the routed counts; connection minutes go to the",
    "$connect feature. Each table's read units go over the features that read it and its write units over",
    "those that write it, in proportion to their invocations.",
]


DYNAMODB_LINES = [  # usage.to_scenario.header's, replaced
    "DynamoDB: consumed units as 4 KB strong reads (1 RRU each) and 1 KB writes (1 WRU each) with",
    "gsis = GSI WCU / table WCU.",
]


@dataclass
class Poured:
    data: dict  # the scenario
    lines: list[str]  # the header
    unmatched: list[str]  # one line each: in the account, not in the skeleton, and the reverse
    notes: list[str]


def match(skeleton: list[str], account: list[str], logical: dict[str, str]) -> dict[str, str]:
    """Skeleton name -> account name: by stack logical ID, by name, by name part (see the module's doc)."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    by_logical = {lid: phys for phys, lid in logical.items() if phys in account}
    for rule in ("logical", "exact", "part"):
        for name in skeleton:
            if name in out:
                continue
            if rule == "logical":
                found = [by_logical[name]] if name in by_logical else []
            elif rule == "exact":
                found = [name] if name in account else []
            else:
                found = [a for a in account if name in a.split("-")]
            found = [a for a in found if a not in taken]
            if len(found) == 1:
                out[name] = found[0]
                taken.add(found[0])
    return out


def pour(
    obs: ObservedUsage,
    data: dict,
    skeleton: Scenario,
    source: str,
    users: int | None = None,
    session_minutes: float = 5.0,
    cold_start_rate: float | None = None,
    init_ms: float | None = None,
) -> Poured:
    """The skeleton's data (as parsed from its file) with the observed month in it."""
    data = copy.deepcopy(data)
    notes: list[str] = []
    unmatched: list[str] = []
    logical = obs.logical_ids
    fn_of = match(list(skeleton.functions), list(obs.functions), logical)
    api_ids = {w.config.api_id: n for n, w in obs.websockets.items()}
    ws_of = match(list(skeleton.websockets), list(obs.websockets), {api_ids.get(k, k): v for k, v in logical.items()})
    table_of = match(list(skeleton.tables), list(obs.tables), logical)

    for kind, mine, theirs, matched in (
        ("function", skeleton.functions, obs.functions, fn_of),
        ("WebSocket API", skeleton.websockets, obs.websockets, ws_of),
        ("table", skeleton.tables, obs.tables, table_of),
    ):
        for name in mine:
            if name not in matched:
                unmatched.append(f"in the skeleton, not in the account: {kind} {name}; it keeps no usage")
        found = set(matched.values())
        for name in theirs:
            if name not in found:
                unmatched.append(
                    f"in the account, not in the skeleton: {kind} {name} ({_usage(kind, theirs[name])}); "
                    "not in the scenario"
                )
    for name, s in obs.services.items():
        unmatched.append(
            f"in the account, not in the skeleton: {name} ({s.monthly_units:,.0f} {s.unit}s/month); not in the scenario"
        )
    for section, resources in skeleton.resources.items():
        for name in resources:
            notes.append(f"{section} {name}: not read by the import; its counts are the skeleton's")

    # ---- uses of each feature (monthly)
    feats = skeleton.features
    uses: dict[str, float] = {}
    routed: dict[str, float] = {}  # feature -> monthly messages on its own route
    route_feature: dict[tuple[str, str], str] = {}  # (skeleton API, route key) -> feature
    for f, feat in feats.items():
        api = _api_of(feat, skeleton)
        w = obs.websockets.get(ws_of.get(api)) if api else None
        if w is None:
            continue
        for r in w.config.routes:
            if f not in (r.key.lstrip("$"), _route_feature(r.key)):
                continue
            route_feature[(api, r.key)] = f
            if r.key in w.route_messages:
                routed[f] = w.route_messages[r.key] * w.factor
                uses[f] = routed[f]
            elif r.key == "$connect":
                uses[f] = w.monthly_connects
    for name, acct in fn_of.items():
        calls = obs.functions[acct].monthly_invocations
        callers = [f for f, feat in feats.items() if feat.invocations.get(name)]
        left = calls - sum(uses[f] * feats[f].invocations[name] for f in callers if f in uses)
        rest = [f for f in callers if f not in uses]
        if rest:
            if len(rest) > 1:
                notes.append(
                    f"function {name}: {max(left, 0.0):,.0f} invocations/month shared equally over features "
                    f"{', '.join(rest)} (no metric tells them apart)"
                )
            for f in rest:
                uses[f] = max(left, 0.0) / len(rest) / feats[f].invocations[name]
        elif callers and left > 0.5:
            notes.append(f"function {name}: {left:,.0f} invocations/month beyond its features' measured uses")
        elif not callers and calls:
            notes.append(
                f"function {name}: no feature of the skeleton invokes it; its {calls:,.0f} invocations/month "
                "are not in the scenario"
            )
    for f in feats:
        uses.setdefault(f, 0.0)

    out_feats = data.setdefault("features", {})
    extra: dict[str, dict] = {}  # unattributed feature body

    # ---- WebSocket messages, minutes, connects
    for api, acct in ws_of.items():
        w = obs.websockets[acct]
        mine = [f for f, feat in feats.items() if _api_of(feat, skeleton) == api]
        messages, minutes = w.monthly_messages, w.monthly_connects * session_minutes
        got = {f: [0.0, 0.0, 0.0] for f in mine}  # messages, minutes, connects (monthly)
        total_routed = sum(routed.get(f, 0.0) for f in mine)
        if total_routed:
            scale = min(1.0, messages / total_routed)
            for f in mine:
                got[f][0] = routed.get(f, 0.0) * scale
            rest = messages - total_routed * scale
            for f in mine:
                got[f][0] += rest * routed.get(f, 0.0) / total_routed
        else:
            # the skeleton's own word: a feature with no messages (init's $connect) gets none
            carriers = [f for f in mine if feats[f].websocket.messages > 0 and uses[f] > 0]
            weight = sum(uses[f] for f in carriers)
            for f in carriers:
                got[f][0] = messages * uses[f] / weight
            if messages and not carriers:
                extra.setdefault("websocket", {"api": api, "messages": 0.0, "connection_minutes": 0.0})
                extra["websocket"]["messages"] += messages
                notes.append(f"WebSocket API {api}: no used feature has messages; its {messages:,.0f} are unattributed")
        connect = route_feature.get((api, "$connect"))
        targets = {connect: 1.0} if connect in got and uses[connect] > 0 else _shares({f: uses[f] for f in mine})
        for f, part in targets.items():
            got[f][1] += minutes * part
            got[f][2] += w.monthly_connects * part
        if minutes and not targets:
            extra.setdefault("websocket", {"api": api, "messages": 0.0, "connection_minutes": 0.0})
            extra["websocket"]["connection_minutes"] += minutes
        for f, (m, c, n) in got.items():
            body = out_feats[f].setdefault("websocket", {})
            if uses[f] > 0:
                body.update(messages=_r(m / uses[f]), connection_minutes=_r(c / uses[f]), connects=_r(n / uses[f]))
            else:
                body.update(messages=0, connection_minutes=0, connects=0)

    # ---- DynamoDB: each table's units over the features that read or write it
    def weight(f: str) -> float:
        calls = sum(feats[f].invocations.values())
        return uses[f] * (calls if calls else 1.0)

    for name, acct in table_of.items():
        t = obs.tables[acct]
        gsi = sum(t.gsi_write_units.values()) * t.factor
        amounts = {"reads": t.monthly_read_units, "writes": t.write_units * t.factor}
        for kind in ("reads", "writes"):
            units = amounts[kind]
            carriers = _touching(feats, uses, name, kind)
            if not carriers and (units or (kind == "writes" and gsi)):
                carriers = _touching(feats, uses, name)
                if carriers:
                    notes.append(f"table {name}: {kind} and no feature that does them; on {', '.join(carriers)}")
            parts = _shares({f: weight(f) for f in carriers})
            if not parts and (units or (kind == "writes" and gsi)):
                ops = extra.setdefault("dynamodb", [])
                if kind == "reads":
                    ops.append({"table": name, "reads": _r(units), "item_kb": 4, "consistency": "strong"})
                else:
                    ops.append({"table": name, "writes": _r(units + gsi), "item_kb": 1, "gsis": 0})
                notes.append(
                    f"table {name}: no feature of the skeleton uses it; its {kind} are on feature unattributed"
                )
                continue
            for f, part in parts.items():
                _fill(out_feats[f], skeleton, f, name, kind, units * part / uses[f], gsi * part / uses[f])
            for f, feat in feats.items():  # the other features' operations on the table carry nothing
                if f not in parts:
                    for i, op in enumerate(feat.dynamodb):
                        if op.table == name and _is(op, kind):
                            out_feats[f]["dynamodb"][i][kind] = 0

    if extra:
        if "websocket" in extra:
            extra["websocket"] = {k: v if k == "api" else _r(v) for k, v in extra["websocket"].items()}
        name = next(n for n in ("unattributed", "unattributed_import", "unattributed_import_2") if n not in feats)
        out_feats[name] = extra
        uses[name] = 1.0  # used once a month: per use = the monthly total

    # ---- resources: the account's configuration, the observed duration and storage
    for name, acct in fn_of.items():
        observed = _function(obs.functions[acct], cold_start_rate, init_ms)
        before = data["functions"][name]
        for key in ("memory_mb", "architecture", "ephemeral_storage_mb"):
            if key in before and before[key] != observed[key]:
                notes.append(f"function {name}: {key} {before[key]} in the skeleton, {observed[key]} in the account")
        data["functions"][name] = {**before, **observed}
        if acct != name:
            notes.append(f"function {name} is {acct} in the account")
    for name, acct in table_of.items():
        observed = _table(obs.tables[acct])
        before = data["tables"][name]
        for key in ("capacity", "table_class", "gsis"):
            if key in before and before[key] != observed[key]:
                notes.append(f"table {name}: {key} {before[key]} in the skeleton, {observed[key]} in the account")
        data["tables"][name] = {**before, **observed}
        if acct != name:
            notes.append(f"table {name} is {acct} in the account")
    for name, acct in ws_of.items():
        if acct != name:
            notes.append(f"WebSocket API {name} is {acct} in the account")

    if data.get("region") != obs.region:
        notes.append(f"region {data.get('region')} in the skeleton, {obs.region} in the account")
    data["region"] = obs.region
    data["hours_per_month"] = _r(obs.hours_per_month)
    dropped = list(data.pop("tiers", {}) or {})
    data.pop("baseline", None)
    if dropped:
        notes.append(f"the skeleton's tiers ({', '.join(dropped)}) are replaced by the observed month")
    monthly = {f: _r(n) for f, n in uses.items() if n > 0}
    if users:
        data["tiers"] = {
            "observed": {"users": users, "price": 0, "uses": {f: _r(n / users) for f, n in uses.items() if n > 0}}
        }
    elif monthly:
        data["baseline"] = monthly

    lines = header(
        obs, users, session_minutes, rule=[f"Skeleton: {source} (its comments are not kept).", *SKELETON_RULE]
    )
    at = lines.index(DYNAMODB_LINES[0])  # the plain import's op shapes: here the skeleton's are kept
    lines[at : at + len(DYNAMODB_LINES)] = [
        "DynamoDB: each operation keeps the skeleton's item size and consistency: reads = units per use / units",
        "per read; gsis = GSI WCU / table WCU per write.",
    ]
    lines += [f"UNMATCHED: {u}" for u in unmatched] + [f"NOTE: {n}" for n in notes]
    return Poured(data, [one_line(x, limit=10_000) for x in lines], unmatched, notes)


def _route_feature(route_key: str) -> str:
    """The feature `init` names after a route (models.template.feature_name): `$connect` -> connect,
    `GET /items/{id}` -> get_items_id."""
    return re.sub(r"[^a-z0-9]+", "_", route_key.lower().lstrip("$")).strip("_")


def _usage(kind: str, u) -> str:
    if kind == "function":
        return f"{u.monthly_invocations:,.0f} invocations/month"
    if kind == "table":
        return f"{u.monthly_read_units:,.0f} RRU/month, {u.monthly_write_units:,.0f} WRU/month"
    return f"{u.monthly_messages:,.0f} messages/month, {u.monthly_connects:,.0f} connections/month"


def _api_of(feat, s: Scenario) -> str | None:
    if feat.websocket is None:
        return None
    return feat.websocket.api or (next(iter(s.websockets)) if len(s.websockets) == 1 else None)


def _touching(feats: dict, uses: dict, table: str, kind: str | None = None) -> list[str]:
    """The used features with an operation on `table` (of `kind`, reads or writes, when given)."""
    return [
        f
        for f, feat in feats.items()
        if uses[f] > 0 and any(op.table == table and (kind is None or _is(op, kind)) for op in feat.dynamodb)
    ]


def _is(op, kind: str) -> bool:
    return (op.reads is not None) if kind == "reads" else (op.writes is not None)


def _shares(weights: dict[str, float]) -> dict[str, float]:
    total = sum(w for w in weights.values() if w > 0)
    return {f: w / total for f, w in weights.items() if w > 0} if total else {}


def _fill(body: dict, s: Scenario, f: str, table: str, kind: str, units: float, gsi_units: float) -> None:
    """Put `units` per use on the feature's first `kind` operation on `table` (the others carry 0)."""
    ops = s.features[f].dynamodb
    first = True
    for i, op in enumerate(ops):
        if op.table != table or not _is(op, kind):
            continue
        raw = body["dynamodb"][i]
        if not first:
            raw[kind] = 0
            continue
        first = False
        if kind == "reads":
            raw["reads"] = _r(units / read_units(1, op.item_kb, op.consistency))
            continue
        per_write = write_units(1, op.item_kb, op.transactional)
        writes = units / per_write
        gsis = gsi_units / (writes * gsi_write_units(1, op.item_kb, 1)) if writes else 0.0
        if writes and gsis <= MAX_OP_GSIS:
            raw["writes"], raw["gsis"] = _r(writes), _r(gsis)
        else:  # GSI writes with (almost) no table writes: bill them as plain write units
            raw["writes"], raw["gsis"] = _r((units + gsi_units) / per_write), 0

"""`designs`: the current scenario and variants of it, priced as users grow, and where one overtakes another.

    designs FILE --variant NAME:PATH=VALUE[,PATH=VALUE...] ... --users-from A --users-to B --points N [--json]

PATH names a key of the scenario as written (`functions.chat.architecture`, `tables.messages.capacity`,
`tables.messages.write_capacity`, `features.send.dynamodb.0.writes`); VALUE is read as YAML (`arm64`, `512`,
`auto`, `true`). Each variant is the current scenario with those keys set, validated like a file. The current
scenario is the design `current`. Users are spaced logarithmically from A to B (linearly when A is 0).
"""

from __future__ import annotations

import copy
import json
import sys

import yaml

from commands.estimate import _about, _load
from models.yamlio import ScenarioError

CURRENT = "current"


def parse_variant(text: str) -> tuple[str, list[tuple[str, object]]]:
    """`NAME:PATH=VALUE,PATH=VALUE` -> (NAME, [(PATH, value)])."""
    name, sep, rest = text.partition(":")
    name = name.strip()
    if not sep or not name or not rest.strip():
        raise ScenarioError(f"--variant {text!r}: expected NAME:PATH=VALUE[,PATH=VALUE...]")
    if name == CURRENT:
        raise ScenarioError(f"--variant {text!r}: {CURRENT!r} is the scenario as it is; name the variant otherwise")
    changes = []
    for part in rest.split(","):
        path, eq, value = part.partition("=")
        if not eq or not path.strip():
            raise ScenarioError(f"--variant {name}: {part!r} is not PATH=VALUE")
        try:
            changes.append((path.strip(), yaml.safe_load(value) if value.strip() else None))
        except yaml.YAMLError:
            raise ScenarioError(f"--variant {name}: {path.strip()}: {value!r} is not a value") from None
    return name, changes


def with_changes(data: dict, name: str, changes: list[tuple[str, object]]) -> dict:
    """A copy of format-1 scenario data with each PATH set; every part but the last must already exist."""
    out = copy.deepcopy(data)
    for path, value in changes:
        parts = path.split(".")
        node = out
        for i, key in enumerate(parts[:-1]):
            where = ".".join(parts[: i + 1])
            if isinstance(node, list):
                if not key.isdigit() or int(key) >= len(node):
                    raise ScenarioError(f"--variant {name}: {path}: {where} is not in the scenario")
                node = node[int(key)]
            elif isinstance(node, dict) and key in node:
                node = node[key] if node[key] is not None else node.setdefault(key, {})
                if node is None:
                    node = {}
            else:
                raise ScenarioError(f"--variant {name}: {path}: {where} is not in the scenario")
        last = parts[-1]
        if isinstance(node, list):
            if not last.isdigit() or int(last) >= len(node):
                raise ScenarioError(f"--variant {name}: {path}: no item {last} there")
            node[int(last)] = value
        elif isinstance(node, dict):
            node[last] = value
        else:
            raise ScenarioError(f"--variant {name}: {path}: {'.'.join(parts[:-1])} is a value, not a section")
    return out


def designs(args) -> int:
    from models.designs import compare
    from models.editing import rebuild
    from models.scenario import to_dict

    if args.users_from > args.users_to:
        raise ScenarioError(f"--users-from {args.users_from:g} is above --users-to {args.users_to:g}")
    with _about(args.file):
        scenario, book = _load(args.file)
        variants = {CURRENT: scenario}
        data = to_dict(scenario)
        for text in args.variant or []:
            name, changes = parse_variant(text)
            if name in variants:
                raise ScenarioError(f"--variant {name}: two variants share this name")
            variants[name] = rebuild(with_changes(data, name, changes), f"variant {name}", book)
        cmp = compare(variants, args.users_from, args.users_to, args.points, book)
    result = to_json(cmp)
    if args.json:
        json.dump(result, sys.stdout, indent=2, allow_nan=False)
        print()
    else:
        print(text_of(cmp, result))
    return 0


def to_json(cmp) -> dict:
    over = cmp.over_limit
    designs = []
    for v, name in enumerate(cmp.names):
        curve = [
            {
                "users": float(u),
                "total": round(float(t), 2),
                "cost_per_user": float(t) / float(u) if u > 0 else None,
                "over_limit": bool(over[v, k]),
            }
            for k, (u, t) in enumerate(zip(cmp.users, cmp.totals[v]))
        ]
        designs.append({"name": name, "curve": curve})
    crossings = [{"a": c.a, "b": c.b, "users": int(c.users), "total": c.total} for c in cmp.crossovers]
    return {"designs": designs, "crossovers": crossings}


def text_of(cmp, result: dict) -> str:
    from ui.format import money

    lines = ["Monthly total by design (USD), today and at the ends of the range"]
    width = max(len(n) for n in cmp.names)
    for v, name in enumerate(cmp.names):
        curve = result["designs"][v]["curve"]
        ends = f"{money(curve[0]['total'])} at {curve[0]['users']:,.0f} users, " if curve else ""
        ends += f"{money(curve[-1]['total'])} at {curve[-1]['users']:,.0f}" if curve else ""
        limit = cmp.limit_users[v] if v < len(cmp.limit_users) else None
        over = f"; cannot serve more than {limit:,.0f} users ({cmp.limit_names[v]})" if limit is not None else ""
        lines.append(f"  {name:<{width}}  today {money(cmp.estimates[v].total)}; {ends}{over}")
    if cmp.crossovers:
        lines.append("Crossovers")
        for c in cmp.crossovers:
            other = c.b if c.cheaper_below == c.a else c.a
            lines.append(
                f"  {c.a} / {c.b} at {c.users:,.0f} users ({money(c.total)} a month): {c.cheaper_below} is cheaper "
                f"below, {other} above" + (f"; {c.note}" if c.note else "")
            )
    else:
        lines.append("No crossovers in this range: the order of the designs does not change.")
    return "\n".join(lines)

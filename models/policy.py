"""Unit-economics policies: limits a scenario's estimate must keep, checked in CI by `cli.py check`.

    total: {max: 5000}                                           # USD per month
    tiers: {pro: {max_cost_per_user: 2.00, min_margin_pct: 70}}  # USD per user per month; percent
    features: {send_message: {max_cost_per_use: 0.001}}          # USD per use
    capacity: {min_headroom: 2.0}                                # users at the first limit / users today

Every rule is optional. A rule holds when its value is within the limit; a value the estimate cannot give
(a tier without users has no cost per user, one without revenue no margin, a feature never used no cost per
use) does not hold: a check that cannot be made is not a pass. A policy key the format does not know, a
value that is not a number, or a tier or feature the scenario lacks is bad input (PolicyError, exit 2),
never a failed rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from errors import UnitcostError
from models.capacity import limit_name
from models.engine import Estimate
from models.report import percent
from models.yamlio import ScenarioError, load_with_lines, read_text

MAX_LIMIT = 1e12

# section -> key -> (what the value is, lowest allowed, highest allowed)
KEYS = {
    "total": {"max": ("USD per month", 0.0, MAX_LIMIT)},
    "tier": {
        "max_cost_per_user": ("USD per user per month", 0.0, MAX_LIMIT),
        "min_margin_pct": ("percent of revenue", -MAX_LIMIT, 100.0),
    },
    "feature": {"max_cost_per_use": ("USD per use", 0.0, MAX_LIMIT)},
    "capacity": {"min_headroom": ("users at the first limit / users today", 0.0, MAX_LIMIT)},
}


class PolicyError(UnitcostError):
    """Bad policy input: the file, the line and the field."""

    def __str__(self) -> str:
        where = self.source or "policy"
        if self.line:
            where += f", line {self.line}"
        return f"{where}: {self.field + ': ' if self.field else ''}{self.message}"


@dataclass(frozen=True)
class Rule:
    name: str  # "tiers.pro.min_margin_pct": the policy key it comes from
    limit: float
    line: int | None = None  # in the policy file


@dataclass(frozen=True)
class Policy:
    source: str
    total_max: Rule | None = None
    tiers: dict[str, dict[str, Rule]] | None = None  # tier -> key -> rule
    features: dict[str, dict[str, Rule]] | None = None
    min_headroom: Rule | None = None

    def rules(self) -> list[Rule]:
        out = [self.total_max] if self.total_max else []
        for part in (self.tiers or {}, self.features or {}):
            out += [r for keys in part.values() for r in keys.values()]
        return out + ([self.min_headroom] if self.min_headroom else [])


def load(path: str | Path) -> Policy:
    source = str(path)
    try:
        text = read_text(path)
        data, lines = load_with_lines(text, source)
    except ScenarioError as e:  # the YAML reader's errors, told as the policy's
        raise PolicyError(e.message, source=e.source or source, line=e.line, field=e.field) from None
    return parse(data, source, lines)


def parse(data: Any, source: str = "policy", lines: dict | None = None) -> Policy:
    lines = lines or {}

    def error(path: tuple, message: str) -> PolicyError:
        line = next((lines[path[:i]] for i in range(len(path), -1, -1) if path[:i] in lines), None)
        return PolicyError(message, source=source, line=line, field=".".join(map(str, path)))

    def mapping(value: Any, path: tuple, allowed=None) -> dict:
        if not isinstance(value, dict):
            raise error(path, f"must be a mapping, got {_kind(value)}")
        for key in value:
            if not isinstance(key, str):
                raise error(path, f"keys must be names, got {_kind(key)} {key!r}")
            if allowed is not None and key not in allowed:
                raise error(path + (key,), f"unknown key; expected one of {', '.join(allowed)}")
        return value

    def rules(value: Any, path: tuple, keys: dict) -> dict[str, Rule]:
        out = {}
        for key, raw in mapping(value, path, tuple(keys)).items():
            what, low, high = keys[key]
            if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
                raise error(path + (key,), f"must be a number ({what}), got {_kind(raw)} {raw!r}")
            if not low <= raw <= high:
                raise error(path + (key,), f"must be from {low:g} to {high:g} ({what}), got {raw!r}")
            out[key] = Rule(".".join(map(str, path + (key,))), float(raw), lines.get(path + (key,)))
        if not out:
            raise error(path, f"has no rule; give one of {', '.join(keys)}")
        return out

    if data is None:
        raise PolicyError("the policy is empty; give total, tiers, features or capacity", source=source)
    top = mapping(data, (), ("total", "tiers", "features", "capacity"))
    total = rules(top["total"], ("total",), KEYS["total"])["max"] if "total" in top else None
    tiers = {n: rules(v, ("tiers", n), KEYS["tier"]) for n, v in mapping(top.get("tiers", {}), ("tiers",)).items()}
    features = {
        n: rules(v, ("features", n), KEYS["feature"])
        for n, v in mapping(top.get("features", {}), ("features",)).items()
    }
    headroom = rules(top["capacity"], ("capacity",), KEYS["capacity"])["min_headroom"] if "capacity" in top else None
    return Policy(source, total, tiers, features, headroom)


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false", type(None): "nothing"}.get(
        type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__
    )


# ---------------------------------------------------------------- the check


@dataclass(frozen=True)
class Result:
    rule: str
    value: float | None  # None: the estimate has no such figure (see `why`)
    limit: float
    holds: bool
    value_text: str
    limit_text: str
    why: str = ""  # why there is no value

    @property
    def kind(self) -> str:
        """max or min: which side of the limit holds."""
        return "max" if self.rule.rsplit(".", 1)[-1].startswith("max") else "min"

    def line(self) -> str:
        """One line naming the rule, the value and the limit: `FAIL tiers.pro.min_margin_pct: 3.624% (min 70%)`."""
        word = "ok  " if self.holds else "FAIL"
        value = self.value_text if self.value is not None else f"no value ({self.why})"
        return f"{word} {self.rule}: {value} ({self.kind} {self.limit_text})"


def money(x: float) -> str:
    """USD with enough digits that a value just over a limit never reads as the limit: $2.004, $0.00101,
    $67,395.76 (six significant figures, at least the cents)."""
    if x == 0:
        return "$0.00"
    decimals = max(2, 5 - math.floor(math.log10(abs(x))))
    text = f"{abs(x):,.{decimals}f}"
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0").ljust(2, "0")
    return f"{'-' if x < 0 else ''}${whole}.{frac}"


def _pct(x: float) -> str:
    return f"{x:.4g}%" if abs(x) < 100 else percent(x)


def headroom(e: Estimate) -> tuple[float | None, str]:
    """Users at the first limit / users today, and what the first limit is (or why there is no figure)."""
    if e.users <= 0:
        return None, "the scenario has no users today"
    first = next((c for c in e.capacity if c.users_at_limit is not None), None)
    if first is None:
        return math.inf, "no limit grows with users"
    return first.users_at_limit / e.users, f"first limit: {limit_name(first.limit, first.resource)}"


def check(p: Policy, e: Estimate, scenario_source: str = "scenario") -> list[Result]:
    """Every rule of the policy against the estimate. A tier or feature the scenario lacks is a PolicyError."""
    tiers = {t.name: t for t in e.tiers}
    features = {f.name: f for f in e.features}
    for part, known, what in ((p.tiers, tiers, "tier"), (p.features, features, "feature")):
        for name, keys in (part or {}).items():
            if name not in known:
                rule = next(iter(keys.values()))
                have = ", ".join(known) or "none"
                raise PolicyError(
                    f"{scenario_source} has no {what} {name!r} ({what}s: {have})",
                    source=p.source,
                    line=rule.line,
                    field=f"{what}s.{name}",
                )
    out: list[Result] = []

    def add(rule: Rule, value: float | None, upper: bool, fmt, why: str = "") -> None:
        holds = value is not None and (value <= rule.limit if upper else value >= rule.limit)
        shown = "" if value is None else fmt(value)
        out.append(Result(rule.name, value, rule.limit, holds, shown, fmt(rule.limit), why))

    if p.total_max:
        add(p.total_max, e.total, True, money)
    for name, keys in (p.tiers or {}).items():
        t = tiers[name]
        if "max_cost_per_user" in keys:
            add(keys["max_cost_per_user"], t.cost_per_user, True, money, "the tier has no users")
        if "min_margin_pct" in keys:
            m = None if t.margin_pct is None else 100 * t.margin_pct
            add(keys["min_margin_pct"], m, False, _pct, "no revenue to take a margin of")
    for name, keys in (p.features or {}).items():
        add(keys["max_cost_per_use"], features[name].cost_per_use, True, money, "the feature is not used")
    if p.min_headroom:
        h, what = headroom(e)
        fmt = lambda x: "unlimited" if math.isinf(x) else f"{x:,.0f}x" if x >= 100 else f"{x:.3g}x"  # noqa: E731
        add(p.min_headroom, h, False, fmt, what)
        r = out[-1]
        if h is not None:
            out[-1] = Result(r.rule, r.value, r.limit, r.holds, f"{r.value_text} ({what})", r.limit_text, r.why)
    return out


def check_text(results: list[Result], source: str) -> str:
    failed = [r for r in results if not r.holds]
    lines = [r.line() for r in results]
    if not results:
        lines.append(f"{source}: the policy has no rules")
    verdict = (
        f"check failed: {len(failed)} of {len(results)} rules do not hold"
        if failed
        else f"check passed: {len(results)} rules hold"
    )
    return "\n".join([*lines, verdict])

"""What changed between two price books: per region and component, the price of each tier, and what a set of
scenarios costs under each. Pure: estimates come in through a function the caller hands over.

Prices are compared as numbers ("0.0000002000" and "0.0000002" are the same price) and shown as published.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from pricing.book import Price, PriceBook, PriceError, Tier

CHANGED, ADDED, REMOVED, UNCHANGED = "changed", "added", "removed", "unchanged"


@dataclass(frozen=True)
class TierChange:
    begin: float
    end: float  # math.inf for the last tier
    old: str | None  # price as published; None: no such tier in that book
    new: str | None

    @property
    def change_pct(self) -> float | None:
        if self.old is None or self.new is None or Decimal(self.old) == 0:
            return None
        return float((Decimal(self.new) - Decimal(self.old)) / Decimal(self.old) * 100)

    @property
    def same(self) -> bool:
        return self.old is not None and self.new is not None and Decimal(self.old) == Decimal(self.new)


@dataclass(frozen=True)
class ComponentChange:
    region: str
    service: str
    component: str
    unit: str
    status: str  # changed | added | removed | unchanged
    tiers: tuple[TierChange, ...]
    old_source: str | None
    new_source: str | None


@dataclass(frozen=True)
class ScenarioChange:
    scenario: str
    old_total: float | None  # None: it cannot be priced with that book (see the error)
    new_total: float | None
    old_error: str | None = None
    new_error: str | None = None

    @property
    def change(self) -> float | None:
        if self.old_total is None or self.new_total is None:
            return None
        return round(self.new_total - self.old_total, 2)

    @property
    def change_pct(self) -> float | None:
        if self.change is None or not self.old_total:
            return None
        return self.change / self.old_total * 100


def diff_books(old: PriceBook, new: PriceBook) -> list[ComponentChange]:
    """Every (region, service, component) of either book, in the new book's order then the removed ones."""
    keys = list(dict.fromkeys([*new.prices, *old.prices]))
    return [_component(key, old.prices.get(key), new.prices.get(key)) for key in keys]


def _component(key: tuple[str, str, str], old: Price | None, new: Price | None) -> ComponentChange:
    def by_range(p: Price | None) -> dict[tuple[float, float], Tier]:
        return {(t.begin, t.end): t for t in p.tiers} if p else {}

    o, n = by_range(old), by_range(new)
    ranges = sorted({*o, *n})
    tiers = tuple(
        TierChange(b, e, o[b, e].price if (b, e) in o else None, n[b, e].price if (b, e) in n else None)
        for b, e in ranges
    )
    if old is None:
        status = ADDED
    elif new is None:
        status = REMOVED
    elif all(t.same for t in tiers) and old.unit == new.unit:
        status = UNCHANGED
    else:
        status = CHANGED
    unit = (new or old).unit
    return ComponentChange(*key, unit, status, tiers, old and old.source, new and new.source)


def scenario_changes(
    scenarios: Iterable[str],
    old: PriceBook,
    new: PriceBook,
    total: Callable[[str, PriceBook], float],
    errors: tuple[type[Exception], ...] = (PriceError,),
) -> list[ScenarioChange]:
    """The monthly total of each scenario under each book. `total(scenario, book)` estimates one (the CLI
    passes one that loads the file and runs the engine); an exception of `errors` means that book cannot
    price it (a region or component it does not have), which is shown rather than raised."""
    out = []
    for s in scenarios:
        results: list[tuple[float | None, str | None]] = []
        for book in (old, new):
            try:
                results.append((round(float(total(s, book)), 2), None))
            except errors as e:
                results.append((None, str(e)))
        (old_total, old_error), (new_total, new_error) = results
        out.append(ScenarioChange(s, old_total, new_total, old_error, new_error))
    return out


# ---------------------------------------------------------------- output


def summary(changes: list[ComponentChange]) -> dict[str, int]:
    return {s: sum(c.status == s for c in changes) for s in (CHANGED, ADDED, REMOVED, UNCHANGED)}


def to_json(
    old: PriceBook, new: PriceBook, changes: list[ComponentChange], scenarios: list[ScenarioChange] | None = None
) -> dict:
    return {
        "old": {"as_of": old.as_of, "path": old.path},
        "new": {"as_of": new.as_of, "path": new.path},
        "summary": summary(changes),
        "components": [
            {
                "region": c.region,
                "service": c.service,
                "component": c.component,
                "unit": c.unit,
                "status": c.status,
                "old_source": c.old_source,
                "new_source": c.new_source,
                "tiers": [
                    {
                        "begin": _range(t.begin),
                        "end": _range(t.end),
                        "old": t.old,
                        "new": t.new,
                        "change_pct": t.change_pct,
                    }
                    for t in c.tiers
                ],
            }
            for c in changes
        ],
        "scenarios": [
            {
                "scenario": s.scenario,
                "old_total": s.old_total,
                "new_total": s.new_total,
                "change": s.change,
                "change_pct": s.change_pct,
                "old_error": s.old_error,
                "new_error": s.new_error,
            }
            for s in scenarios or []
        ],
    }


def _range(x: float) -> str:
    return "Inf" if math.isinf(x) else f"{x:.15g}"

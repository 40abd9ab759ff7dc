"""Cost lines and the one helper that splits usage into free-tier and volume-tier lines.

Quantities are numpy arrays with one value per evaluation point, so a sweep of many user counts
is the same call as a single estimate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from pricing.book import Price, PriceBook, PriceError


@dataclass(frozen=True)
class Line:
    """One line of the bill: a component's quantity at every point, in one volume tier or the free part."""

    service: str  # "lambda", "websocket", ... or a user-named service
    component: str  # as on the AWS pricing pages: "Duration x86_64"
    unit: str  # unit of quantity and unit_price: "GB-second", "request"
    unit_price: float  # USD per unit
    quantity: np.ndarray
    meter: str  # the usage quantity this line bills, "lambda.requests.x86_64"
    tier: str = ""  # the volume tier, as on the pricing pages: "first 6B"; "" for a single-tier price
    free: bool = False  # the part an Always Free allowance covers
    list_price: float = 0.0  # a free line's first paid price: what the allowance saves per unit

    @property
    def label(self) -> str:
        """ "Duration x86_64 (first 6B)", "Requests x86_64 (free tier)": for display only."""
        part = "free tier" if self.free else self.tier
        return f"{self.component} ({part})" if part else self.component

    @property
    def free_benefit(self) -> np.ndarray:
        """USD the Always Free allowance saves on this line: its quantity at the first paid tier's price,
        rounded to the cent like a cost (0 for a paid line)."""
        return round_cents(self.quantity * self.list_price)

    @property
    def cost(self) -> np.ndarray:
        """USD, rounded to the cent per line as AWS examples and invoices do."""
        return round_cents(self.quantity * self.unit_price)


def round_cents(usd: np.ndarray) -> np.ndarray:
    # Half up, with a nudge so that 2.735 stored as 2.73499999... still rounds up.
    return np.floor(np.asarray(usd, dtype=float) * 100 + 0.5 + 1e-7) / 100


@dataclass
class Prices:
    """The prices one scenario sees: one region of the book, the free-tier switch and the
    per-unit services the user named (unit, USD per unit)."""

    book: PriceBook
    region: str
    free_tier: bool = True
    custom: dict[str, tuple[str, float]] = field(default_factory=dict)

    def get(self, service: str, component: str) -> Price:
        return self.book.get(self.region, service, component)

    def allowance(self, service: str, component: str) -> float:
        return self.book.allowance(service, component) if self.free_tier else 0.0


def blocks(size: float, block: float) -> int:
    """Whole increments a size is metered in, at least one: a 33 KB WebSocket message is 2 blocks
    of 32 KB. The 1e-9 absorbs float noise (0.1 + 0.2 KB must not become a second block)."""
    return max(1, math.ceil(size / block - 1e-9))


def used(q: np.ndarray) -> bool:
    q = np.asarray(q)
    if q.size == 1:  # an estimate: a plain comparison is 50x cheaper than numpy's reduction
        return q.item() > 0
    return bool((q > 0).any())


def tiered(price: Price, quantity: np.ndarray, name: str, meter: str) -> list[Line]:
    """Split a quantity over the price's volume tiers, one line per tier.

    x86 Lambda duration, 7.2B GB-s:  first 6B @ 0.0000166667, next 9B gets 1.2B @ 0.000015,
    over 15B gets 0.  Usage beyond the last known tier is an error, never a silent price.
    """
    q = np.asarray(quantity, dtype=float)
    last = price.tiers[-1]
    if np.isfinite(last.end) and np.any(q > last.end):
        raise PriceError(
            f"no price for {price.service} {price.component} in {price.region} above "
            f"{_count(last.end)} {price.unit} per month in the price book"
        )
    lines = []
    for t in price.tiers:
        # The first tier needs no lower clip and a single open tier no clip at all (most lines).
        part = (
            q
            if t.begin == 0 and np.isinf(t.end)
            else np.minimum(q if t.begin == 0 else np.maximum(q - t.begin, 0.0), t.end - t.begin)
        )
        tier = "" if len(price.tiers) == 1 else _tier_label(t, price.unit)
        lines.append(Line(price.service, name, price.unit, t.usd, part, meter, tier))
    return lines


def free_then_tiered(
    prices: Prices,
    service: str,
    component: str,
    quantity: np.ndarray,
    name: str,
    unit: str,
    meter: str,
    free: np.ndarray | float = 0.0,
) -> tuple[list[Line], np.ndarray]:
    """Lines for a quantity of which up to `free` units are covered by an Always Free allowance.

    The allowance is used first and the rest goes through the paid tiers from zero, as the
    Price List bills it (a separate $0 usage type, or a $0 first band). Returns the lines and
    what is left of the allowance, for allowances shared by several components.
    """
    q = np.asarray(quantity, dtype=float)
    free_used = np.minimum(q, free)
    lines = []
    if used(q):
        price = prices.get(service, component)  # a region without this price is an error, free tier or not
    if used(free_used):
        first_paid = next((t.usd for t in price.tiers if t.usd > 0), 0.0)
        lines.append(Line(service, name, unit, 0.0, free_used, meter, free=True, list_price=first_paid))
    if used(q - free_used):
        lines += tiered(price, q - free_used, name, meter)
    return lines, free - free_used


def _tier_label(t, unit: str) -> str:
    """ "first 6B", "next 9B", "over 15B" as on the pricing pages; small counts carry the unit."""
    if t.begin == 0:
        text = f"first {_count(t.end)}"
    elif np.isinf(t.end):
        text = f"over {_count(t.begin)}"
    else:
        text = f"next {_count(t.end - t.begin)}"
    return text if text[-1] in "BM" else f"{text} {unit}"


def _count(x: float) -> str:
    for size, suffix in ((1e9, "B"), (1e6, "M")):
        if x >= size and (x / size * 100) % 1 == 0:
            return f"{x / size:g}{suffix}"
    return f"{x:,.0f}"


class Usage(dict):
    """Meter name -> quantity per point. A meter nobody used reads as zeros."""

    def __init__(self, points: int, quantities: dict[str, np.ndarray] | None = None):
        super().__init__(quantities or {})
        self.points = points

    def __missing__(self, meter: str) -> np.ndarray:
        return np.zeros(self.points)

"""Unit economics of pricing tiers: margin, break-even price, which features drive a tier's cost, and
how cost per user moves with the number of users.

All figures come from the engine (`estimate` for today's tiers, `sweep` for the curve); this module
only derives the ratios a product manager asks for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from models.engine import MIN_REVENUE_FOR_MARGIN_PCT, Estimate, sweep
from models.scenario import Scenario
from pricing.book import PriceBook


@dataclass(frozen=True)
class TierEconomics:
    name: str
    users: float
    price: float  # USD per user per month
    revenue: float  # USD per month
    cost: float  # USD per month
    cost_per_user: float | None
    margin: float  # gross margin, USD per month
    margin_pct: float | None  # margin / revenue; None without revenue
    break_even_price: float | None  # the price per user at which the margin is 0
    target_price: float | None  # the price per user that leaves the target margin
    feature_share: dict[str, float]  # share of the tier's cost each feature drives (sums to 1)


def tier_economics(e: Estimate, target_margin: float = 0.8) -> list[TierEconomics]:
    """Per tier: revenue, cost, margin, break-even price and the price for `target_margin` (0..<1)."""
    if not 0 <= target_margin < 1:
        raise ValueError("target margin must be at least 0 and below 1")
    out = []
    for t in e.tiers:
        share = {f: (c / t.cost if t.cost else 0.0) for f, c in t.feature_costs.items()}
        cpu = t.cost_per_user
        out.append(
            TierEconomics(
                name=t.name,
                users=t.users,
                price=t.price,
                revenue=t.revenue,
                cost=t.cost,
                cost_per_user=cpu,
                margin=t.margin,
                margin_pct=t.margin_pct,
                break_even_price=cpu,
                target_price=None if cpu is None else cpu / (1 - target_margin),
                feature_share=share,
            )
        )
    return out


@dataclass(frozen=True)
class Blended:
    """All tiers together: what they bring in, what they cost and the margin that leaves."""

    revenue: float  # USD per month, every tier's
    cost: float  # USD per month, every tier's (the baseline's cost is not a tier's)
    margin: float  # revenue - cost
    margin_pct: float | None  # margin / revenue; None with revenue under half a cent
    baseline_cost: float  # what the baseline (and any unallocated cost) adds to the bill
    margin_after_baseline: float  # revenue - the whole monthly bill


def blended(e: Estimate) -> Blended | None:
    """The tiers' revenue, cost and margin added up (None without tiers). The blended margin % is the
    margin over the revenue, so a big free tier weighs in by its cost, not by its number of users."""
    if not e.tiers:
        return None
    revenue = sum(t.revenue for t in e.tiers)
    cost = sum(t.cost for t in e.tiers)
    return Blended(
        revenue=revenue,
        cost=cost,
        margin=revenue - cost,
        margin_pct=(revenue - cost) / revenue if revenue >= MIN_REVENUE_FOR_MARGIN_PCT else None,
        baseline_cost=e.total - cost,
        margin_after_baseline=revenue - e.total,
    )


@dataclass(frozen=True)
class Curve:
    """Monthly total and cost per user at a range of user counts, every tier keeping its share."""

    users: np.ndarray
    total: np.ndarray
    cost_per_user: np.ndarray
    today_users: float
    today_total: float
    today_cost_per_user: float | None
    revenue_per_user: float | None  # today's average revenue per user (ARPU), None without revenue


MAX_CURVE_EXP = 12  # the curves' user sliders run from 10**0 to 10**12


def users_range(users: float) -> tuple[float, float]:
    """A default range for curves: powers of ten around today's users, within the sliders' 1 to 10**12."""
    if users <= 0:
        return 1.0, 1e6
    exp = math.floor(math.log10(users))
    hi = min(max(exp + 3, 1), MAX_CURVE_EXP)
    lo = min(max(exp - 2, 0), hi - 1)
    return float(10**lo), float(10**hi)


def cost_curve(
    s: Scenario, e: Estimate, users_from: float, users_to: float, points: int = 200, book: PriceBook | None = None
) -> Curve:
    """The sweep on a log-spaced grid from `users_from` to `users_to`, with today's users on the grid."""
    if not 0 < users_from < users_to:
        raise ValueError("the users range must run from a positive number to a larger one")
    grid = np.geomspace(users_from, users_to, points)
    today = e.users
    if users_from <= today <= users_to:
        grid = np.unique(np.append(grid, today))
    sw = sweep(s, grid, book)
    revenue = sum(t.revenue for t in e.tiers)
    return Curve(
        users=sw.users,
        total=sw.total,
        cost_per_user=sw.cost_per_user,
        today_users=today,
        today_total=e.total,
        today_cost_per_user=e.total / today if today else None,
        revenue_per_user=revenue / today if today and revenue else None,
    )

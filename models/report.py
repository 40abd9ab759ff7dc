"""Plain-text tables of an estimate, for the command line."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import TYPE_CHECKING

from models.capacity import limit_name
from models.engine import Estimate

if TYPE_CHECKING:  # `estimate` starts without the price diff's module
    from pricing.book import PriceBook
    from pricing.diff import ComponentChange, ScenarioChange, TierChange


def finite(x) -> bool:
    """A number that can be shown: not None, NaN or infinite (those read "-", never "nan" or "inf")."""
    return x is not None and not isinstance(x, bool) and math.isfinite(x)


def _decimal(x: float, digits: int) -> str:
    """|x| in plain decimals with `digits` significant figures and no trailing zeros: 0.000028, 0.0000002."""
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(x))))
    return f"{abs(x):.{decimals}f}".rstrip("0").rstrip(".")


def usd(x: float | None, small: bool = False) -> str:
    """$1,234.56, to the cent. With small=True an amount under a cent keeps 3 significant figures in plain
    decimals ($0.00767, $0.000028, $0.0000002), never scientific notation. None, NaN and Inf read "-"."""
    if not finite(x):
        return "-"
    if small and 0 < abs(x) < 0.01:
        return f"{'-' if x < 0 else ''}${_decimal(x, 3)}"
    cents = round(x, 2) + 0.0  # + 0.0 turns -0.0 into 0.0: a loss that rounds to nothing reads $0.00
    return f"-${-cents:,.2f}" if cents < 0 else f"${cents:,.2f}"


def unit_price(x: float) -> str:
    """A published unit price as it is published, in plain decimals and at least to the cent: $0.0000002,
    $0.0000166667, $0.25, $1.50 (the float's shortest repr, so no digit is invented or lost)."""
    if not finite(x):
        return "-"
    text = format(Decimal(repr(abs(float(x)))), "f")
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0").ljust(2, "0")
    return f"{'-' if x < 0 else ''}${int(whole):,}.{frac}"


def percent(p: float | None, decimals: int = 1) -> str:
    """A percentage given as 0..100: "12.3%"; a non-zero value that would round to 0 reads "<0.1%" (or
    ">-0.1%"), never "0.0%"."""
    if not finite(p):
        return "-"
    step = 10.0**-decimals
    if p == 0:
        return "0%"
    if abs(p) < step / 2:
        return f"<{step:.{decimals}f}%" if p > 0 else f">-{step:.{decimals}f}%"
    return f"{p:,.{decimals}f}%"


def users(x: float | None) -> str:
    """Users are whole people: 2,500; "-" for none."""
    return f"{round(x):,}" if finite(x) else "-"


def quantity(x: float) -> str:
    """1,234; below 100, four significant figures in plain decimals (8.351, 0.0001234)."""
    if not finite(x):
        return "-"
    if abs(x) >= 100 or x == int(x):
        return f"{x:,.0f}"
    return f"{'-' if x < 0 else ''}{_decimal(x, 4)}"


def _rate(x: float) -> str:
    return f"{x:,.0f}" if x >= 100 else f"{x:,.3g}"


def table(header: list[str], rows: list[list[str]], right: set[int] = frozenset()) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def fmt(r: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()

    return "\n".join([fmt(header), fmt(["-" * w for w in widths]), *map(fmt, rows)])


def estimate_text(e: Estimate) -> str:
    free = "on" if e.free_tier else "off"
    parts = [
        f"{e.name}: {e.region}, prices as of {e.prices_as_of}, Always Free tier {free}",
        f"Monthly total: {usd(e.total)}",
        *(
            [
                f"This scenario has {e.ranges} range{'s' if e.ranges != 1 else ''}: figures use each range's mode "
                "(cli.py simulate gives P10, P50 and P90)"
            ]
            if e.ranges
            else []
        ),
        "",
        "By line",
        table(
            ["service", "component", "quantity", "unit", "unit price", "cost"],
            [
                [ln.service, ln.component, quantity(ln.quantity), ln.unit, unit_price(ln.unit_price), usd(ln.cost)]
                for ln in e.lines
            ],
            right={2, 4, 5},
        ),
        "",
        "By service",
        table(["service", "cost"], [[s, usd(c)] for s, c in e.services.items() if c], right={1}),
        "",
        "By feature",
        table(
            ["feature", "uses", "cost", "cost per use"],
            [[f.name, quantity(f.uses), usd(f.cost), usd(f.cost_per_use, small=True)] for f in e.features],
            right={1, 2, 3},
        ),
    ]
    if e.tiers:
        parts += [
            "",
            "By tier",
            table(
                ["tier", "users", "price", "revenue", "cost", "cost per user", "margin", "margin %"],
                [
                    [
                        t.name,
                        users(t.users),
                        usd(t.price),
                        usd(t.revenue),
                        usd(t.cost),
                        usd(t.cost_per_user, small=True),
                        usd(t.margin),
                        "-" if t.margin_pct is None else percent(100 * t.margin_pct),
                    ]
                    for t in e.tiers
                ],
                right={1, 2, 3, 4, 5, 6, 7},
            ),
        ]
    if e.capacity:
        first = next((c for c in e.capacity if c.users_at_limit is not None), None)
        rows = [
            [
                ("> " if c is first else "  ") + c.limit,
                limit_name(c.limit, c.resource),
                c.resource,
                _rate(c.peak),
                _rate(c.quota),
                "full" if c.utilization is None else percent(100 * c.utilization),
                users(c.users_at_limit),
                c.unit,
                c.note,
            ]
            for c in e.capacity
        ]
        parts += [
            "",
            f"Capacity at peak (> marks the first limit reached as users grow, {users(e.users)} users today)",
            table(
                ["limit", "name", "resource", "peak", "quota", "utilization", "users at limit", "unit", "note"],
                rows,
                right={3, 4, 5, 6},
            ),
        ]
        parts += [f"Note: {n}" for n in e.capacity_notes]
    parts += [f"Note: {n}" for n in e.notes]
    if e.baseline_cost:
        parts.append(f"\nBaseline (uses not tied to users): {usd(e.baseline_cost)}")
    if e.shared_cost:
        parts.append(
            f"Shared over features in proportion to their usage cost (storage, provisioned "
            f"capacity): {usd(e.shared_cost)}"
        )
    for c in e.commitments:
        used = "-" if c["utilisation"] is None else f"{c['utilisation']:.1%}"
        parts.append(
            f"{c['plan']}: ${c['hourly_usd']:g}/h, commitment {usd(c['commitment_usd'])} (a fixed cost), usage at "
            f"its rates {usd(c['usage_at_plan_rates_usd'])}, {c['covered_share']:.1%} of it covered; utilisation "
            f"{used}, unused {usd(c['unused_usd'])}; saves {usd(c['savings_usd'])} on demand"
        )
    return "\n".join(parts)


def _p(st: dict, fmt=None) -> list[str]:
    fmt = fmt or usd
    return [fmt(st["p10"]), fmt(st["p50"]), fmt(st["p90"]), fmt(st["mean"])]


def _pct(x: float | None) -> str:
    return "-" if x is None else percent(100 * x)


def simulation_text(sim, name: str) -> str:
    """`simulate`'s tables: the total, each tier and feature at P10/P50/P90 and mean, and the tornado."""
    data = sim.to_json()
    head = ["", "P10", "P50", "P90", "mean"]
    parts = [
        f"{name}: {sim.samples:,} samples of {len(sim.ranges)} range{'s' if len(sim.ranges) != 1 else ''}, "
        f"seed {sim.seed} (each sample priced as a whole month)",
        "",
        table(
            head,
            [["monthly total", *_p(data["total"])], ["revenue", *_p(data["revenue"])], ["margin", *_p(data["margin"])]],
            right={1, 2, 3, 4},
        ),
    ]
    if data["tiers"]:
        rows = []
        for t in data["tiers"]:
            rows += [
                [f"{t['name']}: cost per user", *_p(t["cost_per_user"], lambda x: usd(x, small=True))],
                [f"{t['name']}: margin", *_p(t["margin"])],
                [f"{t['name']}: margin %", *_p(t["margin_pct"], _pct)],
            ]
        parts += ["", "By tier", table(["tier", *head[1:]], rows, right={1, 2, 3, 4})]
    rows = [[f["name"], *_p(f["cost_per_use"], lambda x: usd(x, small=True))] for f in data["features"]]
    parts += ["", "Cost per use", table(["feature", *head[1:]], rows, right={1, 2, 3, 4})]
    if data["sensitivity"]:
        rows = [[w["input"], usd(w["low_total"]), usd(w["high_total"]), usd(w["swing"])] for w in data["sensitivity"]]
        parts += [
            "",
            "What moves the total (each range at its low and high, the others at their modes)",
            table(["input", "total at low", "total at high", "swing"], rows, right={1, 2, 3}),
        ]
    else:
        parts += ["", "The scenario has no ranges: every sample is the estimate."]
    return "\n".join(parts)


def forecast_text(months, plan, name: str) -> str:
    """`forecast`'s table: month by month users, total, revenue, margin and what starts that month."""
    rates = ", ".join(
        f"{t} +{plan.growth.get(t, 0):g}% -{plan.churn.get(t, 0):g}%"
        for t in dict.fromkeys([*plan.growth, *plan.churn])
    )
    rows = [
        [
            str(m.month),
            users(m.users),
            usd(m.total),
            usd(m.revenue),
            usd(m.margin),
            _pct(m.margin_pct),
            usd(m.cost_per_user, small=True),
            "; ".join(
                f"{'free tier used up' if e['kind'] == 'free_tier_runs_out' else 'volume tier'}: "
                f"{e['service']} {e['component']}"
                for e in m.events
            ),
        ]
        for m in months
    ]
    return "\n".join(
        [
            f"{name}: {len(months) - 1} months ahead; per month: {rates or 'no growth or churn'}",
            "",
            table(
                ["month", "users", "total", "revenue", "margin", "margin %", "cost per user", "starts"],
                rows,
                right={0, 1, 2, 3, 4, 5, 6},
            ),
        ]
    )


# ---------------------------------------------------------------- price book diffs


def price_diff_text(
    old: PriceBook,
    new: PriceBook,
    changes: list[ComponentChange],
    scenarios: list[ScenarioChange] | None = None,
    show_unchanged: bool = False,
) -> str:
    """`prices diff`: each changed component tier by tier, then what the change does to each scenario."""
    from pricing.diff import UNCHANGED, summary

    counts = summary(changes)
    parts = [
        f"Price book {old.as_of} ({old.path}) -> {new.as_of} ({new.path})",
        ", ".join(f"{n} {s}" for s, n in counts.items()) + " (region x component)",
    ]
    shown = [c for c in changes if show_unchanged or c.status != UNCHANGED]
    if shown:
        rows = []
        for c in shown:
            for i, t in enumerate(c.tiers):
                first = i == 0
                rows.append(
                    [
                        c.region if first else "",
                        c.service if first else "",
                        c.component if first else "",
                        c.unit if first else "",
                        c.status if first else "",
                        _tier(t),
                        t.old or "-",
                        t.new or "-",
                        _change_pct(t.change_pct),
                    ]
                )
        parts += [
            "",
            table(
                ["region", "service", "component", "unit", "status", "tier", "old USD", "new USD", "change"],
                rows,
                right={6, 7, 8},
            ),
        ]
    elif changes:
        parts += ["", "No price changed."]
    if scenarios:
        rows = [
            [
                s.scenario,
                _usd(s.old_total),
                _usd(s.new_total),
                "" if s.change is None else f"{s.change:+,.2f}",
                _change_pct(s.change_pct),
            ]
            for s in scenarios
        ]
        parts += [
            "",
            "Scenarios (monthly total, USD)",
            table(["scenario", "old", "new", "change", "change %"], rows, right={1, 2, 3, 4}),
        ]
        notes = [
            f"  {s.scenario}: {which} book: {err}"
            for s in scenarios
            for which, err in (("old", s.old_error), ("new", s.new_error))
            if err
        ]
        if notes:
            parts += ["", "Not priced:", *notes]
    return "\n".join(parts)


def _change_pct(x: float | None) -> str:
    """+20.00%, and small changes with two significant digits (+0.0016%) rather than +0.00%."""
    if x is None:
        return ""
    return f"{x:+.2g}%" if 0 < abs(x) < 0.01 else f"{x:+.2f}%"


def _usd(x: float | None) -> str:
    return "n/a" if x is None else f"{x:,.2f}"


def _tier(t: TierChange) -> str:
    return f"{_count(t.begin)}-{_count(t.end)}"


def _count(x: float) -> str:
    """6000000000 -> 6B, 300000000 -> 300M, Inf, 18600 -> 18,600."""
    if math.isinf(x):
        return "Inf"
    for size, suffix in ((1e9, "B"), (1e6, "M")):
        if x >= size and (x / size * 100) % 1 == 0:
            return f"{x / size:g}{suffix}"
    return f"{x:,.15g}"

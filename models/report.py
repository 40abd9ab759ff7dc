"""Plain-text tables of an estimate, for the command line."""

from __future__ import annotations

from models.engine import Estimate


def usd(x: float | None, small: bool = False) -> str:
    """$1,234.56; with small=True, tiny amounts keep 3 significant digits ($0.00000125)."""
    if x is None:
        return "-"
    if small and 0 < abs(x) < 0.01:
        return f"${x:.3g}" if abs(x) >= 1e-4 else f"${x:.3e}"
    return f"-${-x:,.2f}" if x < 0 else f"${x:,.2f}"


def quantity(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 or x == int(x) else f"{x:,.4g}"


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
        "",
        "By line",
        table(
            ["service", "component", "quantity", "unit", "unit price", "cost"],
            [
                [ln.service, ln.component, quantity(ln.quantity), ln.unit, f"${ln.unit_price:.10g}", usd(ln.cost)]
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
                        quantity(t.users),
                        usd(t.price),
                        usd(t.revenue),
                        usd(t.cost),
                        usd(t.cost_per_user, small=True),
                        usd(t.margin),
                        "-" if t.margin_pct is None else f"{t.margin_pct:.1%}",
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
                c.resource,
                _rate(c.peak),
                _rate(c.quota),
                "full" if c.utilization is None else f"{c.utilization:.1%}",
                "-" if c.users_at_limit is None else f"{c.users_at_limit:,.0f}",
                c.unit,
                c.note,
            ]
            for c in e.capacity
        ]
        parts += [
            "",
            f"Capacity at peak (> marks the first limit reached as users grow, {e.users:,.0f} users today)",
            table(
                ["limit", "resource", "peak", "quota", "utilization", "users at limit", "unit", "note"],
                rows,
                right={2, 3, 4, 5},
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
    return "\n".join(parts)

"""Two estimates side by side: the monthly total, each tier's cost per user and margin, each feature's cost per
use and each service's cost, for the base, the head and the change.

The figures are the estimate's own (`cli.py estimate --json`): the total and the services to the cent, the
rest unrounded, and `margin_pct` as the estimate gives it (a fraction: 0.7 is 70%). A name on one side only
has None (JSON null) on the other, and no change. Changes of amounts kept to the cent are rounded to the cent,
so that 0.1 + 0.2 float noise never shows as a change.
"""

from __future__ import annotations

from models.engine import Estimate
from models.report import percent, table, usd


def _pair(base: float | None, head: float | None, cents: bool = False) -> dict:
    change = None if base is None or head is None else head - base
    if change is not None and cents:
        change = round(change, 2) + 0.0  # never -0.0
    return {"base": base, "head": head, "change": change}


def _names(base: list[str], head: list[str]) -> list[str]:
    """The base's names in its order, then the head's new ones in theirs."""
    return base + [n for n in head if n not in base]


def compare(base: Estimate, head: Estimate) -> dict:
    """The diff as JSON-ready data (the contract of `cli.py diff --json`)."""
    bt, ht = {t.name: t for t in base.tiers}, {t.name: t for t in head.tiers}
    bf, hf = {f.name: f for f in base.features}, {f.name: f for f in head.features}

    def get(d: dict, name: str, key: str):
        return getattr(d[name], key) if name in d else None

    return {
        "total": _pair(base.total, head.total, cents=True),
        "tiers": [
            {
                "name": n,
                "cost_per_user": _pair(get(bt, n, "cost_per_user"), get(ht, n, "cost_per_user")),
                "margin_pct": _pair(get(bt, n, "margin_pct"), get(ht, n, "margin_pct")),
            }
            for n in _names(list(bt), list(ht))
        ],
        "features": [
            {"name": n, "cost_per_use": _pair(get(bf, n, "cost_per_use"), get(hf, n, "cost_per_use"))}
            for n in _names(list(bf), list(hf))
        ],
        "services": [
            {"name": n, "cost": _pair(base.services.get(n), head.services.get(n), cents=True)}
            for n in _names(list(base.services), list(head.services))
        ],
    }


# ---------------------------------------------------------------- how a figure and its change read


def money_change(x: float | None, small: bool = False) -> str:
    """+$1.23, -$0.50, $0.00 for none; "-" when there is no change to show (a name on one side only)."""
    if x is None:
        return "-"
    if x == 0:
        return "$0.00"
    return ("+" if x > 0 else "") + usd(x, small=small)


def margin(x: float | None) -> str:
    """A margin fraction as the estimate shows it: 0.036 -> 3.6%."""
    return "-" if x is None else percent(100 * x)


def margin_change(x: float | None) -> str:
    """Percentage points: +2.1 pp."""
    if x is None:
        return "-"
    if x == 0:
        return "0 pp"
    shown = percent(100 * x).removesuffix("%")
    return ("+" if x > 0 and not shown.startswith(("<", ">")) else "") + shown + " pp"


def _small(c: dict) -> tuple[str, str, str]:
    """A per-user or per-use amount: below a cent, three significant figures."""
    return usd(c["base"], True), usd(c["head"], True), money_change(c["change"], True)


def rows(d: dict) -> list[tuple[str, str, str, str, str]]:
    """(section, name, base, head, change) as text, for both the terminal and the pull-request table."""
    out = [
        (
            "total",
            "monthly total",
            usd(d["total"]["base"]),
            usd(d["total"]["head"]),
            money_change(d["total"]["change"]),
        )
    ]
    for t in d["tiers"]:
        out.append(("tier", f"{t['name']}: cost per user", *_small(t["cost_per_user"])))
        m = t["margin_pct"]
        out.append(("tier", f"{t['name']}: margin", margin(m["base"]), margin(m["head"]), margin_change(m["change"])))
    for f in d["features"]:
        out.append(("feature", f"{f['name']}: cost per use", *_small(f["cost_per_use"])))
    for s in d["services"]:
        c = s["cost"]
        out.append(("service", s["name"], usd(c["base"]), usd(c["head"]), money_change(c["change"])))
    return out


def diff_text(d: dict, base: str, head: str) -> str:
    """The diff as a terminal table."""
    return f"base: {base}\nhead: {head}\n\n" + table(
        ["", "what", "base", "head", "change"], [list(r) for r in rows(d)], right={2, 3, 4}
    )

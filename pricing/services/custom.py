"""Any other per-unit service the user names with a unit and a USD price per unit
(Comprehend, Translate, Bedrock, Cognito MAU, data transfer...). Meter: custom.NAME in units.
Prices come from the scenario, not the book, and get no free tier."""

from __future__ import annotations

from pricing.lines import Line, Prices, Usage, used

NAME = SERVICE = "custom"
TITLE = "Per-unit services"
ORDER = 99
BILL_NAMES = ()  # Cost Explorer lines are matched to the names the user gave


def lines(usage: Usage, prices: Prices) -> list[Line]:
    out = []
    for name, (unit, usd) in prices.custom.items():
        q = usage[f"{SERVICE}.{name}"]
        if used(q):
            out.append(Line(name, unit, unit, usd, q, f"{SERVICE}.{name}"))
    return out


def per_use(feature, s) -> dict[str, float]:
    return {f"{SERVICE}.{name}": units for name, units in feature.services.items()}

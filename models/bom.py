"""Bill of materials of a feature: what one use costs, split by service and component, and the hidden
drivers that make it cost more than its footprint suggests.

Two prices per use are given for every component:
- `cost_per_use`: the feature's share of this month's bill, as the engine allocates it (free tier and
  volume discounts shared over the features that use a meter, plus its share of the costs no
  feature causes). These add up to the engine's cost per use of the feature.
- `list_cost_per_use`: the quantity one use puts on the meter times the meter's price at this
  month's volume, without the free tier: what one more use costs once the free tier is used up.

Hidden drivers are the parts of the list cost that come from billing rules rather than from the
work itself: 32 KB WebSocket message increments, GSI write amplification, DynamoDB item-size
rounding, INIT billing of cold starts, 1 ms duration rounding and CloudWatch Logs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.engine import compile_scenario, share
from models.scenario import Scenario
from pricing.book import PriceBook
from pricing.lines import Prices, Usage
from pricing.services import registry

SHARED = "shared"
SHARED_COMPONENT = "Storage and provisioned capacity (shared)"


@dataclass(frozen=True)
class BomLine:
    feature: str
    service: str
    component: str
    quantity_per_use: float  # on the component's meter (metered units: 32 KB messages, request units...)
    unit: str
    unit_price: float  # USD per unit at this month's volume, without the free tier
    list_cost_per_use: float  # quantity_per_use x unit_price
    cost_per_use: float  # the feature's allocated share of this month's bill, per use


@dataclass(frozen=True)
class Driver:
    feature: str
    name: str
    explanation: str
    quantity_per_use: float
    unit: str
    list_cost_per_use: float  # USD per use at this month's prices, without the free tier
    share: float  # of the feature's list cost per use

    @property
    def significant(self) -> bool:
        return self.share >= 0.05


@dataclass(frozen=True)
class Bom:
    features: list[str]
    uses: dict[str, float]  # per month
    lines: list[BomLine]
    drivers: list[Driver]

    def cost_per_use(self, feature: str) -> float:
        return sum(b.cost_per_use for b in self.lines if b.feature == feature)

    def list_cost_per_use(self, feature: str) -> float:
        return sum(b.list_cost_per_use for b in self.lines if b.feature == feature)

    def of(self, feature: str) -> tuple[list[BomLine], list[Driver]]:
        return [b for b in self.lines if b.feature == feature], [d for d in self.drivers if d.feature == feature]


def _meta(line) -> tuple[str, str, str]:
    """Service, component and unit of a line's meter. A service the user named has one component,
    which carries the service's name (its lines are named after the unit)."""
    component = line.service if line.meter.startswith("custom.") else line.component
    return line.service, component, line.unit


def bill_of_materials(s: Scenario, book: PriceBook | None = None) -> Bom:
    w = compile_scenario(s, book)
    uses = np.asarray(w.uses(), dtype=float).reshape(-1)
    quantities = w.quantities()  # meters x 1
    lines = w.lines(quantities)
    q = quantities[:, 0]
    index = {m: i for i, m in enumerate(w.meters)}

    # Allocation by the engine's one rule: each line's cost by quantity on its meter; fixed parts shared.
    meter_cost = np.zeros(len(w.meters))
    meta: dict[str, tuple[str, str, str]] = {}  # meter -> service, component, unit
    for line in lines:
        meter_cost[index[line.meter]] += float(line.cost[0])
        meta.setdefault(line.meter, _meta(line))
    sh = share(w, meter_cost, q, uses)
    per_use_alloc = sh.per_use  # features x meters
    direct = uses * per_use_alloc.sum(axis=1)
    shared_per_use = np.zeros(len(w.features))
    if sh.shared and not sh.unallocated:
        shared_per_use = np.divide(sh.feature - direct, uses, out=shared_per_use, where=uses > 0)

    price, price_meta = marginal_prices(w, q)
    meta = price_meta | meta

    out: list[BomLine] = []
    use_q, _ = w.per_use_now()  # sized capacity included, by each feature's share of its load
    for i, f in enumerate(w.features):
        for m, meter in enumerate(w.meters):
            qty = use_q[i, m]
            if qty <= 0:
                continue
            service, component, unit = meta[meter]
            out.append(
                BomLine(
                    feature=f,
                    service=service,
                    component=component,
                    quantity_per_use=float(qty),
                    unit=unit,
                    unit_price=price[meter],
                    list_cost_per_use=float(qty * price[meter]),
                    cost_per_use=float(per_use_alloc[i, m]) if uses[i] > 0 else 0.0,
                )
            )
        if shared_per_use[i]:
            out.append(BomLine(f, SHARED, SHARED_COMPONENT, 0.0, "", 0.0, 0.0, float(shared_per_use[i])))

    list_cost = {f: sum(b.list_cost_per_use for b in out if b.feature == f) for f in w.features}
    drivers = [d for f in w.features for d in _drivers(s, f, price, list_cost[f])]
    return Bom(
        features=list(w.features), uses={f: float(u) for f, u in zip(w.features, uses)}, lines=out, drivers=drivers
    )


def marginal_prices(w, q: np.ndarray) -> tuple[dict[str, float], dict[str, tuple[str, str, str]]]:
    """Per meter: the USD unit price of the volume tier this month's quantity reaches, before the free
    tier (the price of one more unit once the free tier is used up), and its service/component/unit."""
    prices = Prices(w.prices.book, w.prices.region, False, w.prices.custom)
    tiny = 1e-12  # a meter nobody uses yet still gets its first-tier price
    usage = Usage(1, {m: np.array([max(float(x), tiny)]) for m, x in zip(w.meters, q)})  # one point
    price: dict[str, float] = {}
    meta: dict[str, tuple[str, str, str]] = {}
    for service in registry():
        for line in service.lines(usage, prices):
            if line.meter not in usage:
                continue
            meta.setdefault(line.meter, _meta(line))
            if line.meter not in price or line.quantity[0] > 0:
                price[line.meter] = line.unit_price  # tiers come in order: the last one used wins
    return price, meta


def _drivers(s: Scenario, name: str, price: dict[str, float], list_cost: float) -> list[Driver]:
    f = s.features[name]
    found = [d for service in registry() for d in service.drivers(f, s, price) if d[2] > 1e-12]

    merged: dict[str, list] = {}  # the same driver from several operations on one table: one row
    for title, why, qty, unit, usd in found:
        if title in merged:
            merged[title][2] += qty
            merged[title][4] += usd
        else:
            merged[title] = [title, why, qty, unit, usd]
    return [
        Driver(name, title, why, qty, unit, usd, usd / list_cost if list_cost > 0 else 0.0)
        for title, why, qty, unit, usd in merged.values()
    ]

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

import re
from dataclasses import dataclass

import numpy as np

from models.engine import compile_scenario
from models.scenario import Scenario
from pricing import METER_MODULES, aws_lambda, dynamodb, websocket
from pricing.book import PriceBook
from pricing.lines import Prices, Usage, blocks

SHARED = "shared"
SHARED_COMPONENT = "Storage and provisioned capacity (shared)"
_TIER_SUFFIX = re.compile(r" \((free tier|first [^)]*|next [^)]*|over [^)]*)\)$")


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


def component_name(component: str) -> str:
    """'Duration arm64 (first 7.5B)' -> 'Duration arm64': one component per meter, whatever the tier."""
    return _TIER_SUFFIX.sub("", component)


def _meta(line) -> tuple[str, str, str]:
    """Service, component and unit of a line's meter. A service the user named has one component,
    which carries the service's name (its lines are named after the unit)."""
    component = line.service if line.meter.startswith("custom.") else component_name(line.component)
    return line.service, component, line.unit


def bill_of_materials(s: Scenario, book: PriceBook | None = None) -> Bom:
    w = compile_scenario(s, book)
    uses = np.asarray(w.uses(), dtype=float).reshape(-1)
    quantities = w.quantities()  # meters x 1
    lines = w.lines(quantities)
    q = quantities[:, 0]
    index = {m: i for i, m in enumerate(w.meters)}

    # Allocation as the engine does it: each line's cost by quantity on its meter; fixed parts shared.
    meter_cost = np.zeros(len(w.meters))
    meta: dict[str, tuple[str, str, str]] = {}  # meter -> service, component, unit
    for line in lines:
        meter_cost[index[line.meter]] += float(line.cost[0])
        meta.setdefault(line.meter, _meta(line))
    safe_q = np.where(q > 0, q, 1.0)
    per_use_alloc = w.per_use * np.where(q > 0, meter_cost / safe_q, 0.0)[None, :]  # features x meters
    shared = float((meter_cost * w.fixed / safe_q)[q > 0].sum())
    weights = (per_use_alloc * uses[:, None]).sum(axis=1)
    if weights.sum() <= 0:
        weights = uses.copy()
    shared_per_use = np.zeros(len(w.features))
    if shared and weights.sum() > 0:
        with np.errstate(divide="ignore", invalid="ignore"):
            shared_per_use = np.where(uses > 0, shared * weights / weights.sum() / uses, 0.0)

    price, price_meta = marginal_prices(w, q)
    meta = price_meta | meta

    out: list[BomLine] = []
    for i, f in enumerate(w.features):
        for m, meter in enumerate(w.meters):
            qty = w.per_use[i, m]
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
    for module in METER_MODULES:
        for line in module.lines(usage, prices):
            if line.meter not in usage:
                continue
            meta.setdefault(line.meter, _meta(line))
            if line.meter not in price or line.quantity[0] > 0:
                price[line.meter] = line.unit_price  # tiers come in order: the last one used wins
    return price, meta


def _drivers(s: Scenario, name: str, price: dict[str, float], list_cost: float) -> list[Driver]:
    f = s.features[name]
    found: list[tuple[str, str, float, str, float]] = []  # name, explanation, quantity, unit, USD

    def add(title: str, why: str, qty: float, unit: str, usd: float) -> None:
        if qty > 1e-12:
            found.append((title, why, qty, unit, usd))

    if f.websocket and f.websocket.messages:
        ws = f.websocket
        n = blocks(ws.message_kb, websocket.INCREMENT_KB)
        add(
            "32 KB message increments",
            f"each {ws.message_kb:g} KB message is metered as {n} messages of 32 KB",
            ws.messages * (n - 1),
            "message",
            ws.messages * (n - 1) * price.get("websocket.messages", 0.0),
        )

    for op in f.dynamodb:
        table = s.tables[op.table]
        on_demand = table.capacity == "on_demand"
        c = table.table_class
        if op.writes is not None:
            wru = price.get(f"dynamodb.write_request_units.{c}", 0.0) if on_demand else 0.0
            units = blocks(op.item_kb, 1)
            gsis = table.gsis if op.gsis is None else op.gsis
            gsi_units = dynamodb.gsi_write_units(op.writes, op.item_kb, gsis)
            add(
                f"GSI write amplification ({op.table})",
                f"every write also writes {gsis:g} global secondary index(es)"
                + ("" if on_demand else "; served by provisioned capacity"),
                gsi_units,
                "WRU",
                gsi_units * wru,
            )
            waste = op.writes * (units - op.item_kb) * ((2 if op.transactional else 1) + gsis)
            add(
                f"Item-size rounding, writes ({op.table})",
                f"a {op.item_kb:g} KB item is billed as {units} KB of 1 KB write units",
                waste,
                "WRU",
                waste * wru,
            )
        else:
            rru = price.get(f"dynamodb.read_request_units.{c}", 0.0) if on_demand else 0.0
            units = blocks(op.item_kb, 4)
            waste = op.reads * (units - op.item_kb / 4) * dynamodb.CONSISTENCY_FACTOR[op.consistency]
            add(
                f"Item-size rounding, reads ({op.table})",
                f"a {op.item_kb:g} KB read is billed as {units} x 4 KB read units",
                waste,
                "RRU",
                waste * rru,
            )

    for fn_name, n in f.invocations.items():
        fn = s.functions[fn_name]
        gb = aws_lambda.gb(fn.memory_mb)
        on_demand_share = 1 - (fn.provisioned.share if fn.provisioned else 0.0)
        gb_s_price = price.get(f"lambda.duration_gb_s.{fn.architecture}", 0.0)
        init_ms = aws_lambda.billed_ms(fn.duration_ms, fn.cold_start_rate, fn.init_ms) - aws_lambda.billed_ms(
            fn.duration_ms
        )
        init_gb_s = n * on_demand_share * init_ms / 1000 * gb
        add(
            f"INIT billing ({fn_name})",
            f"{fn.cold_start_rate:.1%} of invocations are cold starts that bill {fn.init_ms:g} ms of INIT",
            init_gb_s,
            "GB-second",
            init_gb_s * gb_s_price,
        )
        round_ms = aws_lambda.billed_ms(fn.duration_ms) - fn.duration_ms
        round_gb_s = n * on_demand_share * round_ms / 1000 * gb
        add(
            f"1 ms duration rounding ({fn_name})",
            f"{fn.duration_ms:g} ms is billed as {aws_lambda.billed_ms(fn.duration_ms):g} ms",
            round_gb_s,
            "GB-second",
            round_gb_s * gb_s_price,
        )
        log_gb = n * fn.log_kb / 1024**2
        add(
            f"CloudWatch Logs ({fn_name})",
            f"{fn.log_kb:g} KB of logs per invocation",
            log_gb,
            "GB",
            log_gb * price.get("logs.lambda_gb", 0.0),
        )

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

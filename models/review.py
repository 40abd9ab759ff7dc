"""The monthly cost review: what the model expected, what CloudWatch metered and what AWS billed, side by side.

One row per service and usage type (the AWS usage type without its region prefix, as Cost Explorer names it):

    modelled quantity and cost   the scenario's estimate (the engine's lines for that meter)
    metered quantity             the CloudWatch import for the month (None where CloudWatch has no metric);
                                 connection minutes, which no metric carries, come from the billed usage type
    billed quantity and cost     Cost Explorer, usage records only
    variance                     billed cost - modelled cost

The variance of a modelled row splits exactly into three parts, each priced with the scenario's price book and
free tier over all meters at once (the Always Free allowance is shared between meters, as AWS shares it):

    usage     = list price of the metered quantities - modelled cost        (the workload differs from the model)
    metering  = list price of the billed quantities  - list price of metered (rounding, INIT, 32 KB increments)
    rate      = billed cost - list price of the billed quantities           (free tier, volume tiers, discounts)

Usage types the model does not price (S3, another region, Cost Explorer's own requests...) are rows of their
own ("services outside the model"), as are credits, refunds and tax. The waterfall is model -> metered ->
billed: modelled, + usage, = metered at list prices, + metering, = billed usage at list prices, + rate,
+ outside the model, + credits/refunds/tax, = billed.

Unit costs for the month: the billed total over the month's users; each row's billed cost is shared over the
features in the proportions the model puts on that meter, and whatever no feature causes (fixed quantities,
rows outside the model, credits) over the features in proportion to their usage-driven cost, so features add
up to the bill. A feature's uses in the month are the model's, with every tier scaled to the month's users;
a tier's cost is its uses times each feature's billed cost per use.

Amounts are USD; each row's billed cost is rounded to the cent (half up) and the totals are sums of rows.
"""

from __future__ import annotations

import calendar
import math
import re
from dataclasses import asdict, dataclass, field, fields
from datetime import date

import numpy as np

from errors import UnitcostError
from models.engine import PER_USER, compile_scenario, estimate, share
from models.scenario import Scenario
from pricing.book import PriceBook, PriceError
from pricing.lines import Prices, Usage, round_cents
from pricing.services import components, registry
from pricing.services import dynamodb as ddb


def usage_types() -> dict[str, str]:
    """The model's meters and the AWS usage type (without region prefix) each one is billed under."""
    return {m: c.usage_type for m, (_, c) in components().items()}


def also_billed_as() -> dict[str, str]:
    """Further usage types billed on a meter (custom log ingestion is priced like the model's Lambda logs)."""
    return {u: m for m, (_, c) in components().items() for u in (*c.also_billed_as, *c.aliases)}


def free_tier_meters() -> frozenset[str]:
    """Meters with an Always Free allowance in the price book."""
    return frozenset(m for m, (_, c) in components().items() if c.free)


def hourly_meters() -> frozenset[str]:
    """Quantities billed by the hour: a month longer than the scenario's hours_per_month bills more of them."""
    return frozenset(m for m, (_, c) in components().items() if c.hourly)


MONEY_EPS = 0.005  # USD: effects smaller than half a cent are not worth a cause
QUANTITY_REL = 0.005  # quantities within 0.5% are the same

# Causes, in the words of the review
FREE_TIER = "free tier"
VOLUME_TIERS = "volume tiers"
ROUNDING_INIT = "1 ms rounding and INIT not in the Duration metric"
MINUTES_ESTIMATED = "connection minutes estimated"
MESSAGE_ROUNDING = "32 KB message rounding"
GSI_WRITES = "GSI writes"
OUTSIDE = "services outside the model"
CREDITS = "credits"
USAGE = "usage differs from the model"
MONTH_LENGTH = "month length"
NOT_BILLED = "not on the bill"
NOT_MODELLED = "not in the scenario"
PRICE = "price differs from the price book"
METERING = "billed quantity differs from the metered"
NO_PRICE = "no list price in the price book"

RECORD_CAUSES = {"Credit": CREDITS, "Refund": "refund", "Tax": "tax (not in the model)"}


class ReviewError(UnitcostError):
    """Bad review input (a month, a user count): one sentence for a person."""


# ---------------------------------------------------------------- months

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str) -> tuple[date, date]:
    """'2026-10' -> (2026-10-01, 2026-11-01): the first day and the first day of the next month."""
    m = _MONTH.match(text or "")
    if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 2000:
        raise ReviewError(f"bad month {text!r}: give it as YYYY-MM, for example 2026-10")
    year, month = int(m.group(1)), int(m.group(2))
    start = date(year, month, 1)
    end = date(year + (month == 12), month % 12 + 1, 1)
    return start, end


def month_hours(month: str) -> int:
    start, _ = parse_month(month)
    return calendar.monthrange(start.year, start.month)[1] * 24


def recent_months(today: date, count: int = 12) -> list[str]:
    """The `count` months before `today`'s month, newest first: the months a review can be final for."""
    y, m = today.year, today.month
    out = []
    for _ in range(count):
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
        out.append(f"{y:04d}-{m:02d}")
    return out


# ---------------------------------------------------------------- inputs


def _known(cls, d: dict) -> dict:
    """The keys of `d` that are fields of the dataclass `cls`: a key written by a newer version is left out."""
    return {f.name: d[f.name] for f in fields(cls) if f.name in d}


@dataclass
class Metered:
    """What CloudWatch metered in the month, by the model's meters (monthly totals)."""

    quantities: dict[str, float]
    source: str = ""
    connects: float | None = None  # WebSocket connections opened (ConnectCount)
    gsi_write_units: dict[str, float] = field(default_factory=dict)  # write meter -> WRU written to GSIs
    invocations: dict[str, float] = field(default_factory=dict)  # architecture -> invocations
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict | None) -> Metered | None:
        return None if d is None else cls(**_known(cls, d))


@dataclass
class BilledLine:
    """One Cost Explorer group of usage records: a service and a usage type, as billed."""

    service: str  # Cost Explorer SERVICE, "AWS Lambda"
    usage_type: str  # USAGE_TYPE as billed, "USE1-ApiGatewayMessage"
    quantity: float  # UsageQuantity
    unit: str  # its unit as Cost Explorer gives it
    cost: float  # UnblendedCost, USD
    meter: str | None = None  # the model's meter it is billed on; None: outside the model
    outside: str = ""  # why it is outside the model


@dataclass
class Bill:
    """The month's bill from Cost Explorer (or the demo account)."""

    month: str
    lines: list[BilledLine]
    other: dict[str, float] = field(default_factory=dict)  # record types other than Usage: Credit, Tax...
    estimated: bool = False  # Cost Explorer marks months that are not final
    source: str = ""
    requests: int = 0  # Cost Explorer requests made for this bill ($0.01 each); 0 when cached
    cached: bool = False
    fetched_at: str = ""
    notes: list[str] = field(default_factory=list)
    # Usage lines' cost by cost-allocation tag (a Cost and Usage Report has them per line; Cost Explorer's
    # answers do not): {"meter": meter or None, "feature": tag value or None, "tenant": tag value or None, "cost"}
    tagged: list[dict] = field(default_factory=list)
    # Savings Plans as a Cost and Usage Report details them (Cost Explorer's records do not): the negation lines by
    # the meter of the usage they cover (meter -> USD, negative), and the recurring fee's commitment and used part
    negations: dict[str, float] = field(default_factory=dict)
    # usage lines of one resource (the CUR's line_item_resource_id) without a feature tag:
    # {"meter", "resource": the id as billed (an ARN or a name), "cost"}
    by_resource: list[dict] = field(default_factory=list)
    commitment_usd: float | None = None
    commitment_used_usd: float | None = None

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict) -> Bill:
        return cls(**_known(cls, d) | {"lines": [BilledLine(**_known(BilledLine, ln)) for ln in d.get("lines", [])]})


# ---------------------------------------------------------------- results


@dataclass
class ReviewLine:
    service: str
    usage_type: str
    kind: str  # model | outside | record
    unit: str
    modelled_quantity: float
    modelled_cost: float
    metered_quantity: float | None
    metered_source: str | None  # cloudwatch | billed | None
    billed_quantity: float | None
    billed_cost: float
    variance: float
    cause: str
    causes: list[dict] = field(default_factory=list)  # {"cause", "amount", "detail"}
    usage_effect: float | None = None
    metering_effect: float | None = None
    rate_effect: float | None = None
    billed_usage_types: list[str] = field(default_factory=list)
    meter: str | None = None


@dataclass
class Review:
    month: str
    scenario_name: str
    region: str
    prices_as_of: str
    lines: list[ReviewLine]
    total_modelled: float
    total_metered: float  # metered quantities at list prices (modelled where nothing was metered)
    total_billed: float
    variance: float
    waterfall: list[dict]  # {"step", "amount", "measure": absolute | relative | total}
    unit_costs: dict
    notes: list[str] = field(default_factory=list)
    estimated: bool = False
    tag: str | None = None
    month_hours: int = 0
    hours_per_month: float = 730
    bill_source: str = ""
    metered_source: str = ""
    # per declared Savings Plan: the modelled commitment and utilisation beside the bill's (SavingsPlanRecurringFee)
    commitments: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        d = asdict(self)
        # The contract's keys first: {"month", "lines", "total_modelled", "total_billed"}, extras after.
        return {
            "month": d.pop("month"),
            "lines": d.pop("lines"),
            "total_modelled": d.pop("total_modelled"),
            "total_billed": d.pop("total_billed"),
            **d,
        }

    @classmethod
    def from_json(cls, d: dict) -> Review:
        """The review from its JSON, as saved by this or an older version (fields added since take their defaults)."""
        return cls(**_known(cls, d) | {"lines": [ReviewLine(**_known(ReviewLine, ln)) for ln in d["lines"]]})


# ---------------------------------------------------------------- pricing of quantities


@dataclass
class _Priced:
    cost: dict[str, float]  # meter -> USD (cent-rounded lines summed)
    free: set[str]  # meters with a free-tier line
    tiers: dict[str, int]  # meter -> paid lines (more than one: volume tiers)
    missing: set[str]  # meters the book has no price for


def price_meters(prices: Prices, quantities: dict[str, float]) -> _Priced:
    """Each meter's cost at list prices, all meters priced together so shared allowances are shared."""
    try:
        return _price_all(prices, quantities)
    except PriceError:
        pass
    out = _Priced({}, set(), {}, set())
    for m, q in quantities.items():  # one at a time: find the meters the book cannot price
        try:
            p = _price_all(prices, {m: q})
        except PriceError:
            out.missing.add(m)
            continue
        out.cost.update(p.cost)
        out.free |= p.free
        out.tiers.update(p.tiers)
    return out


def _price_all(prices: Prices, quantities: dict[str, float]) -> _Priced:
    usage = Usage(1, {m: np.array([float(q)]) for m, q in quantities.items()})
    out = _Priced({m: 0.0 for m in quantities}, set(), {}, set())
    for service in registry():
        for line in service.lines(usage, prices):
            if line.meter not in quantities:
                continue
            out.cost[line.meter] = out.cost.get(line.meter, 0.0) + float(line.cost[0])
            if line.free:
                out.free.add(line.meter)
            elif line.quantity[0] > 0:
                out.tiers[line.meter] = out.tiers.get(line.meter, 0) + 1
    return out


def service_of(meter: str) -> str:
    kind, _, rest = meter.partition(".")
    return rest if kind == "custom" else kind


def usage_type_of(meter: str) -> str:
    return usage_types().get(meter, "(all usage types)" if meter.startswith("custom.") else meter)


# ---------------------------------------------------------------- the reconciliation


def reconcile(
    s: Scenario,
    bill: Bill,
    metered: Metered | None = None,
    users: float | None = None,
    users_source: str = "",
    book: PriceBook | None = None,
    tag: str | None = None,
) -> Review:
    """The review of `bill.month` for scenario `s`: rows, waterfall, causes and unit costs."""
    hours = month_hours(bill.month)
    w = compile_scenario(s, book)
    model_q = dict(zip(w.meters, w.quantities()[:, 0]))
    model_cost: dict[str, float] = {}
    units: dict[str, str] = {}
    for line in w.lines(w.quantities()):
        model_cost[line.meter] = model_cost.get(line.meter, 0.0) + float(line.cost[0])
        units.setdefault(line.meter, line.unit)

    billed_q: dict[str, float] = {}
    billed_raw: dict[str, float] = {}
    billed_types: dict[str, list[str]] = {}
    outside: list[BilledLine] = []
    for bl in bill.lines:
        if bl.meter is None:
            outside.append(bl)
            continue
        billed_q[bl.meter] = billed_q.get(bl.meter, 0.0) + bl.quantity
        billed_raw[bl.meter] = billed_raw.get(bl.meter, 0.0) + bl.cost
        billed_types.setdefault(bl.meter, []).append(bl.usage_type)
        units.setdefault(bl.meter, bl.unit)

    other = dict(bill.other)
    matched = _match_commitments(s, w, model_cost, other, bill, hours, billed_q, billed_raw, billed_types)

    mq = dict(metered.quantities) if metered else {}
    metered_from: dict[str, str] = {m: "cloudwatch" for m in mq}
    minutes = "websocket.connection_minutes"
    if minutes not in mq and minutes in billed_q:  # no metric carries them: the bill is the measurement
        mq[minutes] = billed_q[minutes]
        metered_from[minutes] = "billed"

    meters = [m for m in w.meters if model_q.get(m, 0) > 0 or model_cost.get(m, 0) or m in billed_q or mq.get(m)]
    meters += [m for m in billed_q if m not in meters]
    meters += [m for m in mq if m not in meters and mq[m] > 0]

    at_model = price_meters(w.prices, {m: model_q.get(m, 0.0) for m in meters})
    at_metered = price_meters(w.prices, {m: mq.get(m, model_q.get(m, 0.0)) for m in meters})
    at_billed = price_meters(w.prices, {m: billed_q.get(m, 0.0) for m in meters})

    facts = _Facts(s, w, model_q, metered, hours, tag, at_billed, at_model)
    meters.sort(key=_meter_order)
    rows: list[ReviewLine] = []
    for m in meters:
        modelled = round(model_cost.get(m, 0.0), 2)
        billed = _cents(billed_raw.get(m, 0.0))
        priced = m not in (at_metered.missing | at_billed.missing | at_model.missing)
        effects = (None, None, None)
        if priced:
            a1, a2 = at_metered.cost.get(m, 0.0), at_billed.cost.get(m, 0.0)
            effects = (a1 - modelled, a2 - a1, billed - a2)
        q0, q1 = model_q.get(m, 0.0), mq.get(m)
        q2 = billed_q.get(m, 0.0)
        causes = facts.causes(m, q0, q1, metered_from.get(m), q2, m in billed_q, effects, priced)
        rows.append(
            ReviewLine(
                service=service_of(m),
                usage_type=usage_type_of(m),
                kind="model",
                unit=units.get(m, ""),
                modelled_quantity=float(q0),
                modelled_cost=modelled,
                metered_quantity=None if q1 is None else float(q1),
                metered_source=metered_from.get(m),
                billed_quantity=float(q2),
                billed_cost=billed,
                variance=round(billed - modelled, 2),
                cause=_join(causes),
                causes=causes,
                usage_effect=_r2(effects[0]),
                metering_effect=_r2(effects[1]),
                rate_effect=_r2(effects[2]),
                billed_usage_types=sorted(billed_types.get(m, [])),
                meter=m,
            )
        )
    for bl in sorted(outside, key=lambda b: (-abs(b.cost), b.service, b.usage_type)):
        cost = _cents(bl.cost)
        why = bl.outside or f"{bl.service} {bl.usage_type} is not in the model"
        causes = [{"cause": OUTSIDE, "amount": cost, "detail": why}]
        rows.append(
            ReviewLine(
                service=bl.service,
                usage_type=bl.usage_type,
                kind="outside",
                unit=bl.unit,
                modelled_quantity=0.0,
                modelled_cost=0.0,
                metered_quantity=None,
                metered_source=None,
                billed_quantity=float(bl.quantity),
                billed_cost=cost,
                variance=cost,
                cause=OUTSIDE,
                causes=causes,
                billed_usage_types=[bl.usage_type],
            )
        )
    for record, amount in other.items():
        cost = _cents(amount)
        if cost == 0:
            continue
        label = RECORD_CAUSES.get(record, f"{record.lower()} (not in the model)")
        rows.append(
            ReviewLine(
                service=record,
                usage_type="(all usage types)",
                kind="record",
                unit="USD",
                modelled_quantity=0.0,
                modelled_cost=0.0,
                metered_quantity=None,
                metered_source=None,
                billed_quantity=None,
                billed_cost=cost,
                variance=cost,
                cause=label,
                causes=[{"cause": label, "amount": cost, "detail": f"{record} records"}],
            )
        )

    total_modelled = _sum(r.modelled_cost for r in rows)
    total_billed = _sum(r.billed_cost for r in rows)
    model_rows = [r for r in rows if r.kind == "model"]
    usage = _sum(r.usage_effect or 0.0 for r in model_rows)
    metering = _sum(r.metering_effect or 0.0 for r in model_rows)
    out_total = _sum(r.billed_cost for r in rows if r.kind == "outside")
    records = _sum(r.billed_cost for r in rows if r.kind == "record")
    metered_total = round(total_modelled + usage, 2)
    billed_at_list = round(metered_total + metering, 2)
    rate = round(total_billed - billed_at_list - out_total - records, 2)  # rows without a list price land here
    waterfall = [
        {"step": "Modelled", "amount": total_modelled, "measure": "absolute"},
        {"step": "Usage vs model", "amount": usage, "measure": "relative"},
        {"step": "Metered at list prices", "amount": metered_total, "measure": "total"},
        {"step": "Metering (rounding, INIT, 32 KB)", "amount": metering, "measure": "relative"},
        {"step": "Billed usage at list prices", "amount": billed_at_list, "measure": "total"},
        {"step": "Free tier, volume tiers, rates", "amount": rate, "measure": "relative"},
        {"step": "Outside the model", "amount": out_total, "measure": "relative"},
        {"step": "Credits, refunds, tax", "amount": records, "measure": "relative"},
        {"step": "Billed", "amount": total_billed, "measure": "total"},
    ]

    notes = list(bill.notes)
    if hours != s.hours_per_month:
        notes.append(
            f"{bill.month} has {hours} h; the scenario models a month of {s.hours_per_month:g} h, so "
            f"hourly quantities differ by {hours / s.hours_per_month - 1:+.1%} for that alone."
        )
    if bill.estimated:
        notes.append(f"Cost Explorer marks {bill.month} as estimated: the bill is not final yet.")
    if not bill.lines:
        notes.append(
            "Cost Explorer returned no usage for this month"
            + (f" with the tag {tag} (is it activated as a cost-allocation tag?)." if tag else ".")
        )
    if metered is None:
        notes.append("No CloudWatch figures: the metered column is empty and the usage step is zero.")
    else:
        notes += metered.notes
    missing = sorted(at_billed.missing | at_metered.missing | at_model.missing)
    if missing:
        notes.append(
            f"No list price in the price book for {', '.join(usage_type_of(m) for m in missing)} in "
            f"{s.region}: their whole variance is shown under rates."
        )

    e = estimate(s, book)
    plans = _commitment_report(e, bill, matched)
    unit_costs = _unit_costs(s, w, e, rows, model_q, total_billed, users, users_source, bill.tagged, bill.by_resource)
    notes += unit_costs.pop("notes")
    return Review(
        month=bill.month,
        scenario_name=s.name,
        region=s.region,
        prices_as_of=w.prices.book.as_of,
        lines=rows,
        total_modelled=total_modelled,
        total_metered=metered_total,
        total_billed=total_billed,
        variance=round(total_billed - total_modelled, 2),
        waterfall=waterfall,
        unit_costs=unit_costs,
        notes=notes,
        estimated=bill.estimated,
        tag=tag,
        month_hours=hours,
        hours_per_month=s.hours_per_month,
        bill_source=bill.source,
        metered_source=metered.source if metered else "",
        commitments=plans,
    )


def _match_commitments(s, w, model_cost, other, bill, hours, billed_q, billed_raw, billed_types) -> dict:
    """The bill's Savings Plan records matched to the scenario's declared plans, so they are not shown unmatched:
    SavingsPlanRecurringFee goes to the commitment rows (commitments.<plan>; several plans: in proportion to their
    modelled commitments, as the records do not say which plan), SavingsPlanNegation to the covered meters' rows
    (by meter where the CUR gives the lines; Cost Explorer's one record: in proportion to the modelled coverage).
    The matched amounts leave `other` (the record rows). Nothing is matched without a declared plan."""
    if not s.commitments:
        return {}
    from models import commitments

    plan_meters = [commitments.meter_of(p) for p in s.commitments]
    matched: dict = {}
    fee = other.pop("SavingsPlanRecurringFee", None)
    if fee is not None:
        weights = {m: model_cost.get(m, 0.0) for m in plan_meters}
        total = sum(weights.values())
        for m in plan_meters:
            share = weights[m] / total if total > 0 else 1.0 / len(plan_meters)
            billed_raw[m] = billed_raw.get(m, 0.0) + fee * share
            billed_q[m] = billed_q.get(m, 0.0) + hours * share
            billed_types.setdefault(m, []).append("SavingsPlanRecurringFee")
        matched["fee_usd"] = fee
    negation = other.pop("SavingsPlanNegation", None)
    if negation is not None:
        by_meter = dict(bill.negations)
        if not by_meter:  # one record for the month: spread like the modelled coverage
            modelled = {}
            for line in w.lines(w.quantities()):
                if line.service == commitments.SERVICE and line.meter not in plan_meters:
                    modelled[line.meter] = modelled.get(line.meter, 0.0) + float(line.cost[0])
            total = sum(modelled.values())
            by_meter = {m: negation * c / total for m, c in modelled.items()} if total else {}
        for m, amount in by_meter.items():
            billed_raw[m] = billed_raw.get(m, 0.0) + amount
            billed_types.setdefault(m, []).append("SavingsPlanNegation")
        rest = negation - sum(by_meter.values())
        if round(rest, 2) != 0:  # negations on usage the model has no meter for stay a record
            other["SavingsPlanNegation"] = rest
        matched["negation_usd"] = negation
    return matched


def _commitment_report(e, bill, matched: dict) -> list[dict]:
    """Per declared plan: the modelled commitment and utilisation, and the bill's (CUR: used / commitment of the
    recurring fee lines; Cost Explorer gives no utilisation, null)."""
    out = []
    billed_util = None
    if bill.commitment_usd:
        billed_util = (bill.commitment_used_usd or 0.0) / bill.commitment_usd
    for c in e.commitments:
        out.append(
            {
                "plan": c["plan"],
                "modelled_commitment_usd": c["commitment_usd"],
                "modelled_utilisation": c["utilisation"],
                "billed_commitment_usd": None if "fee_usd" not in matched else round(matched["fee_usd"], 2),
                "billed_utilisation": billed_util,
            }
        )
    return out


def _meter_order(m: str) -> tuple:
    """The registry's order of services, then each service's order of components; user-named services last."""
    order = list(components())
    return (0, order.index(m), m) if m in order else (1, 0, m)


def _cents(x: float) -> float:
    return float(round_cents(np.array([x]))[0])


def _r2(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


def _sum(xs) -> float:
    return round(math.fsum(xs), 2)


def _join(causes: list[dict]) -> str:
    seen: list[str] = []
    for c in causes:
        if c["cause"] not in seen:
            seen.append(c["cause"])
    return "; ".join(seen)


def _differs(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return False
    return abs(a - b) > QUANTITY_REL * max(abs(a), abs(b), 1e-12)


def _num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.4g}"


class _Facts:
    """What the causes of a row's variance are judged on."""

    def __init__(self, s, w, model_q, metered, hours, tag, at_billed, at_model):
        self.s, self.w, self.model_q, self.metered, self.hours, self.tag = s, w, model_q, metered, hours, tag
        self.at_billed, self.at_model = at_billed, at_model

    def causes(self, m, q0, q1, q1_from, q2, on_bill, effects, priced) -> list[dict]:
        usage, metering, rate = effects
        out: list[dict] = []

        def add(cause: str, amount: float | None, detail: str) -> None:
            out.append({"cause": cause, "amount": _r2(amount), "detail": detail})

        if not priced:
            add(NO_PRICE, None, f"the price book has no {usage_type_of(m)} price for {self.s.region}")
        if q0 == 0 and on_bill:
            add(
                NOT_MODELLED,
                (usage or 0) + (metering or 0),
                f"the bill has {_num(q2)} {usage_type_of(m)}; the scenario models none",
            )
        # model -> metered
        if q1 is not None and q0 > 0 and (_differs(q0, q1) or abs(usage or 0) >= MONEY_EPS):
            if m == "websocket.connection_minutes" and q1_from == "billed":
                add(MINUTES_ESTIMATED, usage, self._minutes_detail(q0, q1))
            elif self._month_length_explains(m, q0, q1):
                add(MONTH_LENGTH, usage, f"{self.hours} h in the month, {self.s.hours_per_month:g} h in the model")
            elif m.startswith("dynamodb.write_request_units.") and self._gsi_explains(m, q0, q1):
                add(GSI_WRITES, usage, self._gsi_detail(m))
            else:
                add(USAGE, usage, f"metered {_num(q1)}, modelled {_num(q0)} ({q1 / q0 - 1:+.1%})")
        elif q1 is not None and q0 == 0 and q1 > 0 and not on_bill:
            add(USAGE, usage, f"metered {_num(q1)}, modelled none")
        elif q1 is None and q0 > 0 and on_bill and _differs(q0, q2):  # nothing metered: model vs bill
            if self._month_length_explains(m, q0, q2):
                add(MONTH_LENGTH, metering, f"{self.hours} h in the month, {self.s.hours_per_month:g} h in the model")
            else:
                add(USAGE, metering, f"not metered; billed {_num(q2)}, modelled {_num(q0)} ({q2 / q0 - 1:+.1%})")
        # metered -> billed
        base = q1 if q1 is not None else q0
        if not on_bill and base > 0:
            why = (
                "resources without the cost-allocation tag are not in a tag-filtered bill"
                if self.tag
                else "no usage of this type on the month's bill"
            )
            add(NOT_BILLED, metering, why)
        elif on_bill and q1 is not None and q1_from == "cloudwatch" and _differs(q1, q2):
            if m.startswith("lambda.duration_gb_s.") and q2 > q1:
                add(ROUNDING_INIT, metering, self._duration_detail(m, q1, q2))
            elif m == "websocket.messages" and q2 > q1:
                add(
                    MESSAGE_ROUNDING,
                    metering,
                    f"the bill counts {_num(q2 - q1)} more messages than MessageCount: "
                    "messages are billed in 32 KB increments",
                )
            else:
                add(
                    METERING,
                    metering,
                    f"billed {_num(q2)}, metered {_num(q1)} ({q2 / q1 - 1:+.1%})"
                    if q1
                    else f"billed {_num(q2)}, metered none",
                )
        # billed quantity at list -> billed cost
        if rate is not None and abs(rate) >= MONEY_EPS and on_bill:
            if m in free_tier_meters() and (m in self.at_billed.free or not self.s.free_tier):
                detail = (
                    "the account's Always Free allowance is shared with all its usage (other apps, regions)"
                    if self.s.free_tier
                    else "the bill applies the Always Free allowance; the model has it off"
                )
                add(FREE_TIER, rate, detail)
            elif self.at_billed.tiers.get(m, 0) > 1 or self.at_model.tiers.get(m, 0) > 1:
                add(VOLUME_TIERS, rate, "volume tiers apply to the whole account's usage, not this app's alone")
            else:
                add(
                    PRICE,
                    rate,
                    f"the bill's rate differs from the price book of {self.w.prices.book.as_of} "
                    "(a price change, a Savings Plan or a discount?)",
                )
        return out

    def _month_length_explains(self, m: str, q0: float, q1: float) -> bool:
        if self.hours == self.s.hours_per_month:
            return False
        expected = q0 * self.hours / self.s.hours_per_month
        if m in hourly_meters():
            return not _differs(q1, expected)
        return abs(q1 / expected - 1) < 0.01

    def _minutes_detail(self, q0: float, q1: float) -> str:
        uses = self.w.uses()
        feats = list(self.s.features.values())
        minutes = sum(u * f.websocket.connection_minutes for u, f in zip(uses, feats) if f.websocket)
        connects = sum(u * f.websocket.connects for u, f in zip(uses, feats) if f.websocket)
        parts = [f"no CloudWatch metric: the model estimates {_num(q0)} minutes, the bill has {_num(q1)}"]
        if connects > 0:
            parts.append(f"the model assumes {minutes / connects:.3g} min per connection")
        if self.metered and self.metered.connects:
            parts.append(
                f"the bill shows {q1 / self.metered.connects:.3g} min per connection "
                f"({_num(self.metered.connects)} connections)"
            )
        return "; ".join(parts)

    def model_gsi_units(self, m: str) -> float:
        table_class = m.rsplit(".", 1)[1]
        uses = self.w.uses()
        total = 0.0
        for u, f in zip(uses, self.s.features.values()):
            for op in f.dynamodb:
                t = self.s.tables[op.table]
                if t.capacity == "on_demand" and t.table_class == table_class:
                    total += u * ddb.units_of(t, op).gsi
        return total

    def _gsi_explains(self, m: str, q0: float, q1: float) -> bool:
        if not self.metered or m not in self.metered.gsi_write_units:
            return False
        gap = q1 - q0
        met, mod = self.metered.gsi_write_units[m], self.model_gsi_units(m)
        gsi_gap = met - mod
        # GSI writes per base-table write differ between the model and the account, and explain the gap
        ratio_model = mod / (q0 - mod) if q0 > mod else math.inf
        ratio_metered = met / (q1 - met) if q1 > met else math.inf
        ratios_differ = abs(ratio_metered - ratio_model) > 0.02 * max(ratio_model, ratio_metered, 0.05)
        return gap != 0 and gsi_gap * gap > 0 and abs(gsi_gap) >= 0.5 * abs(gap) and ratios_differ

    def _gsi_detail(self, m: str) -> str:
        return (
            f"GSI writes metered {_num(self.metered.gsi_write_units[m])} WRU, modelled "
            f"{_num(self.model_gsi_units(m))}: every write also writes each GSI it updates"
        )

    def _duration_detail(self, m: str, q1: float, q2: float) -> str:
        arch = m.rsplit(".", 1)[1]
        text = f"billed {_num(q2 - q1)} GB-s more than the Duration metric"
        inv = self.metered.invocations.get(arch) if self.metered else None
        mem = _memory_gb(self.s, arch)
        if inv and mem:
            text += f", about {(q2 - q1) / mem / inv * 1000:.2g} ms per invocation"
        return text + " (per-invocation rounding up to 1 ms, and INIT of cold starts)"


def _memory_gb(s: Scenario, arch: str) -> float | None:
    mems = [f.memory_mb for f in s.functions.values() if f.architecture == arch]
    return sum(mems) / len(mems) / 1024 if mems else None


# ---------------------------------------------------------------- unit costs


def resource_of(resource_id: str, names) -> str | None:
    """The scenario resource a bill's resource id is: the name itself, or an ARN or path ending in ':NAME' or
    '/NAME' (arn:aws:lambda:...:function:chat, arn:aws:dynamodb:...:table/messages); the longest name that fits."""
    fits = [n for n in names if resource_id == n or resource_id.endswith((":" + n, "/" + n))]
    return max(fits, key=len) if fits else None


def _by_resource(s, w, index, meter_cost, by_resource, uses) -> tuple[np.ndarray, float]:
    """Resource-level bill lines split by the model's per-feature use of THAT resource (each service's
    per_use_by_resource, through the registry): feature k gets cost x uses_k q_k / sum(uses q), q being what one
    use of k puts on that resource's meter: engine.share's rule on the one resource. Lines whose resource the
    model does not use on that meter stay in the meter's share."""
    from pricing.services import registry

    q: dict[tuple[str, str], np.ndarray] = {}
    for k, name in enumerate(w.features):
        feature = s.features[name]
        for service in registry():
            for resource, row in service.per_use_by_resource(feature, s).items():
                for meter, x in row.items():
                    q.setdefault((resource, meter), np.zeros(len(w.features)))[k] += x
    names = {r for r, _ in q}
    direct, split = np.zeros(len(w.features)), 0.0
    for line in by_resource:
        name = resource_of(str(line["resource"]), names)
        i = index.get(line["meter"])
        weights = uses * q[(name, line["meter"])] if (name, line["meter"]) in q else None
        if i is None or weights is None or weights.sum() <= 0:
            continue
        direct += line["cost"] * weights / weights.sum()
        meter_cost[i] -= line["cost"]
        split += line["cost"]
    return direct, split


def _unit_costs(s, w, e, rows, model_q, total_billed, users, users_source, tagged=(), by_resource=()) -> dict:
    """Unit costs of the month. Bill lines tagged `feature` with one of the scenario's features (a Cost and Usage
    Report's resource_tags) are that feature's outright; lines of one resource (its resource id) are split by the
    model's use of that resource; the rest of each meter is shared by the model's use of the meter."""
    model_users = float(w.tier_users.sum())
    month_users = float(users) if users else model_users
    scale = month_users / model_users if model_users > 0 else 1.0
    uses_model = w.uses()
    index = {m: i for i, m in enumerate(w.meters)}

    meter_cost, quantities, unmapped = np.zeros(len(w.meters)), np.zeros(len(w.meters)), 0.0
    for m, i in index.items():
        quantities[i] = model_q.get(m, 0.0)
    for r in rows:
        i = index.get(r.meter) if r.meter else None
        if i is None:
            unmapped += r.billed_cost
        else:
            meter_cost[i] += r.billed_cost
    direct = np.zeros(len(w.features))
    feature_index = {f: k for k, f in enumerate(w.features)}
    unknown: set[str] = set()
    for t in tagged:
        k = feature_index.get(t.get("feature"))
        if k is None:
            if t.get("feature"):
                unknown.add(t["feature"])
            continue
        direct[k] += t["cost"]
        i = index.get(t.get("meter")) if t.get("meter") else None
        if i is None:
            unmapped -= t["cost"]
        else:
            meter_cost[i] -= t["cost"]
    by_res, split = _by_resource(s, w, index, meter_cost, by_resource, uses_model)
    direct_tagged = direct.copy()
    direct = direct + by_res
    sh = share(w, meter_cost, quantities, uses_model, also_shared=unmapped)
    feature, unallocated = sh.feature + direct, sh.unallocated

    tier_part = w.tier_users @ w.tier_uses if len(w.tier_names) else np.zeros(len(w.features))
    uses_month = w.baseline + scale * tier_part
    per_use = np.divide(feature, uses_month, out=np.full_like(feature, np.nan), where=uses_month > 0)
    modelled_per_use = {f.name: f.cost_per_use for f in e.features}
    features = [
        {
            "name": n,
            "uses": float(u),
            "billed_cost": round(float(c), 2),
            "cost_per_use": None if math.isnan(p) else float(p),
            "modelled_cost_per_use": modelled_per_use.get(n),
            "tagged_cost": _cents(float(d)),  # of billed_cost: lines tagged feature=<name>
            "resource_cost": _cents(float(r)),  # of billed_cost: its part of resource-level lines
        }
        for n, u, c, p, d, r in zip(w.features, uses_month, feature, per_use, direct_tagged, by_res)
    ]
    if sh.per_user:  # what every user brings (Cognito MAUs): an equal part each, as in the estimate
        features.append(
            {
                "name": PER_USER,
                "uses": month_users,
                "billed_cost": round(sh.per_user, 2),
                "cost_per_use": sh.per_user / month_users if month_users else None,
                "modelled_cost_per_use": modelled_per_use.get(PER_USER),
            }
        )
    modelled_tier = {t.name: t.cost_per_user for t in e.tiers}
    tiers = []
    for i, name in enumerate(w.tier_names):
        t_users = float(w.tier_users[i] * scale)
        cost = float(np.nansum(t_users * w.tier_uses[i] * np.nan_to_num(per_use)))
        if month_users:
            cost += (unallocated + sh.per_user) * t_users / month_users
        tiers.append(
            {
                "name": name,
                "users": t_users,
                "billed_cost": round(cost, 2),
                "cost_per_user": cost / t_users if t_users else None,
                "modelled_cost_per_user": modelled_tier.get(name),
            }
        )
    tenants: dict[str, float] = {}
    for t in tagged:
        if t.get("tenant"):
            tenants[t["tenant"]] = tenants.get(t["tenant"], 0.0) + t["cost"]
    notes = []
    if tagged:
        share_tagged = math.fsum(float(d) for d in direct_tagged)
        notes.append(
            f"Cost-allocation tags: ${share_tagged:,.2f} of usage tagged with a scenario feature is that feature's "
            "outright; the rest is shared by the model's use."
        )
    if split:
        notes.append(
            f"Resource-level lines: ${split:,.2f} of usage billed on one function or table is split by the model's "
            "use of that resource; the rest of each meter is shared by the model's use of the meter."
        )
    if unknown:
        notes.append(
            "Tagged feature(s) not in the scenario, shared like untagged lines: " + ", ".join(sorted(unknown)) + "."
        )
    return {
        "notes": notes,
        "tenants": [{"name": n, "billed_cost": _cents(c)} for n, c in sorted(tenants.items())],
        "users": month_users or None,
        "users_source": users_source or ("scenario tiers" if model_users else "unknown"),
        "cost_per_user": total_billed / month_users if month_users else None,
        "modelled_users": model_users or None,
        "modelled_cost_per_user": e.total / model_users if model_users else None,
        "features": features,
        "tiers": tiers,
    }

"""Savings Plans a scenario declares (`commitments:`), applied to the usage they cover. Nothing is applied without
a declared commitment.

    commitments:
      compute_savings_plan:  {hourly_usd: 0.05, rates: {lambda.duration_gb_s.x86_64: 0.0000138}}
      database_savings_plan: {hourly_usd: 0.02, rates: {dynamodb.write_request_units.standard: 0.00000053}}

A Compute Savings Plan covers Lambda duration and provisioned concurrency; a Database Savings Plan covers DynamoDB
request and capacity units, not storage (shared/reference/cur-and-focus.md 6). `rates` are the plan's rates in USD
per unit of each covered meter; those left out come from the price book (`cli.py prices refresh --savings-plans`:
the Savings Plans API's describe_savings_plans_offering_rates). A covered meter with neither stays on demand, and
the estimate lists it (`unrated_meters`).

How AWS bills a plan: every hour it charges the commitment, and covers usage at the plan's rates up to it; usage
beyond is billed on demand. Modelled with the usage spread evenly over the month's hours, the covered share is the
same every hour: covered = min(1, commitment / usage at plan rates). The Always Free allowance is used first:
only the paid quantity is covered.

It appears as the bill shows it: a line per plan for the commitment (hourly_usd x hours_per_month, on the meter
commitments.<plan>: a fixed cost, shared like the other fixed costs), and per covered meter a negative line taking
off the covered part's on-demand cost (the bill's SavingsPlanNegation). Utilisation = usage at plan rates covered
/ commitment; what is left unused is waste.
"""

from __future__ import annotations

import numpy as np

from pricing.lines import Line

SERVICE = "savings_plans"
PLANS: dict[str, tuple[str, tuple[str, ...]]] = {  # plan -> (its name, the meter prefixes it covers)
    "compute_savings_plan": (
        "Compute Savings Plan",
        ("lambda.duration_gb_s.", "lambda.provisioned_gb_s.", "lambda.provisioned_duration_gb_s."),
    ),
    "database_savings_plan": (
        "Database Savings Plan",
        (
            "dynamodb.read_request_units.",
            "dynamodb.write_request_units.",
            "dynamodb.read_capacity_unit_hours.",
            "dynamodb.write_capacity_unit_hours.",
        ),
    ),
}


def covers(plan: str, meter: str) -> bool:
    return meter.startswith(PLANS[plan][1])


def meter_of(plan: str) -> str:
    """The meter a plan's commitment is billed on: a fixed quantity of hours."""
    return f"commitments.{plan}"


def fixed(s) -> dict[str, float]:
    """The commitments' hours in the month: fixed quantities no feature causes."""
    return {meter_of(p): s.hours_per_month for p in s.commitments}


def rates(plan: str, c, prices, meters) -> dict[str, float]:
    """The plan's rates for the covered `meters`: the scenario's, else the price book's (`prices refresh
    --savings-plans`: service savings_plans, component <plan>.<meter>); a meter with neither stays on demand."""
    out = {}
    for m in meters:
        if not covers(plan, m):
            continue
        if m in c.rates:
            out[m] = c.rates[m]
        elif prices is not None and (prices.region, SERVICE, f"{plan}.{m}") in prices.book.prices:
            out[m] = prices.get(SERVICE, f"{plan}.{m}").tiers[0].usd
    return out


def apply(s, lines: list[Line], prices=None) -> list[Line]:
    """The plans' lines for the service lines at any number of points: commitments and covered usage taken off."""
    out: list[Line] = []
    for plan, c in s.commitments.items():
        title = PLANS[plan][0]
        covered = _covered(plan, rates(plan, c, prices, {ln.meter for ln in lines}), lines)
        commitment = c.hourly_usd * s.hours_per_month
        at_rates = sum((u for _, _, _, u in covered.values()), np.zeros(1))
        share = np.minimum(1.0, np.divide(commitment, at_rates, out=np.zeros_like(at_rates), where=at_rates > 0))
        n = lines[0].quantity.shape if lines else (1,)
        out.append(
            Line(SERVICE, f"{title} commitment", "hour", c.hourly_usd, np.full(n, s.hours_per_month), meter_of(plan))
        )
        for meter, (unit, q, on_demand, _) in covered.items():
            rate = np.divide(on_demand, q, out=np.zeros_like(q), where=q > 0)
            # one price per line: the average on-demand rate of the covered meter at each point
            out.append(_negation(title, unit, q * share, rate, meter))
    return out


def _negation(title: str, unit: str, quantity: np.ndarray, rate: np.ndarray, meter: str) -> Line:
    line = Line(SERVICE, f"Covered by the {title}", unit, -float(rate.flat[0]), quantity, meter)
    if rate.size > 1:  # a sweep: each point's own rate, through the quantity (the cost is quantity x price)
        first = rate.flat[0] or 1.0
        line = Line(SERVICE, line.component, unit, -float(first), quantity * rate / first, meter)
    return line


def _covered(plan: str, rate: dict[str, float], lines: list[Line]) -> dict[str, tuple]:
    """Covered meter -> (unit, paid quantity, its on-demand USD, its USD at the plan's rate), per point."""
    out: dict[str, list] = {}
    for line in lines:
        if line.free or line.service == SERVICE or line.meter not in rate:
            continue
        q = np.asarray(line.quantity, dtype=float)
        e = out.setdefault(line.meter, [line.unit, np.zeros_like(q), np.zeros_like(q)])
        e[1] = e[1] + q
        e[2] = e[2] + q * line.unit_price
    return {m: (u, q, od, q * rate[m]) for m, (u, q, od) in out.items()}


def report(s, lines: list[Line], prices=None) -> list[dict]:
    """Per plan at the scenario's users: commitment, usage covered at plan rates, utilisation, waste, savings."""
    out = []
    for plan, c in s.commitments.items():
        used_meters = {ln.meter for ln in lines if ln.service != SERVICE and covers(plan, ln.meter)}
        rate = rates(plan, c, prices, used_meters)
        covered = _covered(plan, rate, lines)
        commitment = c.hourly_usd * s.hours_per_month
        at_rates = float(sum(float(u[0]) for _, _, _, u in covered.values()))
        on_demand = float(sum(float(od[0]) for _, _, od, _ in covered.values()))
        share = min(1.0, commitment / at_rates) if at_rates > 0 else 0.0
        used = min(at_rates, commitment)
        out.append(
            {
                "plan": plan,
                "hourly_usd": c.hourly_usd,
                "commitment_usd": round(commitment, 2),
                "usage_at_plan_rates_usd": round(at_rates, 2),
                "covered_share": share,
                "utilisation": used / commitment if commitment > 0 else None,
                "unused_usd": round(commitment - used, 2),
                "covered_on_demand_usd": round(on_demand * share, 2),
                "savings_usd": round(on_demand * share - commitment, 2),
                "meters": sorted(covered),
                "rates": rate,
                "unrated_meters": sorted(used_meters - set(rate)),  # covered by the plan, no rate: on demand
            }
        )
    return out

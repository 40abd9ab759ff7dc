"""The estimate engine: a scenario in, a monthly bill out, per service, feature, user and tier.

A scenario compiles to a `Workload`: what one use of each feature puts on each meter (a feature x
meter matrix, via the metering rules of the pricing modules) plus the fixed quantities no feature
causes (storage, provisioned capacity). Every meter is then affine in users (base + slope x users),
so usage at any number of user counts is one broadcast, and the pricing modules turn it into cost
lines with array arithmetic: a 100,000-point sweep costs little more than one estimate.

Allocation (how the bill is shared out):
- a line's cost goes to the features in proportion to the quantity each puts on its meter, so
  volume discounts and the free tier on that meter are shared the same way;
- costs no feature causes (storage, provisioned capacity, the part of a meter that is fixed) are
  shared over features in proportion to their usage-driven cost (or to their uses when no feature
  has a usage-driven cost);
- a tier's cost is its uses of each feature times that feature's cost per use; `baseline` uses
  are costed the same way, so tiers + baseline = total. Fixed costs when no feature is used at
  all fall on the users, an equal part each;
- quantities every tier user brings whatever they do (a Cognito monthly active user) are the
  users' own: an equal part each, shown as the pseudo-feature PER_USER.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from models import commitments
from models.capacity import Limit, capacity
from models.ratios import ratio
from models.scenario import Feature, Scenario, ScenarioError
from pricing.book import PriceBook, default_book
from pricing.lines import Line, Prices, Usage
from pricing.service import Sized
from pricing.services import registry

UNALLOCATED = "(shared, no feature used)"
PER_USER = "(every user)"
# A revenue under half a cent rounds to $0.00: a margin % of it would be noise (or -inf), not a figure.
MIN_REVENUE_FOR_MARGIN_PCT = 0.005


@dataclass(frozen=True)
class Workload:
    """A scenario compiled to meters: the quantities of one use, fixed and per user, and the tiers' uses."""

    scenario: Scenario
    prices: Prices
    features: list[str]
    meters: list[str]
    per_use: np.ndarray  # features x meters: quantity one use puts on each meter
    fixed: np.ndarray  # meters: quantity per month no feature causes
    per_user: np.ndarray  # meters: quantity per month of each tier user, whatever they do
    tier_names: list[str]
    tier_users: np.ndarray  # tiers
    tier_uses: np.ndarray  # tiers x features: uses per user per month
    baseline: np.ndarray  # features: uses per month not tied to users
    # capacity sized to the load at each user count: (meter index, load per use by feature, its Sized rule)
    sized: tuple[tuple[int, np.ndarray, Sized], ...] = ()

    def uses(self) -> np.ndarray:
        """Uses per month of each feature at the scenario's users."""
        return self.baseline + self.tier_users @ self.tier_uses

    def quantities(self, users: np.ndarray | None = None) -> np.ndarray:
        """Monthly quantity on each meter (meters x points) at `users` in all (default: as is).

        Usage is affine in users (every tier keeps its share), so each meter is base + slope x users:
        one broadcast however many points, with no matrix product over the points."""
        if users is None:
            uses = self.uses()
            q = (uses @ self.per_use + self.fixed + self.tier_users.sum() * self.per_user)[:, None]
            for m, load, rule in self.sized:
                q[m] += rule.quantity(uses @ load)
            return q
        total = self.tier_users.sum()
        if total <= 0:
            raise ScenarioError("has no users to scale; give a tier some users", field="tiers")
        users = np.asarray(users, dtype=float)
        base = self.baseline @ self.per_use + self.fixed
        slope = (self.tier_users / total) @ self.tier_uses @ self.per_use + self.per_user
        q = base[:, None] + slope[:, None] * users[None, :]
        for m, load, rule in self.sized:  # the capacity steps with the load: one vector operation per rule
            monthly = self.baseline @ load + ((self.tier_users / total) @ self.tier_uses @ load) * users
            q[m] += rule.quantity(monthly)
        return q

    def per_use_now(self) -> tuple[np.ndarray, np.ndarray]:
        """Quantity one use puts on each meter at the scenario's users (features x meters), sized capacity
        included by each feature's share of its load; and the sized capacity no use loads (meters)."""
        per_use, idle = self.per_use.copy(), np.zeros(len(self.meters))
        uses = self.uses()
        for m, load, rule in self.sized:
            total = float(uses @ load)
            q = float(rule.quantity(total))
            if total > 0:
                per_use[:, m] += q * load / total
            else:
                idle[m] += q  # the minimum capacity of a table nobody uses: a fixed cost
        return per_use, idle

    def lines(self, quantities: np.ndarray) -> list[Line]:
        usage = Usage(quantities.shape[1], dict(zip(self.meters, quantities)))
        out = [line for service in registry() for line in service.lines(usage, self.prices)]
        if self.scenario.commitments:  # Savings Plans: the commitment, and the covered usage taken off
            out += commitments.apply(self.scenario, out, self.prices)
        return out


def compile_scenario(s: Scenario, book: PriceBook | None = None) -> Workload:
    book = book or default_book()
    if s.region not in book.regions:
        raise ScenarioError(
            f"no prices for region {s.region!r} in the price book of {book.as_of} (regions: {', '.join(book.regions)})",
            field="region",
        )
    prices = Prices(book, s.region, s.free_tier, {n: (v.unit, v.price) for n, v in s.services.items()})
    features = list(s.features)
    meters: dict[str, int] = {}
    rows: list[dict[str, float]] = []

    for f in s.features.values():
        row = feature_row(s, f)
        for meter in row:
            meters.setdefault(meter, len(meters))
        rows.append(row)

    fixed_q = _summed([*(service.fixed(s) for service in registry()), commitments.fixed(s)])
    user_q = _summed(service.per_user(s) for service in registry())
    rules = [rule for service in registry() for rule in service.sized(s)]
    for key in (*fixed_q, *user_q, *(r.meter for r in rules)):
        meters.setdefault(key, len(meters))

    per_use = np.zeros((len(features), len(meters)))
    for i, row in enumerate(rows):
        for meter, q in row.items():
            per_use[i, meters[meter]] = q
    fixed = np.zeros(len(meters))
    for meter, q in fixed_q.items():
        fixed[meters[meter]] = q
    per_user = np.zeros(len(meters))
    for meter, q in user_q.items():
        per_user[meters[meter]] = q
    tier_uses = np.array([[t.uses.get(f, 0.0) for f in features] for t in s.tiers.values()]).reshape(
        len(s.tiers), len(features)
    )
    return Workload(
        scenario=s,
        prices=prices,
        features=features,
        meters=list(meters),
        per_use=per_use,
        fixed=fixed,
        per_user=per_user,
        sized=tuple(
            (meters[r.meter], np.array([r.per_use.get(f, 0.0) for f in features], dtype=float), r) for r in rules
        ),
        tier_names=list(s.tiers),
        tier_users=np.array([t.users for t in s.tiers.values()], dtype=float),
        tier_uses=tier_uses,
        baseline=np.array([s.baseline.get(f, 0.0) for f in features], dtype=float),
    )


@dataclass(frozen=True)
class Shares:
    """A month's cost shared out by the allocation rule above (the engine, the bill of materials and the
    review all share by this one function)."""

    per_use: np.ndarray  # features x meters: USD one use bears of each meter's usage-driven cost
    feature: np.ndarray  # features: USD each feature bears in all, its part of the fixed costs included
    shared: float  # USD no feature causes (fixed quantities, bill lines with no meter), shared over features
    unallocated: float  # the part of `shared` with no feature use to bear it: it falls on the users
    per_user: float  # USD of the quantities every tier user brings whatever they do


def share(w: Workload, meter_cost: np.ndarray, quantities: np.ndarray, uses: np.ndarray, also_shared: float = 0.0):
    """Share `meter_cost` (USD per meter at `quantities`, the month's uses being `uses`) over features and users."""
    unit = np.divide(meter_cost, quantities, out=np.zeros(len(meter_cost)), where=quantities > 0)
    use_q, idle = w.per_use_now()
    per_use = use_q * unit[None, :]
    feature = uses * per_use.sum(axis=1)
    shared = float((w.fixed + idle) @ unit) + float(meter_cost[quantities <= 0].sum()) + also_shared
    per_user = float(w.tier_users.sum() * (w.per_user @ unit))
    weights = feature if feature.sum() > 0 else uses
    unallocated = 0.0
    if shared:
        if weights.sum() > 0:
            feature = feature + shared * weights / weights.sum()
        else:
            unallocated = shared
    return Shares(per_use, feature, shared, unallocated, per_user)


def feature_row(s: Scenario, f: Feature) -> dict[str, float]:
    """What one use of a feature puts on each meter, by the services' metering rules."""
    return _summed(service.per_use(f, s) for service in registry())


def _summed(rows) -> dict[str, float]:
    """Meter -> quantity over several services' rows, zeros left out."""
    out: dict[str, float] = {}
    for row in rows:
        for meter, q in row.items():
            if q:
                out[meter] = out.get(meter, 0.0) + q
    return out


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class LineCost:
    """One line of the estimate's bill, at the scenario's users."""

    service: str
    component: str
    quantity: float
    unit: str
    unit_price: float
    cost: float


@dataclass(frozen=True)
class FeatureCost:
    """A feature's uses in the month, its cost (shared costs included) and cost per use."""

    name: str
    uses: float
    cost: float
    cost_per_use: float | None


@dataclass(frozen=True)
class TierCost:
    """A tier's users, revenue, cost and margin, and its cost by feature."""

    name: str
    users: float
    price: float
    revenue: float
    cost: float
    cost_per_user: float | None
    margin: float
    margin_pct: float | None
    feature_costs: dict[str, float]


@dataclass(frozen=True)
class Estimate:
    """The month's bill of a scenario: by line, service, feature and tier, and its capacity limits."""

    name: str
    region: str
    prices_as_of: str
    free_tier: bool
    total: float
    services: dict[str, float]
    lines: list[LineCost]
    features: list[FeatureCost]
    tiers: list[TierCost]
    baseline_cost: float
    shared_cost: float  # the part of the total shared out because no single feature causes it
    unallocated_cost: float = 0.0  # fixed costs with neither a use nor a user to bear them
    capacity: list[Limit] = field(default_factory=list)  # sorted: the first limit reached first
    capacity_notes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # why a figure is null where that is not plain from the data
    # USD per service that the Always Free allowances save: the free lines' quantity at the first paid price
    free_tier_benefit: dict[str, float] = field(default_factory=dict)
    commitments: list[dict] = field(default_factory=list)  # Savings Plans: utilisation, waste (commitments.report)
    ranges: int = 0  # numbers the scenario gives as ranges: the estimate takes their modes

    @property
    def users(self) -> float:
        return sum(t.users for t in self.tiers)

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "region": self.region,
            "currency": "USD",
            "prices_as_of": self.prices_as_of,
            "free_tier": self.free_tier,
            "total": self.total,
            "services": self.services,
            "lines": [vars(line) for line in self.lines],
            "features": [vars(f) for f in self.features],
            "tiers": [{k: v for k, v in vars(t).items()} for t in self.tiers],
            "baseline_cost": self.baseline_cost,
            "shared_cost": self.shared_cost,
            "unallocated_cost": self.unallocated_cost,
            "capacity": [limit.to_json() for limit in self.capacity],
            "capacity_notes": self.capacity_notes,
            "notes": self.notes,
            **({"commitments": self.commitments} if self.commitments else {}),
            "ranges": self.ranges,
        }


def builtin_services(s: Scenario) -> list[str]:
    """The book's services an estimate reports (at $0 when unused): the five of format 1 always, the others
    when the scenario defines one of their resources."""
    return [sv.name for sv in registry() if sv.components and (not sv.section or s.resources.get(sv.section))]


def estimate(s: Scenario, book: PriceBook | None = None) -> Estimate:
    w = compile_scenario(s, book)
    uses = w.uses()
    quantities = w.quantities()
    lines = w.lines(quantities)
    quantities = quantities[:, 0]
    costs = np.array([float(line.cost[0]) for line in lines])
    total = float(costs.sum())

    meter_cost = np.zeros(len(w.meters))
    index = {m: i for i, m in enumerate(w.meters)}
    for line, cost in zip(lines, costs):
        meter_cost[index[line.meter]] += cost
    sh = share(w, meter_cost, quantities, uses)
    feature_cost, shared, unallocated, user_cost = sh.feature, sh.shared, sh.unallocated, sh.per_user
    total_users = float(w.tier_users.sum())

    def cost_of(some_uses: np.ndarray) -> np.ndarray:
        """Cost of part of each feature's uses: its share of the feature's cost (no overflow on tiny counts)."""
        return feature_cost * np.divide(some_uses, uses, out=np.zeros_like(feature_cost), where=uses > 0)

    notes: list[str] = []
    features = []
    for n, u, c in zip(w.features, uses, feature_cost):
        p = ratio(float(c), float(u))
        if p is None and u > 0:
            notes.append(f"feature {n}: no cost per use ({u:.3g} uses is too few to divide by)")
        features.append(FeatureCost(n, float(u), float(c), p))
    if unallocated:
        features.append(FeatureCost(UNALLOCATED, 0.0, unallocated, None))
    if user_cost:
        features.append(FeatureCost(PER_USER, total_users, user_cost, ratio(user_cost, total_users)))

    tiers = []
    for name, (by_feature, user_share, cost) in zip(w.tier_names, tier_costs(w, sh, uses)):
        t = s.tiers[name]
        revenue = t.users * t.price
        cost_per_user = ratio(cost, t.users)
        if cost_per_user is None and t.users:
            notes.append(f"tier {name}: no cost per user ({t.users:.3g} users is too few to divide by)")
        margin_pct = ratio(revenue - cost, revenue) if revenue >= MIN_REVENUE_FOR_MARGIN_PCT else None
        if revenue and margin_pct is None:
            notes.append(f"tier {name}: no margin % (revenue ${revenue:.3g} is under a cent)")
        tiers.append(
            TierCost(
                name=name,
                users=t.users,
                price=t.price,
                revenue=revenue,
                cost=cost,
                cost_per_user=cost_per_user,
                margin=revenue - cost,
                margin_pct=margin_pct,
                feature_costs={f: float(c) for f, c in zip(w.features, by_feature)}
                | ({PER_USER: user_share} if user_cost else {}),
            )
        )

    limits, capacity_notes = capacity(s)
    services = dict.fromkeys(builtin_services(s), 0.0) | {n: 0.0 for n in s.services}
    benefit: dict[str, float] = {}
    for line, cost in zip(lines, costs):
        services[line.service] = services.get(line.service, 0.0) + float(cost)
        if line.free and line.quantity[0] > 0:
            benefit[line.service] = benefit.get(line.service, 0.0) + float(line.free_benefit[0])
    return Estimate(
        name=s.name,
        region=s.region,
        prices_as_of=w.prices.book.as_of,
        free_tier=s.free_tier,
        total=round(total, 2),
        services={k: round(v, 2) for k, v in services.items()},
        lines=[
            LineCost(line.service, line.label, float(line.quantity[0]), line.unit, line.unit_price, float(cost))
            for line, cost in zip(lines, costs)
            if line.quantity[0] > 0
        ],
        features=features,
        tiers=tiers,
        baseline_cost=float(cost_of(w.baseline).sum()),
        shared_cost=float(shared),
        unallocated_cost=float(unallocated) if not total_users else 0.0,
        capacity=limits,
        capacity_notes=capacity_notes,
        notes=notes,
        free_tier_benefit={k: round(v, 2) for k, v in benefit.items() if v > 0},
        commitments=commitments.report(s, lines, w.prices),
        ranges=len(s.ranges),
    )


def tier_costs(w: Workload, sh: Shares, uses: np.ndarray) -> list[tuple[np.ndarray, float, float]]:
    """Per tier: its cost by feature (its uses' part of each feature's cost), its part of what every user brings,
    and its whole cost, USD. Fixed costs with no feature use to share them by fall on the users, an equal part each."""
    total_users = float(w.tier_users.sum())
    out = []
    for i in range(len(w.tier_names)):
        users = w.tier_users[i]
        part = np.divide(users * w.tier_uses[i], uses, out=np.zeros_like(sh.feature), where=uses > 0)
        by_feature = sh.feature * part  # no overflow on tiny counts
        idle_share = sh.unallocated * users / total_users if total_users else 0.0
        user_share = sh.per_user * users / total_users if total_users else 0.0
        out.append((by_feature, float(user_share), float(float(by_feature.sum()) + idle_share + user_share)))
    return out


@dataclass(frozen=True)
class Sweep:
    """The monthly total and cost per user at each user count of a sweep."""

    users: np.ndarray
    total: np.ndarray
    cost_per_user: np.ndarray  # nan where users is 0


def sweep(s: Scenario, users: np.ndarray, book: PriceBook | None = None, rounded: bool = True) -> Sweep:
    """The monthly total at each user count, every tier keeping its share: one vectorised evaluation.
    `rounded=False` sums the lines before their rounding to the cent (to compare designs without its noise)."""
    w = compile_scenario(s, book)
    users = np.asarray(users, dtype=float)
    total = np.zeros(len(users))
    for line in w.lines(w.quantities(users)):
        if line.unit_price:  # free-tier lines cost nothing
            total += line.cost if rounded else line.quantity * line.unit_price
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        per_user = np.where(users > 0, total / users, np.nan)
    return Sweep(users, total, per_user)


# ---------------------------------------------------------------- many whole months at once


@dataclass(frozen=True)
class Points:
    """Whole months priced at many points at once: the samples of a scenario's ranges, the months of a plan.
    Each point is billed on its own (volume tiers and free allowances per point) and shared out by the rule
    above, so a point equals `estimate` of the scenario with that point's inputs."""

    lines: list[Line]  # each line's quantity at every point
    total: np.ndarray  # points: USD, the sum of the line costs (each rounded to the cent)
    uses: np.ndarray  # points x features: uses per month
    feature_cost: np.ndarray  # points x features: USD, shared costs included
    tier_users: np.ndarray  # points x tiers
    tier_cost: np.ndarray  # points x tiers: USD


def evaluate(
    w: Workload,
    tier_users: np.ndarray,
    tier_uses: np.ndarray | None = None,
    per_use: np.ndarray | None = None,
    loads: list[np.ndarray] | None = None,
) -> Points:
    """Price `len(tier_users)` whole months in one vectorised pass.

    tier_users: points x tiers; tier_uses: tiers x features, or points x tiers x features (default: the
    scenario's); per_use: features x meters, or points x features x meters (default: the workload's);
    loads: per sized-capacity rule, its load per use by feature (features, or points x features)."""
    users = np.atleast_2d(np.asarray(tier_users, dtype=float))  # points x tiers (a scenario may have no tiers)
    n = users.shape[0]
    tu = w.tier_uses if tier_uses is None else np.asarray(tier_uses, dtype=float)
    pu = w.per_use if per_use is None else np.asarray(per_use, dtype=float)
    loads = [load for _, load, _ in w.sized] if loads is None else loads
    # tiers are few: a loop over them is faster than einsum's over the points
    uses = np.repeat(w.baseline[None, :], n, axis=0) if tu.ndim == 3 else w.baseline[None, :] + users @ tu
    for t in range(users.shape[1] if tu.ndim == 3 else 0):
        uses += users[:, t, None] * tu[:, t, :]
    total_users = users.sum(axis=1)
    q = pu.T @ uses.T if pu.ndim == 2 else np.einsum("nf,nfm->mn", uses, pu)  # meters x points
    q += w.fixed[:, None]
    for m in np.flatnonzero(w.per_user):  # in place, meter by meter: at 100,000 points every copy counts
        q[m] += w.per_user[m] * total_users
    caps = []
    for (m, _, rule), load in zip(w.sized, loads):
        demand = uses @ load if load.ndim == 1 else np.einsum("nf,nf->n", uses, load)
        cap = rule.quantity(demand)
        q[m] += cap
        caps.append((m, load, demand, cap))
    lines = w.lines(q)
    index = {m: i for i, m in enumerate(w.meters)}
    meter_cost, total = np.zeros((len(w.meters), n)), np.zeros(n)
    for line in lines:
        cost = line.cost  # USD, rounded to the cent
        total += cost
        meter_cost[index[line.meter]] += cost
    # The allocation of `share`, point by point.
    unit = np.divide(meter_cost, q, out=np.zeros_like(q), where=q > 0)  # USD per unit of each meter
    per_use_cost = (unit.T @ pu.T) if pu.ndim == 2 else np.einsum("nfm,mn->nf", pu, unit)  # points x features
    idle_cost = np.zeros(n)
    for m, load, demand, cap in caps:  # sized capacity: by each feature's share of its load
        used_now = demand > 0
        per_load = np.divide(cap * unit[m], demand, out=np.zeros(n), where=used_now)
        per_use_cost = per_use_cost + per_load[:, None] * (load if load.ndim == 2 else load[None, :])
        idle_cost += np.where(used_now, 0.0, cap * unit[m])
    feature = uses * per_use_cost
    shared = w.fixed @ unit + idle_cost
    for m in np.flatnonzero((q <= 0).any(axis=1)):  # a cost on a meter with no quantity (few meters, if any)
        shared += np.where(q[m] <= 0, meter_cost[m], 0.0)
    user_cost = total_users * (w.per_user @ unit)
    weights = np.where((feature.sum(axis=1) > 0)[:, None], feature, uses)
    wsum = weights.sum(axis=1)
    feature = feature + np.divide(shared, wsum, out=np.zeros(n), where=wsum > 0)[:, None] * weights
    unallocated = np.where(wsum > 0, 0.0, shared)
    per_use_all = np.divide(feature, uses, out=np.zeros_like(feature), where=uses > 0)
    tier_cost = (per_use_all @ tu.T) * users if tu.ndim == 2 else np.empty_like(users)
    for t in range(users.shape[1] if tu.ndim == 3 else 0):
        tier_cost[:, t] = users[:, t] * (tu[:, t, :] * per_use_all).sum(axis=1)
    user_part = np.divide(users, total_users[:, None], out=np.zeros_like(users), where=total_users[:, None] > 0)
    tier_cost = tier_cost + user_part * (unallocated + user_cost)[:, None]
    return Points(lines, total, uses, feature, users, tier_cost)


def evaluate_each(w: Workload, tier_users: np.ndarray) -> Points:
    """As `evaluate` for a few points (the months of a plan), each point's usage and allocation worked out by
    `estimate`'s own steps (only the pricing of the lines is one vectorised call), so that a point equals
    `estimate` of the scenario with its users to the last bit, not only to float noise."""
    users = np.atleast_2d(np.asarray(tier_users, dtype=float))
    each = [replace(w, tier_users=u) for u in users]
    q = np.hstack([wk.quantities() for wk in each]) if each else np.zeros((len(w.meters), 0))
    lines = w.lines(q)
    n = len(each)
    line_cost = np.array([np.broadcast_to(line.cost, (n,)) for line in lines]).reshape(len(lines), n)
    index = {m: i for i, m in enumerate(w.meters)}
    feature_cost, tier_cost, uses = np.zeros((n, len(w.features))), np.zeros_like(users), np.zeros((n, len(w.features)))
    for k, wk in enumerate(each):
        meter_cost = np.zeros(len(w.meters))
        for line, cost in zip(lines, line_cost[:, k]):
            meter_cost[index[line.meter]] += float(cost)
        uses[k] = wk.uses()
        sh = share(wk, meter_cost, q[:, k], uses[k])
        feature_cost[k] = sh.feature
        tier_cost[k] = [cost for _, _, cost in tier_costs(wk, sh, uses[k])]
    return Points(lines, line_cost.sum(axis=0), uses, feature_cost, users, tier_cost)

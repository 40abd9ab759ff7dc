"""Uncertainty and the growth plan: the scenario's ranges sampled and priced month by month, what moves the
total most, and the months ahead as tiers grow and churn.

Both are the engine's `evaluate` with longer arrays: a sample (or a month) is one point, priced as a whole
month on its own, so volume tiers and free allowances apply to each sample's usage and the inputs are never
averaged first.

- `simulate`: N draws of every range at once (numpy's Generator, seeded: the same seed gives the same
  figures), a triangular range {low, mode, high} by `Generator.triangular`, a uniform {low, high} by
  `Generator.uniform`; P10, P50 and P90 are numpy's percentiles (linear interpolation between order
  statistics), the mean is the plain mean.
- `tornado`: each range at its low and at its high with all others at their modes (one at a time).
- `forecast`: month 0 is the scenario as written; month k's users of each tier are month k-1's
  x (1 + growth/100) x (1 - churn/100), not rounded (a fraction of a user is an average over the month).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, replace

import numpy as np

from models.engine import (
    MIN_REVENUE_FOR_MARGIN_PCT,
    Points,
    Workload,
    compile_scenario,
    evaluate,
    evaluate_each,
    feature_row,
)
from models.scenario import MAX_NUMBER, Plan, Range, Scenario, ScenarioError
from pricing.book import PriceBook
from pricing.services import registry

DEFAULT_SAMPLES = 10_000
DEFAULT_SEED = 0  # fixed, so that a run without --seed gives the same figures every time
MAX_SAMPLES = 1_000_000
MAX_MONTHS = 600  # 50 years
PERCENTILES = (10, 50, 90)


# ---------------------------------------------------------------- drawing and applying ranges


def draw(ranges: tuple[Range, ...], samples: int, seed: int) -> dict[tuple, np.ndarray]:
    """`samples` draws of each range, in the file's order, from one Generator seeded with `seed`."""
    rng = np.random.default_rng(seed)
    out = {}
    for r in ranges:
        if r.low == r.high:
            out[r.key] = np.full(samples, float(r.low))
        elif r.uniform:
            out[r.key] = rng.uniform(r.low, r.high, samples)
        else:
            out[r.key] = rng.triangular(r.low, r.mode, r.high, samples)
    return out


@dataclass(frozen=True)
class Inputs:
    """A scenario's inputs at many points, in the engine's arrays."""

    workload: Workload
    tier_users: np.ndarray  # points x tiers
    tier_price: np.ndarray  # points x tiers, USD per user
    tier_uses: np.ndarray  # tiers x features, or points x tiers x features
    per_use: np.ndarray  # features x meters, or points x features x meters
    loads: list[np.ndarray] = field(default_factory=list)

    def evaluate(self) -> Points:
        return evaluate(self.workload, self.tier_users, self.tier_uses, self.per_use, self.loads)


def inputs(s: Scenario, values: dict[tuple, np.ndarray], points: int, book: PriceBook | None = None) -> Inputs:
    """The engine's arrays with the numbers at `values`' keys (range keys) set to those arrays (`points` long)
    and every other number as the scenario has it."""
    w = compile_scenario(s, book)
    tiers, features = w.tier_names, w.features
    users = np.repeat(w.tier_users[None, :].astype(float), points, axis=0)
    price = np.repeat(np.array([[s.tiers[t].price for t in tiers]], dtype=float), points, axis=0)
    tier_uses: np.ndarray = w.tier_uses.astype(float)  # whole numbers in the file make an integer array
    by_feature: dict[str, dict[tuple, np.ndarray]] = {}
    for key, v in values.items():
        if key[0] == "tiers":
            t = tiers.index(key[1])
            if key[2] == "users":
                users[:, t] = v
            elif key[2] == "price":
                price[:, t] = v
            else:  # ("tiers", name, "uses", feature)
                if tier_uses.ndim == 2:
                    tier_uses = np.repeat(tier_uses[None, :, :], points, axis=0)
                tier_uses[:, t, features.index(key[3])] = v
        elif key[0] == "features":
            by_feature.setdefault(key[1], {})[key[2:]] = v
        else:
            raise ScenarioError(f"a range at {'.'.join(map(str, key))} cannot be sampled", field=str(key[0]))
    per_use, loads = w.per_use, [load for _, load, _ in w.sized]
    if by_feature:
        w, per_use, loads = _feature_rows(s, w, by_feature, points)
    return Inputs(w, users, price, tier_uses, per_use, loads)


def _feature_rows(s: Scenario, w: Workload, by_feature: dict, points: int):
    """Per point, what one use of each ranged feature puts on each meter (and on sized capacity). The metering
    rules (32 KB increments, 4 KB read units...) are scalar, so each point's feature is metered on its own."""
    rows: dict[str, list[dict[str, float]]] = {}
    feature_loads: dict[str, list[list[float]]] = {}
    sized = any(True for sv in registry() for _ in sv.sized(s))
    for name, keyed in by_feature.items():
        base, out, lo = s.features[name], [], []
        for i in range(points):
            f = base
            for key, v in keyed.items():
                f = _set_feature(f, key, float(v[i]))
            out.append(feature_row(s, f))
            if sized:
                one = replace(s, features={name: f})
                lo.append([rule.per_use.get(name, 0.0) for sv in registry() for rule in sv.sized(one)])
        rows[name], feature_loads[name] = out, lo
    extra = sorted({m for out in rows.values() for row in out for m in row} - set(w.meters))
    if extra:  # a meter the modes leave at zero (messages' mode 0): a column more, zero elsewhere
        pad = len(extra)
        w = replace(
            w,
            meters=w.meters + extra,
            per_use=np.pad(w.per_use, ((0, 0), (0, pad))),
            fixed=np.pad(w.fixed, (0, pad)),
            per_user=np.pad(w.per_user, (0, pad)),
        )
    index = {m: j for j, m in enumerate(w.meters)}
    per_use = np.repeat(w.per_use[None, :, :], points, axis=0)
    loads = [np.repeat(load[None, :], points, axis=0) for _, load, _ in w.sized]
    for name, out in rows.items():
        fi = w.features.index(name)
        per_use[:, fi, :] = 0.0
        for i, row in enumerate(out):
            for m, q in row.items():
                per_use[i, fi, index[m]] = q
        for i, lo in enumerate(feature_loads[name]):
            for r, value in enumerate(lo):
                loads[r][i, fi] = value
    return w, per_use, loads


# A feature's keys in the file and where they live on `Feature`
_FEATURE_ATTRS = {"lambda": "invocations"}


def _set_feature(f, key: tuple, value: float):
    """`f` with the number at `key` (as in the file: ("websocket", "messages"), ("sqs", 0, "message_kb")) set."""
    head, rest = key[0], key[1:]
    attr = _FEATURE_ATTRS.get(head, head)
    if hasattr(f, attr) and attr != "uses":
        return replace(f, **{attr: _set(getattr(f, attr), rest, value)})
    return replace(f, uses=f.uses | {head: _set(f.uses[head], rest, value)})


def _set(node, key: tuple, value: float):
    if not key:
        return value
    head, rest = key[0], key[1:]
    if isinstance(node, dict):
        return node | {head: _set(node.get(head, 0.0), rest, value)}
    if isinstance(node, tuple):
        return node[:head] + (_set(node[head], rest, value),) + node[head + 1 :]
    if dataclasses.is_dataclass(node):
        return replace(node, **{head: _set(getattr(node, head), rest, value)})
    raise TypeError(f"cannot set {key} in {type(node).__name__}")


# ---------------------------------------------------------------- simulate


def stats(x: np.ndarray) -> dict[str, float | None]:
    """P10, P50, P90 and mean over the points that have a figure (NaN: none, such as a margin % without revenue)."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if not x.size:
        return {"p10": None, "p50": None, "p90": None, "mean": None}
    p = np.percentile(x, PERCENTILES)
    return {"p10": float(p[0]), "p50": float(p[1]), "p90": float(p[2]), "mean": float(x.mean())}


@dataclass(frozen=True)
class TierDraws:
    name: str
    users: np.ndarray
    revenue: np.ndarray  # USD per month
    cost: np.ndarray  # USD per month
    cost_per_user: np.ndarray  # NaN without users
    margin: np.ndarray  # revenue - cost, USD per month
    margin_pct: np.ndarray  # margin / revenue, NaN with revenue under half a cent


def tier_draws(inp: Inputs, pts: Points) -> list[TierDraws]:
    out = []
    with np.errstate(divide="ignore", invalid="ignore"):
        for t, name in enumerate(inp.workload.tier_names):
            users, cost = pts.tier_users[:, t], pts.tier_cost[:, t]
            revenue = users * inp.tier_price[:, t]
            margin = revenue - cost
            out.append(
                TierDraws(
                    name=name,
                    users=users,
                    revenue=revenue,
                    cost=cost,
                    cost_per_user=np.where(users > 0, cost / users, np.nan),
                    margin=margin,
                    margin_pct=np.where(revenue >= MIN_REVENUE_FOR_MARGIN_PCT, margin / revenue, np.nan),
                )
            )
    return out


@dataclass(frozen=True)
class Swing:
    input: str  # the range's path: tiers.pro.uses.send_message
    low_total: float  # USD: the total with this input at its low, the others at their modes
    high_total: float
    swing: float  # |high_total - low_total|
    low_margin: float  # USD: revenue - total, at its low (a price range moves this, not the total)
    high_margin: float


def tornado(s: Scenario, book: PriceBook | None = None) -> list[Swing]:
    """One at a time: each range at its low and its high, the others at their modes; sorted by swing,
    largest first (ties in the file's order)."""
    if not s.ranges:
        return []
    n = 2 * len(s.ranges)
    values = {r.key: np.full(n, float(r.mode)) for r in s.ranges}
    for i, r in enumerate(s.ranges):
        values[r.key][2 * i], values[r.key][2 * i + 1] = r.low, r.high
    inp = inputs(s, values, n, book)
    pts = inp.evaluate()
    revenue = (pts.tier_users * inp.tier_price).sum(axis=1)
    total = np.round(pts.total, 2)
    out = [
        Swing(
            input=r.path,
            low_total=float(total[2 * i]),
            high_total=float(total[2 * i + 1]),
            swing=round(abs(float(total[2 * i + 1] - total[2 * i])), 2),
            low_margin=float(revenue[2 * i] - total[2 * i]),
            high_margin=float(revenue[2 * i + 1] - total[2 * i + 1]),
        )
        for i, r in enumerate(s.ranges)
    ]
    return sorted(out, key=lambda w: -w.swing)


@dataclass(frozen=True)
class Simulation:
    samples: int
    seed: int
    total: np.ndarray  # USD per sample
    revenue: np.ndarray
    tiers: list[TierDraws]
    feature_names: list[str]
    cost_per_use: np.ndarray  # samples x features, NaN where a sample has no use of the feature
    sensitivity: list[Swing]
    ranges: tuple[Range, ...]

    def to_json(self) -> dict:
        return {
            "samples": self.samples,
            "seed": self.seed,
            "total": stats(self.total),
            "revenue": stats(self.revenue),
            "margin": stats(self.revenue - self.total),
            "tiers": [
                {
                    "name": t.name,
                    "users": stats(t.users),
                    "cost": stats(t.cost),
                    "cost_per_user": stats(t.cost_per_user),
                    "margin": stats(t.margin),
                    "margin_pct": stats(t.margin_pct),
                }
                for t in self.tiers
            ],
            "features": [
                {"name": n, "cost_per_use": stats(self.cost_per_use[:, i])} for i, n in enumerate(self.feature_names)
            ],
            "sensitivity": [dataclasses.asdict(w) for w in self.sensitivity],
            "ranges": [
                {"input": r.path, "low": r.low, "mode": r.mode, "high": r.high, "uniform": r.uniform}
                for r in self.ranges
            ],
        }


def simulate(
    s: Scenario, samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED, book: PriceBook | None = None
) -> Simulation:
    """`samples` whole months, every range drawn at once; with no ranges every sample is the estimate."""
    if not 1 <= samples <= MAX_SAMPLES:
        raise ScenarioError(f"samples must be from 1 to {MAX_SAMPLES:,}, got {samples}", field="--samples")
    inp = inputs(s, draw(s.ranges, samples, seed), samples, book)
    pts = inp.evaluate()
    with np.errstate(divide="ignore", invalid="ignore"):
        cost_per_use = np.where(pts.uses > 0, pts.feature_cost / pts.uses, np.nan)
    return Simulation(
        samples=samples,
        seed=seed,
        total=pts.total,
        revenue=(pts.tier_users * inp.tier_price).sum(axis=1),
        tiers=tier_draws(inp, pts),
        feature_names=list(inp.workload.features),
        cost_per_use=cost_per_use,
        sensitivity=tornado(s, book),
        ranges=s.ranges,
    )


@dataclass(frozen=True)
class Fan:
    """Cost per user and margin of each tier as users grow: P10, P50, P90 over samples at each scale."""

    users: np.ndarray  # scale points: users in all at the modes x scale
    tiers: dict[str, dict[str, np.ndarray]]  # tier -> {"cost_per_user_p10", ..., "margin_p90"}: one per scale


def fan(
    s: Scenario, scales: np.ndarray, samples: int = 2_000, seed: int = DEFAULT_SEED, book: PriceBook | None = None
) -> Fan:
    """The same draws at each of `scales` (the users of every tier times the scale): one evaluation of
    samples x scales points."""
    scales = np.asarray(scales, dtype=float)
    k = len(scales)
    drawn = draw(s.ranges, samples, seed)
    values = {key: np.tile(v, k) for key, v in drawn.items()}
    inp = inputs(s, values, samples * k, book)
    factor = np.repeat(scales, samples)
    inp = replace(inp, tier_users=inp.tier_users * factor[:, None])
    pts = inp.evaluate()
    out: dict[str, dict[str, np.ndarray]] = {}
    for t in tier_draws(inp, pts):
        figures = {}
        for what in ("cost_per_user", "margin"):
            x = getattr(t, what).reshape(k, samples)
            with np.errstate(all="ignore"):
                p = np.nanpercentile(np.where(np.isfinite(x), x, np.nan), PERCENTILES, axis=1)
            for q, row in zip(PERCENTILES, p):
                figures[f"{what}_p{q}"] = row
        out[t.name] = figures
    return Fan(s.users * scales, out)


# ---------------------------------------------------------------- forecast


def rates(s: Scenario, growth: dict[str, float] | None = None, churn: dict[str, float] | None = None) -> Plan:
    """The plan: the scenario's `plan:` with `growth` and `churn` (the command line's) over it, tier by tier."""
    for what, given, low, high in (("growth", growth, -100, 1000), ("churn", churn, 0, 100)):
        for name, pct in (given or {}).items():
            if name not in s.tiers:
                known = ", ".join(s.tiers) or "none"
                raise ScenarioError(f"unknown tier {name!r} (tiers: {known})", field=f"--{what}")
            if not low <= pct <= high:
                message = f"{name}: must be from {low} to {high} percent a month, got {pct:g}"
                raise ScenarioError(message, field=f"--{what}")
    return Plan(growth=s.plan.growth | (growth or {}), churn=s.plan.churn | (churn or {}))


def month_users(s: Scenario, months: int, plan: Plan) -> np.ndarray:
    """(months + 1) x tiers: month 0 as written, then each month the one before x (1 + g/100) x (1 - c/100)."""
    start = np.array([t.users for t in s.tiers.values()], dtype=float)
    factor = np.array(
        [(1 + plan.growth.get(n, 0.0) / 100) * (1 - plan.churn.get(n, 0.0) / 100) for n in s.tiers], dtype=float
    )
    out = np.empty((months + 1, len(start)))
    out[0] = start
    for k in range(1, months + 1):
        out[k] = out[k - 1] * factor
        if (out[k] > MAX_NUMBER).any():  # compounding growth: past any real user base and what a float prices exactly
            t = int(np.argmax(out[k] > MAX_NUMBER))
            raise ScenarioError(
                f"tier {list(s.tiers)[t]!r} passes {MAX_NUMBER:,.0f} users in month {k}: fewer months or less growth",
                field="plan.growth",
            )
    return out


FREE_TIER_RUNS_OUT = "free_tier_runs_out"
VOLUME_TIER_STARTS = "volume_tier_starts"


def events(pts: Points) -> list[list[dict]]:
    """Per point (month), what starts then that did not the point before: a meter's Always Free allowance used
    up (its paid usage starts) and a volume tier past the first reached."""
    n = pts.total.shape[0]
    out: list[list[dict]] = [[] for _ in range(n)]
    free_meters = {line.meter: line for line in pts.lines if line.free}
    paid: dict[str, np.ndarray] = {}
    for line in pts.lines:
        if not line.free and line.meter in free_meters:
            paid[line.meter] = paid.get(line.meter, 0.0) + np.broadcast_to(line.quantity, (n,))
    for meter, q in paid.items():
        line = free_meters[meter]
        for k in range(1, n):
            if q[k] > 0 and q[k - 1] <= 0:
                out[k].append({"kind": FREE_TIER_RUNS_OUT, "service": line.service, "component": line.component})
    for line in pts.lines:
        if line.free or not line.tier or line.tier.startswith("first"):
            continue
        q = np.broadcast_to(line.quantity, (n,))
        for k in range(1, n):
            if q[k] > 0 and q[k - 1] <= 0:
                out[k].append({"kind": VOLUME_TIER_STARTS, "service": line.service, "component": line.label})
    return out


@dataclass(frozen=True)
class Month:
    month: int
    users: float
    total: float  # USD, the sum of the line costs (each to the cent), as `estimate`'s
    revenue: float
    margin: float  # revenue - total
    margin_pct: float | None  # margin / revenue; None with revenue under half a cent
    cost_per_user: float | None  # total / users
    tiers: list[dict]  # {"name", "users", "cost", "revenue", "margin"}
    events: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        return dataclasses.asdict(self)


def forecast(s: Scenario, months: int, plan: Plan, book: PriceBook | None = None) -> list[Month]:
    if not 0 <= months <= MAX_MONTHS:
        raise ScenarioError(f"months must be from 0 to {MAX_MONTHS}, got {months}", field="--months")
    users = month_users(s, months, plan)
    w = compile_scenario(s, book)
    pts = evaluate_each(w, users)  # each month exactly `estimate` of its users
    price = np.array([t.price for t in s.tiers.values()], dtype=float)
    happened = events(pts)
    out = []
    for k in range(months + 1):
        total = round(float(pts.total[k]), 2)
        revenue_t = users[k] * price
        revenue = float(revenue_t.sum())
        all_users = float(users[k].sum())
        margin = revenue - total
        out.append(
            Month(
                month=k,
                users=all_users,
                total=total,
                revenue=revenue,
                margin=margin,
                margin_pct=margin / revenue if revenue >= MIN_REVENUE_FOR_MARGIN_PCT else None,
                cost_per_user=total / all_users if all_users > 0 else None,
                tiers=[
                    {
                        "name": name,
                        "users": float(users[k, t]),
                        "cost": float(pts.tier_cost[k, t]),
                        "revenue": float(revenue_t[t]),
                        "margin": float(revenue_t[t] - pts.tier_cost[k, t]),
                    }
                    for t, name in enumerate(w.tier_names)
                ],
                events=happened[k],
            )
        )
    return out

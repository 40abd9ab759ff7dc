"""Property tests of the engine: monotone costs, tier buckets, allocations that add up, YAML
round trips and sweeps that agree with estimates.

Scenarios are generated as plain format-1 dicts (every section, on-demand and provisioned
tables, custom services, features, tiers, baseline) within ranges the us-east-1 price book
covers, dumped with yaml.safe_dump and read back through `loads`, exactly as a file would be.
"""

import json
import math
from dataclasses import replace

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.engine import UNALLOCATED, compile_scenario, estimate, sweep
from models.scenario import RESERVED_SERVICES, loads, to_dict, to_yaml
from pricing.book import Price, Tier, default_book
from pricing.lines import tiered
from pricing.services import registry

TAKEN = set(RESERVED_SERVICES) | {sv.name for sv in registry()}  # names a custom service may not take

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Names a person might write, including ones YAML has opinions about (yes, null, 1, a: b, #x).
NAMES = st.one_of(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz_-: #'\"é0123456789", min_size=1, max_size=8),
    st.sampled_from(["yes", "no", "on", "null", "~", "true", "1", "1.5", "1e3", "0x10", "2024-01-01", "-", "*a"]),
).filter(lambda s: s.strip() != "")


def num(low: float, high: float) -> st.SearchStrategy:
    """Integers or decimals in [low, high]; counts may be fractional averages. No subnormals: a
    count of 5e-324 uses a month means nothing, and float64 cannot share a cost by it exactly."""
    return st.one_of(
        st.integers(math.ceil(low), math.floor(high)),
        st.floats(low, high, allow_nan=False, allow_infinity=False, allow_subnormal=False),
    )


@st.composite
def scenario_dicts(
    draw, small: bool = False, free_tier: bool | None = None, users: bool = False, extreme: bool = False
) -> dict:
    """A valid format-1 scenario as a dict.

    small: volumes stay well under every volume-tier boundary (6B GB-s, 1B messages, 300M
    requests, 10 TB of logs) even at 10x the users. users: at least one tier with users > 0.
    extreme: counts, users, prices and capacities anywhere up to the reader's limit of 1e12, often at it.
    """

    def amount(high: float) -> st.SearchStrategy:
        if not extreme:
            return num(0, high)
        return st.one_of(num(0, 1e12), st.sampled_from([1e-300, 1e-9, 0.5, 1e6, 1e9, 1e12]))

    max_users = 1_000 if small else 100_000
    max_uses = 100 if small else 10_000
    d: dict = {"name": draw(NAMES), "region": "us-east-1"}
    ft = draw(st.booleans()) if free_tier is None else free_tier
    if free_tier is not None or draw(st.booleans()):
        d["free_tier"] = ft
    hours = 730
    if draw(st.booleans()):
        hours = d["hours_per_month"] = draw(num(1, 744))

    functions = {}
    for n in draw(st.lists(NAMES, max_size=3, unique=True)):
        f = {"memory_mb": draw(st.integers(128, 10240)), "duration_ms": draw(num(0, 1000 if small else 900_000))}
        if draw(st.booleans()):
            f["architecture"] = draw(st.sampled_from(["x86_64", "arm64"]))
        if draw(st.booleans()):
            f["ephemeral_storage_mb"] = draw(st.integers(512, 10240))
        if draw(st.booleans()):
            f["cold_start_rate"] = draw(num(0, 1))
            f["init_ms"] = draw(num(0, 1000 if small else 10_000))
        if draw(st.booleans()):
            f["log_kb"] = draw(num(0, 10))
        if draw(st.integers(0, 3)) == 0:
            p = {"concurrency": draw(st.integers(0, 20))}
            if draw(st.booleans()):
                p["hours"] = draw(num(0, hours))
            if draw(st.booleans()):
                p["share"] = draw(num(0, 1))
            f["provisioned"] = p
        functions[n] = f
    websockets = {n: {} for n in draw(st.lists(NAMES, max_size=2, unique=True))}
    http_apis = {n: {} for n in draw(st.lists(NAMES, max_size=2, unique=True))}
    tables = {}
    for n in draw(st.lists(NAMES, max_size=3, unique=True)):
        t = {}
        if draw(st.booleans()):
            t["table_class"] = draw(st.sampled_from(["standard", "standard_ia"]))
        if draw(st.booleans()):
            t["storage_gb"] = draw(amount(100))
        if draw(st.booleans()):
            t["gsis"] = draw(st.integers(0, 20))
        if draw(st.booleans()):
            t["capacity"] = "provisioned"
            t["read_capacity"] = draw(amount(200))
            t["write_capacity"] = draw(amount(200))
        elif draw(st.booleans()):
            t["capacity"] = "on_demand"
        tables[n] = t
    services = {
        n: {"unit": draw(NAMES), "price": draw(amount(0.01))}
        for n in draw(st.lists(NAMES.filter(lambda s: s not in TAKEN), max_size=2, unique=True))
    }

    features = {}
    for n in draw(st.lists(NAMES, min_size=0 if not users else 1, max_size=3, unique=True)):
        f: dict = {}
        if functions and draw(st.booleans()):
            f["lambda"] = {
                fn: draw(amount(10)) for fn in draw(st.lists(st.sampled_from(list(functions)), min_size=1, unique=True))
            }
        if websockets and draw(st.booleans()):
            w = {}
            if len(websockets) > 1 or draw(st.booleans()):
                w["api"] = draw(st.sampled_from(list(websockets)))
            if draw(st.integers(0, 3)) > 0:  # mostly some messages
                w["messages"] = draw(amount(10))
            if draw(st.booleans()):
                w["message_kb"] = draw(num(0, 64 if small else 128))
            if draw(st.booleans()):
                w["connection_minutes"] = draw(amount(60))
            f["websocket"] = w
        if http_apis and draw(st.booleans()):
            h = {}
            if len(http_apis) > 1 or draw(st.booleans()):
                h["api"] = draw(st.sampled_from(list(http_apis)))
            if draw(st.integers(0, 3)) > 0:
                h["requests"] = draw(amount(10))
            if draw(st.booleans()):
                h["request_kb"] = draw(num(0, 1024 if small else 10240))
            f["http"] = h
        if tables and draw(st.booleans()):
            ops = []
            for _ in range(draw(st.integers(1, 3))):
                op: dict = {"table": draw(st.sampled_from(list(tables)))}
                if draw(st.booleans()):
                    op["reads"] = draw(amount(10))
                    op["item_kb"] = draw(num(0, 1024))
                    if draw(st.booleans()):
                        op["consistency"] = draw(st.sampled_from(["eventual", "strong", "transactional"]))
                else:
                    op["writes"] = draw(amount(10))
                    op["item_kb"] = draw(num(0, 400))
                    if draw(st.booleans()):
                        op["transactional"] = draw(st.booleans())
                    if draw(st.booleans()):
                        op["gsis"] = draw(num(0, 20))
                ops.append(op)
            f["dynamodb"] = ops
        if services and draw(st.booleans()):
            f["services"] = {
                s: draw(amount(1000)) for s in draw(st.lists(st.sampled_from(list(services)), min_size=1, unique=True))
            }
        features[n] = f

    tiers = {}
    for n in draw(st.lists(NAMES, min_size=1 if users else 0, max_size=3, unique=True)):
        t = {"users": draw(amount(max_users))}
        if draw(st.booleans()):
            t["price"] = draw(amount(100))
        if features and draw(st.integers(0, 3)) > 0:  # mostly with uses
            t["uses"] = {
                fn: draw(amount(max_uses))
                for fn in draw(st.lists(st.sampled_from(list(features)), min_size=1, unique=True))
            }
        tiers[n] = t
    if users:
        first = next(iter(tiers))
        tiers[first]["users"] = draw(num(1, max_users))
    baseline = {}
    if features and draw(st.booleans()):
        baseline = {
            fn: draw(amount(1000 if small else 1_000_000))
            for fn in draw(st.lists(st.sampled_from(list(features)), min_size=1, unique=True))
        }

    for key, section in (
        ("functions", functions),
        ("websockets", websockets),
        ("http_apis", http_apis),
        ("tables", tables),
        ("services", services),
        ("features", features),
        ("tiers", tiers),
        ("baseline", baseline),
    ):
        if section or draw(st.booleans()):  # an empty section is valid too
            d[key] = section
    return d


def load_dict(d: dict):
    return loads(yaml.safe_dump(d, sort_keys=False, allow_unicode=True), source="generated.yaml")


def close(expected: float):
    """Within 1e-6 USD, or a part in 10^12 for totals too large for float64 to hold to 1e-6."""
    return pytest.approx(expected, abs=1e-6, rel=1e-12)


# ---------------------------------------------------------------- costs never fall when usage grows


@FAST
@given(d=scenario_dicts(users=True), factors=st.lists(st.integers(0, 2000), min_size=2, max_size=8))
def test_more_users_never_cost_less(d, factors):
    s = load_dict(d)
    users = np.sort(np.array(factors) / 100 * s.users)  # 0x to 20x today's users
    totals = sweep(s, users).total
    assert np.all(np.diff(totals) >= -1e-9), (users, totals)


@FAST
@given(data=st.data(), d=scenario_dicts(users=True))
def test_more_usage_never_costs_less(data, d):
    """Each kind of growth, applied to the same scenario: more uses per user, more baseline uses,
    longer duration, more memory, bigger messages."""
    s = load_dict(d)
    before = estimate(s).total

    def grown(**changes) -> float:
        return estimate(replace(s, **changes)).total

    if s.features:
        tier = data.draw(st.sampled_from(list(s.tiers)), label="tier")
        feature = data.draw(st.sampled_from(list(s.features)), label="feature")
        extra = data.draw(num(0, 10_000), label="extra uses")
        t = s.tiers[tier]
        uses = t.uses | {feature: t.uses.get(feature, 0) + extra}
        assert grown(tiers=s.tiers | {tier: replace(t, uses=uses)}) >= before - 1e-9, "more uses per user"
        baseline = s.baseline | {feature: s.baseline.get(feature, 0) + extra * 100}
        assert grown(baseline=baseline) >= before - 1e-9, "more baseline uses"
    if s.functions:
        name = data.draw(st.sampled_from(list(s.functions)), label="function")
        ms = data.draw(num(0, 100_000), label="extra ms")
        mb = data.draw(st.integers(0, 10240), label="extra MB")
        f = s.functions[name]
        longer = replace(f, duration_ms=min(900_000, f.duration_ms + ms))
        assert grown(functions=s.functions | {name: longer}) >= before - 1e-9, "longer duration"
        bigger = replace(f, memory_mb=min(10240, f.memory_mb + mb))
        assert grown(functions=s.functions | {name: bigger}) >= before - 1e-9, "more memory"
    with_ws = [n for n, f in s.features.items() if f.websocket]
    if with_ws:
        name = data.draw(st.sampled_from(with_ws), label="websocket feature")
        kb = data.draw(num(0, 128), label="extra KB")
        f = s.features[name]
        w = replace(f.websocket, message_kb=min(128, f.websocket.message_kb + kb))
        assert grown(features=s.features | {name: replace(f, websocket=w)}) >= before - 1e-9, "bigger messages"


# ---------------------------------------------------------------- tier buckets


@st.composite
def prices(draw) -> Price:
    """A Price with 1-4 contiguous tiers from 0, the last open-ended or not."""
    widths = draw(st.lists(st.floats(1e-3, 1e12, allow_nan=False), min_size=1, max_size=4))
    edges = np.concatenate([[0.0], np.cumsum(widths)]).tolist()
    if draw(st.booleans()):
        edges[-1] = math.inf
    tiers = tuple(Tier(a, b, str(draw(st.floats(0, 1)))) for a, b in zip(edges, edges[1:]))
    return Price("r", "s", "c", "unit", "ut", "src", tiers)


@settings(max_examples=100, deadline=None)
@given(price=prices(), fractions=st.lists(st.floats(0, 1), min_size=1, max_size=5))
def test_tier_buckets_sum_to_the_quantity(price, fractions):
    top = price.tiers[-1].end if math.isfinite(price.tiers[-1].end) else price.tiers[-1].begin * 2 + 1e6
    q = np.array(fractions) * top
    lines = tiered(price, q, "C", "m")
    parts = np.array([ln.quantity for ln in lines])
    assert parts.sum(axis=0) == pytest.approx(q, rel=1e-12, abs=1e-6)
    for t, part in zip(price.tiers, parts):
        assert np.all(part >= 0) and np.all(part <= t.end - t.begin)
    # Buckets fill in order: a tier has usage only when the one below it is full.
    for (t, lower), upper in zip(zip(price.tiers, parts), parts[1:]):
        assert np.all((upper == 0) | np.isclose(lower, t.end - t.begin))


@settings(max_examples=100, deadline=None)
@given(q=st.floats(0, 5e10))
def test_book_tier_buckets_sum_to_the_quantity(q):
    book = default_book()
    for service, component in (
        ("lambda", "duration_x86_64"),
        ("lambda", "duration_arm64"),
        ("websocket", "messages"),
        ("http", "requests"),
        ("logs", "lambda_ingestion"),
    ):
        parts = [
            float(ln.quantity[0]) for ln in tiered(book.get("us-east-1", service, component), np.array([q]), "C", "m")
        ]
        assert sum(parts) == pytest.approx(q, rel=1e-12)


# ---------------------------------------------------------------- allocations add up


@FAST
@given(d=scenario_dicts())
def test_features_and_tiers_add_up_to_the_total(d):
    e = estimate(load_dict(d))
    assert sum(line.cost for line in e.lines) == close(e.total)
    assert sum(e.services.values()) == close(e.total)
    assert sum(f.cost for f in e.features) == close(e.total)
    # Where no feature is used at all there is nothing to share fixed costs over by use; that case
    # has its own test below.
    if any(f.uses > 0 for f in e.features):
        assert sum(t.cost for t in e.tiers) + e.baseline_cost == close(e.total)


def test_tiers_carry_fixed_costs_even_when_no_feature_is_used():
    # 30 GB of Standard storage: (30 - 25 free) x $0.25 = $1.25 a month, and 100 users who use
    # no feature. The issue: "tiers add up to the total minus what baseline uses" (baseline: none).
    s = loads("""
name: idle
region: us-east-1
tables: {t: {storage_gb: 30}}
features: {read: {dynamodb: [{table: t, reads: 1}]}}
tiers: {free: {users: 100, uses: {read: 0}}}
""")
    e = estimate(s)
    assert e.total == pytest.approx(1.25)
    assert sum(f.cost for f in e.features) == pytest.approx(1.25)
    assert sum(t.cost for t in e.tiers) + e.baseline_cost == close(e.total), [
        (f.name, f.cost) for f in e.features if f.name == UNALLOCATED
    ]


# ---------------------------------------------------------------- YAML round trip


@FAST
@given(d=scenario_dicts())
def test_scenario_round_trips_through_yaml(d):
    s = load_dict(d)
    text = to_yaml(s)
    again = loads(text, source="round-trip.yaml")
    assert again == s
    assert to_dict(again) == to_dict(s)
    assert to_yaml(again) == text


# ---------------------------------------------------------------- sweeps


@FAST
@given(d=scenario_dicts(users=True), factors=st.lists(st.floats(0, 5), max_size=4))
def test_sweep_agrees_with_estimates(d, factors):
    s = load_dict(d)
    # At the scenario's own user count the sweep is the estimate.
    assert sweep(s, np.array([s.users])).total[0] == close(estimate(s).total)
    # At other counts it is the estimate of the scenario grown to that count.
    users = np.array(factors) * s.users
    for u, t in zip(users, sweep(s, users).total):
        assert t == close(estimate(s.with_users(u)).total)


@FAST
@given(d=scenario_dicts(small=True, free_tier=False, users=True), scale=st.floats(1, 10), points=st.integers(3, 20))
def test_sweep_is_linear_without_free_tier_or_volume_tiers(d, scale, points):
    s = load_dict(d)
    users = np.linspace(0, scale * s.users, points)
    totals = sweep(s, users).total
    # Exactly linear before the per-line rounding to the cent; each line rounds by at most half
    # a cent, so a point and the line through the end points differ by at most 1 cent per meter.
    meters = len(compile_scenario(s).meters)
    line = totals[0] + (totals[-1] - totals[0]) * (users - users[0]) / (users[-1] - users[0])
    assert np.all(np.abs(totals - line) <= 0.01 * meters + 1e-6), (totals, line)


# ---------------------------------------------------------------- at the extremes the reader allows (1e12)

EXTREME = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _numbers(value):
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, int | float):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _numbers(v)
    elif isinstance(value, list):
        for v in value:
            yield from _numbers(v)


@EXTREME
@given(d=scenario_dicts(extreme=True))
def test_extreme_scenarios_have_finite_figures_that_add_up(d):
    e = estimate(load_dict(d))
    data = e.to_json()
    json.dumps(data, allow_nan=False)  # strict JSON, as estimate --json prints it
    assert all(math.isfinite(x) for x in _numbers(data))
    assert e.total >= 0 and all(line.cost >= 0 for line in e.lines) and all(f.cost >= 0 for f in e.features)
    assert all(t.cost >= 0 for t in e.tiers)
    near = pytest.approx(e.total, rel=1e-9, abs=1e-6)
    assert sum(f.cost for f in e.features) == near
    if any(f.uses > 0 for f in e.features):
        assert sum(t.cost for t in e.tiers) + e.baseline_cost == near


@EXTREME
@given(data=st.data(), d=scenario_dicts(users=True, extreme=True))
def test_more_usage_never_costs_less_at_extremes(data, d):
    s = load_dict(d)
    before = estimate(s).total
    at_least = before * (1 - 1e-12) - 1e-9
    tier = data.draw(st.sampled_from(list(s.tiers)), label="tier")
    feature = data.draw(st.sampled_from(list(s.features)), label="feature")
    extra = data.draw(st.sampled_from([1.0, 1e6, 1e12]), label="extra uses")
    t = s.tiers[tier]
    uses = t.uses | {feature: min(1e12, t.uses.get(feature, 0) + extra)}
    assert estimate(replace(s, tiers=s.tiers | {tier: replace(t, uses=uses)})).total >= at_least
    users = np.array([0.0, 1.0, s.users, min(1e12, s.users * 1e3), 1e12])
    totals = sweep(s, np.sort(users)).total
    assert np.all(np.isfinite(totals)) and np.all(np.diff(totals) >= -1e-12 * totals[1:] - 1e-9), totals

"""`cli.py simulate` (issue 15): percentiles against the triangular and uniform distributions' closed forms, each
sample priced as a whole month (checked against `estimate` of that sample's scenario), the tornado worked out by
hand, the JSON contract, and the same seed giving the same figures."""

import copy
import json
import math
import subprocess
import sys

import numpy as np
import pytest
import yaml

import cli
from models.engine import estimate
from models.plan import DEFAULT_SEED, draw, simulate
from models.scenario import from_data, loads
from tests.fuzz_scenarios import SEEDS

# Linear in one input: no functions, no free tier, one per-unit service at $0.001 a unit, 100 units a use, so the
# month costs 1,000 users x uses x 100 x $0.001 = $100 per use per user (cent rounding moves it by at most $0.005).
LINEAR = """\
name: Linear
region: us-east-1
services:
  translate: {unit: character, price: 0.001}
features:
  send:
    services: {translate: 100}
tiers:
  pro:
    users: 1000
    price: 10
    uses:
      send: USES
"""
USD_PER_USE = 100.0


def run(tmp_path, text: str, *args: str) -> str:
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    return subprocess.run(
        [sys.executable, "cli.py", "simulate", str(path), *args], capture_output=True, text=True, check=True
    ).stdout


def triangular_quantile(p: float, a: float, c: float, b: float) -> float:
    """The inverse of the triangular CDF: F(x) = (x-a)^2 / ((b-a)(c-a)) up to the mode, 1 - (b-x)^2 / ((b-a)(b-c))
    above it."""
    if p < (c - a) / (b - a):
        return a + math.sqrt(p * (b - a) * (c - a))
    return b - math.sqrt((1 - p) * (b - a) * (b - c))


def triangular_density(x: float, a: float, c: float, b: float) -> float:
    return 2 * (x - a) / ((b - a) * (c - a)) if x <= c else 2 * (b - x) / ((b - a) * (b - c))


SAMPLES = 200_000


def tolerance(p: float, density: float) -> float:
    """Five standard errors of a sample quantile, sqrt(p (1 - p) / n) / f(x_p) (its asymptotic spread): a correct
    sampler fails this about once in 1.7 million runs; a wrong mode or a swapped low/high misses by far more
    (at the P10 of 1000..2000..6000, one standard error is 2.4 uses of 1,707)."""
    return 5 * math.sqrt(p * (1 - p) / SAMPLES) / density


def test_percentiles_of_a_linear_scenario_are_the_triangular_quantiles(tmp_path):
    a, c, b = 1000.0, 2000.0, 6000.0
    out = json.loads(run(tmp_path, LINEAR.replace("USES", "{low: 1000, mode: 2000, high: 6000}"),
                         "--samples", str(SAMPLES), "--seed", "7", "--json"))  # fmt: skip
    assert out["samples"] == SAMPLES and out["seed"] == 7
    for key, p in (("p10", 0.1), ("p50", 0.5), ("p90", 0.9)):
        x = triangular_quantile(p, a, c, b)  # P10 1,707.1; P50 2,550.5; P90 4,451.5 uses
        uses = tolerance(p, triangular_density(x, a, c, b))
        assert out["total"][key] == pytest.approx(USD_PER_USE * x, abs=USD_PER_USE * uses + 0.01)
        (tier,) = out["tiers"]
        # cost per user: $0.1 a use; the margin: $10 x 1,000 users of revenue less the month's cost
        assert tier["cost_per_user"][key] == pytest.approx(0.1 * x, abs=0.1 * uses + 1e-5)
        low_margin_key = {"p10": "p90", "p50": "p50", "p90": "p10"}[key]  # the margin falls as the cost rises
        assert tier["margin"][low_margin_key] == pytest.approx(10_000 - USD_PER_USE * x, abs=USD_PER_USE * uses + 0.01)
    # mean (a + b + c) / 3 = 3,000 uses; sd^2 = (a^2 + b^2 + c^2 - ab - ac - bc) / 18
    sd = math.sqrt((a * a + b * b + c * c - a * b - a * c - b * c) / 18)
    assert out["total"]["mean"] == pytest.approx(USD_PER_USE * 3000, abs=USD_PER_USE * 5 * sd / math.sqrt(SAMPLES))
    # one use costs $0.10 whatever the number of uses: every percentile is that
    (feature,) = out["features"]
    assert feature["name"] == "send"
    assert all(v == pytest.approx(0.1) for v in feature["cost_per_use"].values())


def test_percentiles_of_a_uniform_range_are_its_quantiles(tmp_path):
    a, b = 1000.0, 3000.0
    out = json.loads(run(tmp_path, LINEAR.replace("USES", "{low: 1000, high: 3000}"),
                         "--samples", str(SAMPLES), "--json"))  # fmt: skip
    for key, p in (("p10", 0.1), ("p50", 0.5), ("p90", 0.9)):
        x = a + p * (b - a)  # 1,200, 2,000, 2,800
        uses = tolerance(p, 1 / (b - a))
        assert out["total"][key] == pytest.approx(USD_PER_USE * x, abs=USD_PER_USE * uses + 0.01)
    sd = (b - a) / math.sqrt(12)
    assert out["total"]["mean"] == pytest.approx(USD_PER_USE * 2000, abs=USD_PER_USE * 5 * sd / math.sqrt(SAMPLES))


TORNADO = """\
name: Tornado
region: us-east-1
services:
  translate: {unit: character, price: 0.001}
features:
  send:
    services: {translate: {low: 50, mode: 100, high: 110}}
tiers:
  pro:
    users: {low: 500, high: 1500}
    price: {low: 8, high: 12}
    uses:
      send: {low: 5, mode: 10, high: 30}
"""


def test_the_tornado_by_hand(tmp_path):
    # The month costs users x uses x units x $0.001: $1,000 at the modes (1,000 x 10 x 100).
    #   uses 5 .. 30:      $500 .. $3,000, swing $2,500
    #   users 500 .. 1500: $500 .. $1,500, swing $1,000 (uniform: its mode is the midpoint, 1,000)
    #   units 50 .. 110:   $500 .. $1,100, swing $600
    #   price 8 .. 12:     the cost does not move (swing $0); the margin goes from $7,000 to $11,000
    out = json.loads(run(tmp_path, TORNADO, "--samples", "100", "--json"))
    assert [(w["input"], w["low_total"], w["high_total"], w["swing"]) for w in out["sensitivity"]] == [
        ("tiers.pro.uses.send", 500.0, 3000.0, 2500.0),
        ("tiers.pro.users", 500.0, 1500.0, 1000.0),
        ("features.send.services.translate", 500.0, 1100.0, 600.0),
        ("tiers.pro.price", 1000.0, 1000.0, 0.0),
    ]
    price = out["sensitivity"][-1]
    assert (price["low_margin"], price["high_margin"]) == (7000.0, 11000.0)


SIMULATE_KEYS = {"samples", "seed", "total", "tiers", "features", "sensitivity"}
STATS = {"p10", "p50", "p90", "mean"}


def test_json_contract_and_the_same_seed_gives_the_same_figures(tmp_path):
    a = run(tmp_path, TORNADO, "--samples", "500", "--seed", "5", "--json")
    assert a == run(tmp_path, TORNADO, "--samples", "500", "--seed", "5", "--json")
    assert a != run(tmp_path, TORNADO, "--samples", "500", "--seed", "6", "--json")
    out = json.loads(a)
    assert set(out) >= SIMULATE_KEYS and set(out["total"]) == STATS
    assert [set(t) >= {"name", "cost_per_user", "margin", "margin_pct"} for t in out["tiers"]] == [True]
    assert all(set(t[k]) == STATS for t in out["tiers"] for k in ("cost_per_user", "margin", "margin_pct"))
    assert [set(f) >= {"name", "cost_per_use"} and set(f["cost_per_use"]) == STATS for f in out["features"]] == [True]
    assert all(set(w) >= {"input", "low_total", "high_total", "swing"} for w in out["sensitivity"])
    # defaults: 10,000 samples, seed 0, both reported
    default = json.loads(run(tmp_path, TORNADO, "--json"))
    assert (default["samples"], default["seed"]) == (10_000, DEFAULT_SEED) == (10_000, 0)
    assert "seed 0" in run(tmp_path, TORNADO)  # the text says which seed gave its figures


def test_a_scenario_without_ranges_has_its_estimate_at_every_percentile(repo_root, tmp_path):
    text = (repo_root / "examples" / "positive-chat.yaml").read_text()
    out = json.loads(run(tmp_path, text, "--samples", "50", "--json"))
    total = estimate(loads(text)).total
    assert list(out["total"].values()) == pytest.approx([total] * 4) and out["sensitivity"] == []


# Not linear anywhere: the Lambda free tier near its 1M requests, WebSocket messages either side of 32 KB, item
# sizes across DynamoDB's 1 KB write units, auto-scaled capacity stepping with the load, and two tiers.
NONLINEAR = """\
name: Nonlinear
region: us-east-1
functions:
  chat: {memory_mb: 512, duration_ms: 45}
websockets:
  live: {}
tables:
  messages: {capacity: provisioned, read_capacity: auto, write_capacity: auto}
  rooms: {}
features:
  send:
    lambda: {chat: {low: 0.5, mode: 1, high: 2}}
    websocket: {messages: {low: 1, mode: 2, high: 6}, message_kb: {low: 20, mode: 30, high: 50}}
    dynamodb:
      - {table: messages, writes: 1, item_kb: {low: 0.5, high: 3.5}}
      - {table: rooms, reads: {low: 0, mode: 1, high: 3}, item_kb: 6}
  read:
    lambda: {chat: 1}
    dynamodb: [{table: messages, reads: 2}]
tiers:
  free:
    users: {low: 200, mode: 400, high: 900}
    uses: {send: {low: 100, mode: 900, high: 2000}, read: 300}
  pro:
    users: 100
    price: {low: 5, high: 9}
    uses: {send: 3000, read: {low: 100, high: 900}}
"""


def _set(data, key, value):
    node = data
    for k in key[:-1]:
        node = node[k]
    node[key[-1]] = value


REGISTRY = """\
name: Registry services
region: us-east-1
queues: {q: {}}
topics: {t: {}}
functions: {f: {memory_mb: 128, duration_ms: 10}}
tables: {tb: {capacity: provisioned, read_capacity: auto, write_capacity: 5}}
features:
  a:
    lambda: {f: {low: 1, high: 2}}
    sqs: [{messages: {low: 1, mode: 2, high: 5}, message_kb: {low: 1, high: 100}}]
    sns: [{publishes: 1, deliveries: {sqs: {low: 0, high: 3}}}]
    dynamodb: [{table: tb, reads: {low: 1, high: 4}, item_kb: {low: 1, high: 9}}]
tiers:
  p: {users: {low: 10000, high: 90000}, price: 2, uses: {a: {low: 100, mode: 300, high: 1000}}}
"""


@pytest.mark.parametrize("text", [NONLINEAR, REGISTRY], ids=["nonlinear", "registry services"])
def test_each_sample_is_priced_as_a_whole_month(text):
    """Sample by sample, the simulation's figures are `estimate` of the scenario with that sample's numbers
    written in; nothing is averaged first. (REGISTRY's uses are whole numbers in the file: each sample's are not.)"""
    s = loads(text)
    n, seed = 25, 11
    sim = simulate(s, n, seed)
    drawn = draw(s.ranges, n, seed)
    raw = yaml.safe_load(text)
    for i in range(n):
        data = copy.deepcopy(raw)
        for key, values in drawn.items():
            _set(data, key, float(values[i]))
        e = estimate(from_data(data))
        assert sim.total[i] == pytest.approx(e.total, abs=1e-9)
        for t, tier in zip(sim.tiers, e.tiers):
            assert t.cost[i] == pytest.approx(tier.cost, rel=1e-9, abs=1e-9)
            assert t.margin[i] == pytest.approx(tier.margin, rel=1e-9, abs=1e-9)
        for j, f in enumerate(sim.feature_names):
            expected = next(x.cost_per_use for x in e.features if x.name == f)
            assert sim.cost_per_use[i, j] == pytest.approx(expected, rel=1e-9)
    # and the mean of the months is not the month of the means: the rules are not linear
    means = copy.deepcopy(raw)
    for key, values in drawn.items():
        _set(means, key, float(np.mean(values)))
    assert estimate(from_data(means)).total != pytest.approx(float(np.mean(sim.total)), rel=1e-6)


@pytest.mark.parametrize(
    ("args", "words"),
    [(["--samples", "0"], "--samples"), (["--samples", "2000001"], "--samples"), (["--seed", "-1"], "--seed")],
)
def test_bad_arguments_exit_2(tmp_path, capsys, args, words):
    path = tmp_path / "s.yaml"
    path.write_text(TORNADO)
    with pytest.raises(SystemExit) as exit_:
        cli.main(["simulate", str(path), *args])
    assert exit_.value.code == 2 and words in capsys.readouterr().err


SCENARIOS = SEEDS  # every shipped scenario (examples/, scenarios/, benchmarks/)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_evaluate_at_the_scenarios_own_inputs_is_its_estimate(path):
    """The engine's many-point pricing, at one point, shares the bill out exactly as `estimate` does."""
    from models.engine import compile_scenario, evaluate

    s = loads(path.read_text())
    w = compile_scenario(s)
    pts = evaluate(w, w.tier_users[None, :])
    e = estimate(s)
    assert pts.total[0] == pytest.approx(e.total, abs=1e-9)
    assert list(pts.tier_cost[0]) == pytest.approx([t.cost for t in e.tiers], rel=1e-12, abs=1e-9)
    by_name = {f.name: f.cost for f in e.features}
    assert list(pts.feature_cost[0]) == pytest.approx([by_name[f] for f in w.features], rel=1e-12, abs=1e-9)
    # and at many points at once, each point as alone
    many = evaluate(w, np.repeat(w.tier_users[None, :], 3, axis=0) * np.array([[0.5], [1.0], [2.0]]))
    assert many.total[1] == pytest.approx(e.total, abs=1e-9)

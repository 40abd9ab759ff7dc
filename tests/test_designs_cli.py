"""Capacity-aware design comparison (issue 13): auto-sized provisioned capacity, limits on the curves, crossovers
only where designs really differ, in whole users; and `cli.py designs`, whose JSON is a contract."""

import json

import numpy as np
import pytest

import cli
from models.designs import Design, apply, compare
from models.engine import estimate, sweep
from models.scenario import ScenarioError, loads
from pricing.book import default_book

TABLE = """\
name: t
region: us-east-1
free_tier: false
tables: {m: {}}
features:
  send: {dynamodb: [{table: m, writes: 1}]}
tiers: {all: {users: 1000, uses: {send: 100}}}
"""
AUTO = "prov:tables.m.capacity=provisioned,tables.m.read_capacity=auto,tables.m.write_capacity=auto"
AUTO_TABLE = "tables: {m: {capacity: provisioned, read_capacity: auto, write_capacity: auto}}"


def run(capsys, *args):
    code = cli.main(["designs", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_auto_capacity_is_sized_to_the_load_at_1m_users():
    s = loads(TABLE.replace("tables: {m: {}}", AUTO_TABLE))
    # 1M users x 100 writes = 100M WRU a month = 38.05 per second on average over 730 h; x2 peak = 76.1/s;
    # / 0.7 target = 108.7 -> 109 WCU x 730 h = 79,570 WCU-hours x $0.00065 = $51.72. Reads: none -> the
    # minimum 1 RCU x 730 h x $0.00013 = $0.09. Total $51.81.
    (total,) = sweep(s, np.array([1_000_000.0])).total
    assert total == pytest.approx(51.81)
    # At the scenario's 1,000 users: 100,000 WRU a month is far under 1 WCU: the minimum, 1 RCU + 1 WCU
    # = $0.09 + $0.47 = $0.56.
    e = estimate(s)
    assert e.total == 0.56
    assert {ln.component: ln.quantity for ln in e.lines} == {
        "Read capacity unit-hours": 730,
        "Write capacity unit-hours": 730,
    }


def test_auto_capacity_keys_target_and_minimum():
    base = "tables: {m: {capacity: provisioned, write_capacity: auto, target_utilization: 0.5, minimum: 5}}"
    s = loads(TABLE.replace("tables: {m: {}}", base))
    # 1M users: 76.1 WRU/s at peak / 0.5 = 152.2 -> 153 WCU x 730 h x $0.00065 = $72.60; RCU fixed 0: $0
    assert sweep(s, np.array([1_000_000.0])).total[0] == pytest.approx(72.60)
    # 1,000 users: the minimum 5 WCU x 730 x $0.00065 = $2.37
    assert estimate(s).total == 2.37
    for bad, where in [
        ("write_capacity: auto, target_utilization: 0.95", "target_utilization"),
        ("write_capacity: 5, minimum: 2", "minimum"),
        ("capacity: on_demand, write_capacity: auto", "write_capacity"),
    ]:
        with pytest.raises(ScenarioError, match=f"tables.m.{where}"):
            loads(TABLE.replace("tables: {m: {}}", f"tables: {{m: {{capacity: provisioned, {bad}}}}}"
                                .replace("provisioned, capacity: on_demand", "on_demand")))  # fmt: skip


def test_an_identical_variant_has_no_crossover():
    # All compute inside the free tier: arm64 costs exactly what x86_64 does, at every point.
    text = """\
name: same
region: us-east-1
functions: {f: {memory_mb: 128, duration_ms: 10}}
features: {call: {lambda: {f: 1}}}
tiers: {all: {users: 100, uses: {call: 10}}}
"""
    s = loads(text)
    arm = apply(s, Design("arm", architecture="arm64"), default_book())
    cmp = compare({"current": s, "arm": arm}, 1, 10_000, 200)
    assert np.allclose(cmp.totals[0], cmp.totals[1])
    assert cmp.crossovers == []


def test_curves_that_differ_by_a_cent_do_not_cross():
    # Line costs are rounded to the cent: two designs a fraction of a cent apart alternate by a cent. Not a crossing.
    s = loads(TABLE)
    other = loads(TABLE.replace("writes: 1}", "writes: 1.0001}"))
    cmp = compare({"current": s, "b": other}, 1, 1_000, 300)
    assert np.abs(cmp.totals[0] - cmp.totals[1]).max() <= 0.01
    assert cmp.crossovers == []


def test_crossovers_are_whole_users_where_the_order_really_changes():
    s = loads(TABLE)
    prov = loads(TABLE.replace("tables: {m: {}}", AUTO_TABLE))
    cmp = compare({"current": s, "prov": prov}, 1, 1_000_000, 100)
    assert cmp.crossovers
    edges = [1.0, *(c.users for c in cmp.crossovers), 1_000_000.0]
    for k, c in enumerate(cmp.crossovers):
        assert c.users == int(c.users)
        # Every whole user count between the neighbouring crossings: the design cheaper by more than a cent (before
        # each line's rounding) is one before this crossing and the other after it; ties carry no order.
        below, above = np.arange(edges[k], c.users), np.arange(c.users, edges[k + 2])
        d_below = sweep(s, below, rounded=False).total - sweep(prov, below, rounded=False).total
        d_above = sweep(s, above, rounded=False).total - sweep(prov, above, rounded=False).total
        clear_below = set(np.sign(d_below[np.abs(d_below) > 0.01 + 1e-9]))
        clear_above = set(np.sign(d_above[np.abs(d_above) > 0.01 + 1e-9]))
        assert len(clear_below) == len(clear_above) == 1 and clear_below != clear_above, c
    # Above the last crossing provisioned stays cheaper: on-demand $0.625 per million writes against auto WCU
    # at 35% of a WCU's 3,600 writes an hour: $0.00065 / 1,260 = $0.516 per million.
    assert cmp.crossovers[-1].cheaper_below == "current"
    assert cmp.totals[1, -1] < cmp.totals[0, -1]


def test_a_design_past_a_limit_is_marked_and_its_crossover_says_so():
    s = loads(TABLE)
    # 1 WCU fixed: 1 WRU/s at peak over 2 x 100 writes / (730 x 3600 s) per user -> 1 / 7.61e-5 = 13,140 users
    fixed = loads(TABLE.replace("tables: {m: {}}", "tables: {m: {capacity: provisioned, write_capacity: 1}}"))
    cmp = compare({"current": s, "fixed": fixed}, 1, 1_000_000, 60)
    limit = cmp.limit_users[1]
    assert limit == pytest.approx(730 * 3600 / 200)  # 13,140 users
    assert (cmp.over_limit[1] == (cmp.users > limit)).all() and cmp.over_limit[1].any()
    assert not cmp.over_limit[0].any()
    for c in cmp.crossovers:
        if c.users > limit:
            assert "fixed cannot serve" in c.note


def test_cli_designs_json_contract(capsys, tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(TABLE)
    code, out, err = run(capsys, str(path), "--variant", AUTO, "--users-from", "1", "--users-to", "1000000",
                         "--points", "100", "--json")  # fmt: skip
    assert code == 0, err
    d = json.loads(out)
    assert set(d) == {"designs", "crossovers"}
    assert [x["name"] for x in d["designs"]] == ["current", "prov"]
    for x in d["designs"]:
        assert set(x) == {"name", "curve"} and len(x["curve"]) == 100
        assert all(set(p) == {"users", "total", "cost_per_user", "over_limit"} for p in x["curve"])
    last = d["designs"][1]["curve"][-1]
    assert last == {"users": 1_000_000.0, "total": 51.81, "cost_per_user": pytest.approx(51.81 / 1e6),
                    "over_limit": False}  # fmt: skip
    assert d["designs"][0]["curve"][-1]["total"] == 62.50  # 100M WRU x $0.625/M
    assert d["crossovers"] and all(set(c) == {"a", "b", "users", "total"} for c in d["crossovers"])
    assert all(isinstance(c["users"], int) for c in d["crossovers"])  # whole users, written as integers


def test_cli_designs_text(capsys, tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(TABLE)
    code, out, _ = run(capsys, str(path), "--variant", AUTO, "--users-from", "1", "--users-to", "1000000")
    assert code == 0
    assert "current" in out and "prov" in out and "Crossovers" in out


@pytest.mark.parametrize(
    "variant, words",
    [
        ("prov", "expected NAME:PATH=VALUE"),
        ("current:tables.m.capacity=provisioned", "'current' is the scenario"),
        ("b:tables.nope.capacity=provisioned", "tables.nope is not in the scenario"),
        ("b:tables.m.capacity", "is not PATH=VALUE"),
        ("b:tables.m.capacity=gold", "tables.m.capacity"),
        ("b:features.send.dynamodb.3.writes=2", "features.send.dynamodb.3 is not in the scenario"),
        ("b:features.send.dynamodb.0=2", "must be a mapping"),
        ("b:tables.m.read_capacity=auto", "provisioned tables only"),
    ],
)
def test_cli_designs_bad_variants_exit_2_with_one_line(capsys, tmp_path, variant, words):
    path = tmp_path / "t.yaml"
    path.write_text(TABLE)
    code, out, err = run(capsys, str(path), "--variant", variant, "--users-from", "1", "--users-to", "100")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and words in err, err


def test_cent_rounding_alone_is_no_crossover():
    # The demo with every function on arm64: cheaper or equal at every point before rounding, but its rounded
    # lines differ from the current design's by a few cents either way. No crossing.
    from models.scenario import load

    s = load("scenarios/positive-chat-demo.yaml")
    arm = apply(s, Design("arm", architecture="arm64"), default_book())
    cmp = compare({"current": s, "arm": arm}, 100, 1_000_000, 300)
    exact = sweep(s, cmp.users, rounded=False).total - sweep(arm, cmp.users, rounded=False).total
    assert (exact >= -1e-9).all()
    assert cmp.crossovers == []


def test_a_crossover_is_the_first_whole_count_where_the_other_is_clearly_cheaper():
    s = loads(TABLE)
    prov = loads(TABLE.replace("tables: {m: {}}", AUTO_TABLE))
    for c in compare({"current": s, "prov": prov}, 1, 1_000_000, 100).crossovers:
        at = np.array([c.users - 1, c.users])
        d = sweep(s, at, rounded=False).total - sweep(prov, at, rounded=False).total
        after = 1 if c.cheaper_below == "current" else -1  # current - prov > 0 once prov is the cheaper
        assert after * d[1] > 0.01, c
        assert not after * d[0] > 0.01, c


def test_auto_capacity_counts_gsi_writes_and_the_bill_of_materials_carries_it():
    from models.bom import bill_of_materials

    # 1 GSI: every write also writes the index: 2 WRU per use. 1M users: 152.2 WRU/s at peak / 0.7 = 217.4 -> 218 WCU
    # x 730 h x $0.00065 = $103.44; + 1 RCU $0.09 = $103.53
    s = loads(
        TABLE.replace("tables: {m: {}}", AUTO_TABLE.replace("write_capacity: auto", "write_capacity: auto, gsis: 1"))
    )
    assert sweep(s, np.array([1_000_000.0])).total[0] == pytest.approx(103.53)
    e = estimate(s)
    b = bill_of_materials(s)
    per_use = sum(x.cost_per_use for x in b.lines if x.feature == "send")
    assert per_use == pytest.approx(e.features[0].cost_per_use)  # the minimum capacity, all on the one feature


def test_a_limit_reached_with_no_users_is_over_from_the_first_point():
    # 1 WCU and 10M baseline writes a month: 7.6 WRU/s at peak > 1 WCU before any user
    text = TABLE.replace("tables: {m: {}}", "tables: {m: {capacity: provisioned, write_capacity: 1}}")
    text += "baseline: {send: 10000000}\n"
    cmp = compare({"current": loads(text)}, 0, 1000, 5)
    assert cmp.limit_users[0] == 0
    assert cmp.over_limit[0].all()

"""Provisioned concurrency `concurrency: auto`: environments sized to the load at every user count, as
Application Auto Scaling's target tracking does, max(minimum, ceil(peak concurrency / target_utilization)),
each billing its memory's GB-seconds all month; the invocations run at the provisioned duration rate."""

from __future__ import annotations

import json

import numpy as np
import pytest

import cli
from models.engine import estimate, sweep
from models.scenario import ScenarioError, loads, to_yaml

FN = """\
name: pc
region: us-east-1
free_tier: false
functions:
  api: {memory_mb: 1024, duration_ms: 100, provisioned: PROVISIONED}
features:
  call: {lambda: {api: 1}}
tiers: {all: {users: 1000, uses: {call: 100}}}
"""


def scenario(provisioned: str = "{concurrency: auto}"):
    return loads(FN.replace("PROVISIONED", provisioned))


def lines(e) -> dict[str, float]:
    return {ln.component: ln.cost for ln in e.lines}


def test_auto_concurrency_is_sized_to_the_load_at_1m_users():
    s = scenario()
    # 1M users x 100 calls = 100M invocations a month = 38.05/s on average over 730 h; x 0.1 s = 3.81
    # concurrent; x2 peak = 7.61; / 0.7 = 10.87 -> 11 environments x 1 GB x 730 h x 3,600 s = 28,908,000
    # GB-s x $0.0000041667 = $120.45. Duration at the provisioned rate: 100M x 0.1 s x 1 GB = 10M GB-s x
    # $0.0000097222 = $97.22. Requests: 100M x $0.20/M = $20.00. Total $237.67.
    (total,) = sweep(s, np.array([1_000_000.0])).total
    assert total == pytest.approx(237.67)
    at_1m = estimate(loads(to_yaml(s).replace("users: 1000\n", "users: 1000000\n")))
    assert at_1m.total == 237.67
    assert lines(at_1m) == {
        "Requests x86_64": 20.00,
        "Provisioned concurrency x86_64": 120.45,
        "Provisioned duration x86_64": 97.22,
    }
    # No on-demand duration: every invocation is served by the sized environments (share 1).
    assert all("Duration" not in c for c in lines(at_1m))


def test_a_small_load_gets_the_minimum():
    # 1,000 users: 100,000 invocations a month is far under one environment: the minimum, 1 x 1 GB x 730 h
    # = 2,628,000 GB-s x $0.0000041667 = $10.95; 10,000 GB-s x $0.0000097222 = $0.10; requests $0.02.
    e = estimate(scenario())
    assert lines(e) == {
        "Requests x86_64": 0.02,
        "Provisioned concurrency x86_64": 10.95,
        "Provisioned duration x86_64": 0.10,
    }
    # minimum 5, target 0.5: 5 environments at 1,000 users; at 1M, 7.61 / 0.5 = 15.2 -> 16 x 2,628,000 GB-s
    s = scenario("{concurrency: auto, minimum: 5, target_utilization: 0.5}")
    assert lines(estimate(s))["Provisioned concurrency x86_64"] == round(5 * 2_628_000 * 0.0000041667, 2)
    (total,) = sweep(s, np.array([1_000_000.0])).total
    assert total == pytest.approx(round(16 * 2_628_000 * 0.0000041667, 2) + 97.22 + 20.00)


def test_sweep_steps_with_the_load_and_agrees_with_estimate():
    s = scenario()
    users = np.array([1e3, 5e4, 3e5, 1e6, 4e6])
    swept = sweep(s, users).total
    for u, total in zip(users, swept):
        e = estimate(loads(to_yaml(s).replace("users: 1000\n", f"users: {int(u)}\n")))
        assert total == pytest.approx(e.total, abs=0.011), u
    assert np.all(np.diff(swept) > 0)


def test_round_trip_and_bad_keys():
    s = scenario("{concurrency: auto, minimum: 2, target_utilization: 0.6}")
    text = to_yaml(s)
    assert "concurrency: auto" in text
    assert loads(text) == s
    for bad, where in [
        ("{concurrency: auto, hours: 8}", "hours"),
        ("{concurrency: 5, minimum: 2}", "minimum"),
        ("{concurrency: 5, target_utilization: 0.5}", "target_utilization"),
        ("{concurrency: auto, target_utilization: 0}", "target_utilization"),
        ("{concurrency: automatic}", "concurrency"),
    ]:
        with pytest.raises(ScenarioError, match=f"functions.api.provisioned.{where}"):
            scenario(bad)


def test_share_sizes_for_the_invocations_served():
    # share 0.5: half the invocations: 3.81 / 2 x 2 / 0.7 = 5.44 -> 6 environments at 1M users
    s = scenario("{concurrency: auto, share: 0.5}")
    at_1m = estimate(loads(to_yaml(s).replace("users: 1000\n", "users: 1000000\n")))
    assert lines(at_1m)["Provisioned concurrency x86_64"] == round(6 * 2_628_000 * 0.0000041667, 2)


def account_peak(provisioned: str, users: int = 1_000_000, fn_extra: str = "") -> float:
    text = to_yaml(scenario(provisioned)).replace("users: 1000\n", f"users: {users}\n")
    if fn_extra:
        text = text.replace("duration_ms: 100\n", f"duration_ms: 100\n{fn_extra}")
        assert fn_extra in text
    (account,) = [c for c in estimate(loads(text)).capacity if c.limit == "lambda_concurrency"]
    return account.peak


def test_capacity_counts_the_sized_environments():
    # The account's concurrency holds what is billed (before its rounding up): 1M users, 38.05 invocations/s
    # x 0.1 s x 2 peak / 0.7 = 10.87 environments.
    assert account_peak("{concurrency: auto}") == pytest.approx(1e8 / (730 * 3600) * 0.1 * 2 / 0.7)
    # Cold starts change nothing: provisioned environments are initialised ahead, as billed.
    cold = "    cold_start_rate: 0.1\n    init_ms: 1000\n"
    assert account_peak("{concurrency: auto}", fn_extra=cold) == pytest.approx(account_peak("{concurrency: auto}"))
    # share 0.5: half at the target (5.44) and half on demand (3.81 x 0.5 x 2 = 3.81): 9.24
    rate_s = 1e8 / (730 * 3600) * 0.1
    assert account_peak("{concurrency: auto, share: 0.5}") == pytest.approx(rate_s * 0.5 * 2 / 0.7 + rate_s * 0.5 * 2)
    # 1,000 users: under the minimum of one environment
    assert account_peak("{concurrency: auto}", users=1000) == pytest.approx(1.0)


def test_designs_variant_sets_auto_concurrency(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text(FN.replace("PROVISIONED", "{concurrency: 2}"))
    code = cli.main(["designs", str(path), "--variant", "auto:functions.api.provisioned.concurrency=auto",
                     "--users-from", "1000", "--users-to", "1000000", "--points", "5", "--json"])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    d = {x["name"]: x["curve"] for x in json.loads(out)["designs"]}
    assert d["auto"][-1]["total"] == 237.67
    assert d["auto"][0]["total"] == estimate(scenario()).total


def test_a_design_sizes_provisioned_concurrency():
    """Compare designs' "Provisioned concurrency sized to the load": a fixed concurrency (with its hours) becomes
    auto, the share it serves kept; the variant then prices as the same scenario written with auto."""
    from models.designs import Design, apply
    from pricing.book import default_book

    fixed = scenario("{concurrency: 2, hours: 8, share: 0.5}")
    d = Design(name="sized", provisioned="auto")
    assert d.changes() == ["all functions: provisioned concurrency sized to the load"]
    sized = apply(fixed, d, default_book())
    auto = scenario("{concurrency: auto, share: 0.5}")
    assert sized.functions["api"].provisioned == auto.functions["api"].provisioned
    assert estimate(sized).total == estimate(auto).total
    # a function without provisioned concurrency gets it too
    plain = loads(FN.replace(", provisioned: PROVISIONED", ""))
    assert apply(plain, d, default_book()).functions["api"].provisioned.auto

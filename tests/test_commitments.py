"""Savings Plans declared in a scenario (models/commitments.py), by hand. Base scenario
tests/fixtures/commitments/base.yaml (us-east-1, book 2026-11-27, free tier on, 730 h): 1,000,000 calls a month of a
1,024 MB function running 1,000 ms, each writing one 1 KB item on demand.

Without a commitment: requests 1M, all free; duration 1M GB-s - 400,000 free = 600,000 x $0.0000166667 = $10.00;
WRU 1M x $0.625/M = $0.63 (0.625 half up). Total $10.63.

Compute Savings Plan $0.01/h, rate $0.0000138 per GB-s: commitment 0.01 x 730 = $7.30; the paid 600,000 GB-s at
the plan's rate = $8.28 > $7.30, so 7.30 / 8.28 = 88.16% is covered (528,986 GB-s), its on-demand cost
10.00002 x 0.881643 = $8.81645 taken off (-$8.82); the rest stays on demand. Total 10.00 + 0.63 + 7.30 - 8.82 =
$9.11; utilisation 100%, nothing unused, saves 8.82 - 7.30 = $1.52.
At $0.02/h: commitment $14.60 covers all $8.28: -$10.00; total 10.00 + 0.63 + 14.60 - 10.00 = $15.23; utilisation
8.28 / 14.60 = 56.71%, unused $6.32 (waste): the plan costs $4.60 more than on demand.
Database Savings Plan $0.0006/h, rate $0.0000005 per WRU: commitment 0.438 (line $0.44); the 1M WRU at the plan's
rate = $0.50, 87.6% covered: 0.625 x 0.876 = 0.5475 taken off (-$0.55). Total 10.00 + 0.63 + 0.44 - 0.55 = $10.52.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from models.engine import estimate, sweep
from models.scenario import ScenarioError, loads, to_yaml

BASE = Path(__file__).resolve().parent / "fixtures" / "commitments" / "base.yaml"


def scenario(commitments: dict | None):
    data = yaml.safe_load(BASE.read_text())
    if commitments is not None:
        data["commitments"] = commitments
    return loads(yaml.safe_dump(data), source="test.yaml")


COMPUTE = {"compute_savings_plan": {"hourly_usd": 0.01, "rates": {"lambda.duration_gb_s.x86_64": 0.0000138}}}


def sp_lines(e) -> dict[str, tuple[float, float]]:
    return {ln.component: (ln.quantity, ln.cost) for ln in e.lines if ln.service == "savings_plans"}


def test_nothing_is_applied_without_a_commitment():
    e = estimate(scenario(None))
    assert e.total == pytest.approx(10.63, abs=1e-9)
    assert sp_lines(e) == {} and e.commitments == [] and "commitments" not in e.to_json()
    assert "savings_plans" not in e.services


def test_a_compute_savings_plan_covers_lambda_duration_up_to_its_commitment():
    e = estimate(scenario(COMPUTE))
    lines = sp_lines(e)
    assert lines["Compute Savings Plan commitment"] == pytest.approx((730, 7.30))
    q, cost = lines["Covered by the Compute Savings Plan"]
    assert q == pytest.approx(600_000 * 7.30 / 8.28, rel=1e-9)  # 528,985.5 GB-s
    assert cost == pytest.approx(-8.82, abs=1e-9)
    assert e.total == pytest.approx(9.11, abs=1e-9)
    assert e.services["savings_plans"] == pytest.approx(-1.52, abs=1e-9)
    (c,) = e.commitments
    assert c["commitment_usd"] == 7.30 and c["usage_at_plan_rates_usd"] == 8.28
    assert c["covered_share"] == pytest.approx(7.30 / 8.28)
    assert (c["utilisation"], c["unused_usd"], c["savings_usd"]) == pytest.approx((1.0, 0.0, 1.52))
    # the commitment is a fixed cost shared like the others; the features still add up to the bill
    assert e.shared_cost == pytest.approx(7.30, abs=1e-9)
    assert sum(f.cost for f in e.features) == pytest.approx(e.total, abs=1e-9)
    assert e.to_json()["commitments"] == e.commitments


def test_an_oversized_commitment_is_waste_reported_as_unused():
    e = estimate(scenario({"compute_savings_plan": dict(COMPUTE["compute_savings_plan"], hourly_usd=0.02)}))
    assert sp_lines(e)["Covered by the Compute Savings Plan"] == pytest.approx((600_000, -10.00))
    assert e.total == pytest.approx(15.23, abs=1e-9)
    (c,) = e.commitments
    assert c["utilisation"] == pytest.approx(8.28 / 14.60, rel=1e-9)
    assert (c["unused_usd"], c["savings_usd"]) == pytest.approx((6.32, -4.60))


def test_a_database_savings_plan_covers_dynamodb_requests():
    e = estimate(
        scenario(
            {"database_savings_plan": {"hourly_usd": 0.0006, "rates": {"dynamodb.write_request_units.standard": 5e-7}}}
        )
    )
    lines = sp_lines(e)
    assert lines["Database Savings Plan commitment"][1] == pytest.approx(0.44, abs=1e-9)
    assert lines["Covered by the Database Savings Plan"] == pytest.approx((876_000, -0.55))
    assert e.total == pytest.approx(10.52, abs=1e-9)


def test_the_sweep_applies_the_plan_at_every_user_count():
    """At 1,000 users the sweep is the estimate; at 100 users (100,000 GB-s, all free) nothing is covered and the
    commitment is all waste: WRU 100,000 x $0.625/M = 0.0625 -> $0.06, + 7.30 = $7.36."""
    s = scenario(COMPUTE)
    out = sweep(s, np.array([100.0, 1000.0]))
    assert out.total == pytest.approx([7.36, 9.11], abs=1e-9)


def test_commitments_round_trip_and_bad_input():
    s = scenario(COMPUTE)
    assert loads(to_yaml(s), "again").commitments == s.commitments
    for bad, where, text in (
        ({"compute_savings_plan": {"rates": {}}}, "commitments.compute_savings_plan", "missing required key"),
        ({"ec2_savings_plan": {"hourly_usd": 1}}, "commitments.ec2_savings_plan", "unknown key"),
        (
            {"compute_savings_plan": {"hourly_usd": 1, "rates": {"dynamodb.write_request_units.standard": 1e-7}}},
            "commitments.compute_savings_plan.rates.dynamodb.write_request_units.standard",
            "does not cover",
        ),
        ({"database_savings_plan": {"hourly_usd": -1}}, "commitments.database_savings_plan.hourly_usd", "at least"),
    ):
        with pytest.raises(ScenarioError) as e:
            scenario(bad)
        assert e.value.field == where and text in e.value.message, (bad, str(e.value))

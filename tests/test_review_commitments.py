"""A review of a scenario that declares a Savings Plan: the bill's SavingsPlanRecurringFee is matched to the
modelled commitment row and SavingsPlanNegation to the covered usage's rows, not shown as unmatched records; the
bill's utilisation beside the modelled one.

Scenario: tests/fixtures/review/scenario.yaml (modelled $10.91, 744 h) plus a Compute Savings Plan of $0.001 an
hour: commitment 0.001 x 744 = $0.744 -> $0.74, modelled total 10.91 + 0.74 = $11.65. Its Lambda duration is all
free (150,000 GB-s of 400,000), so nothing is covered: modelled utilisation 0.
Bill: tests/test_review_cur.py's LINES: the recurring fee $0.60 (commitment 0.60, used 0.56: utilisation
0.56 / 0.60 = 0.9333...), the negation -0.666668 on Lambda-GB-Second, whose covered usage bills 0.666668.
So the commitment row bills $0.60 over 744 h; Lambda-GB-Second bills 0 + 0.666668 - 0.666668 = $0.00; no
SavingsPlanRecurringFee or SavingsPlanNegation record; total billed unchanged, $11.97 (the same amounts on other
rows: 0.67 - 0.67 + 0.60 moved).
"""

from __future__ import annotations

import pytest

from models.review import Bill, reconcile
from models.scenario import loads
from tests.test_review_cur import NOW, SCENARIO, bill_folder
from usage import review_run

__all__ = ["bill_folder"]
PLAN = """
commitments:
  compute_savings_plan: {hourly_usd: 0.001, rates: {lambda.duration_gb_s.x86_64: 0.0000138}}
"""
METER = "commitments.compute_savings_plan"


def scenario():
    return loads(SCENARIO.read_text() + PLAN, source="test")


def test_the_cur_bills_plan_lines_are_matched_to_the_modelled_commitment(bill_folder):
    r = review_run.run_review(scenario(), "2026-10", metrics=False, history=None, now=NOW, cur=str(bill_folder))
    d = r.review.to_json()
    rows = {ln["meter"] or ln["service"]: ln for ln in d["lines"]}
    assert "SavingsPlanRecurringFee" not in rows and "SavingsPlanNegation" not in rows
    plan = rows[METER]
    assert (plan["modelled_cost"], plan["billed_cost"], plan["billed_quantity"]) == (0.74, 0.60, 744)
    assert "SavingsPlanRecurringFee" in plan["billed_usage_types"]
    duration = rows["lambda.duration_gb_s.x86_64"]
    assert duration["billed_cost"] == 0.0 and "SavingsPlanNegation" in duration["billed_usage_types"]
    assert d["total_modelled"] == pytest.approx(11.65, abs=1e-9)
    assert d["total_billed"] == pytest.approx(11.97, abs=1e-9)
    [c] = d["commitments"]
    assert c["plan"] == "compute_savings_plan" and c["modelled_utilisation"] == 0.0
    assert c["billed_commitment_usd"] == 0.60 and c["billed_utilisation"] == pytest.approx(0.56 / 0.60)


def test_cost_explorer_records_the_fee_on_the_commitment_and_keeps_an_unmodelled_negation():
    """Cost Explorer's records say neither the plan nor the meter: the fee goes to the one declared plan; the
    negation is spread like the modelled coverage, which is nothing here, so it stays a record (-0.67). No
    utilisation from the bill (null)."""
    bill = Bill("2026-10", [], other={"SavingsPlanRecurringFee": 0.60, "SavingsPlanNegation": -0.67})
    d = reconcile(scenario(), bill).to_json()
    rows = {ln["meter"] or ln["service"]: ln for ln in d["lines"]}
    assert rows[METER]["billed_cost"] == 0.60 and "SavingsPlanRecurringFee" not in rows
    assert rows["SavingsPlanNegation"]["billed_cost"] == -0.67
    assert d["commitments"][0]["billed_utilisation"] is None


def test_without_a_declared_plan_the_records_stay_records(bill_folder):
    from models.scenario import loads as load

    s = load(SCENARIO.read_text(), source="test")
    d = review_run.run_review(s, "2026-10", metrics=False, history=None, now=NOW, cur=str(bill_folder)).review
    kinds = {ln.service: ln.kind for ln in d.lines}
    assert kinds["SavingsPlanRecurringFee"] == kinds["SavingsPlanNegation"] == "record" and d.commitments == []

"""The reconciliation itself (models/review.py) and the usage-type mapping (usage/costexplorer.py), on
constructed bills: no AWS. Scenario: tests/fixtures/review/scenario.yaml (its header has the modelled costs)."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from models.review import Bill, BilledLine, Metered, Review, ReviewError, month_hours, parse_month, recent_months
from models.review import reconcile as _reconcile
from models.scenario import load
from tests.conftest import REVIEW_LINE_KEYS
from usage.costexplorer import classify, requests_for

SCENARIO = Path(__file__).resolve().parent / "fixtures" / "review" / "scenario.yaml"


@pytest.fixture(scope="module")
def scenario():
    return load(SCENARIO)


def bill(*lines: tuple, other: dict | None = None, region: str = "us-east-1", custom=()) -> Bill:
    """Lines (service, usage type, quantity, cost), classified as the Cost Explorer code does."""
    out = []
    for service, usage_type, quantity, cost in lines:
        meter, why = classify(service, usage_type, region, list(custom))
        out.append(BilledLine(service, usage_type, quantity, "", cost, meter, why))
    return Bill("2026-10", out, other or {})


def reconcile(*args, **kw) -> Review:
    review = _reconcile(*args, **kw)
    # Invariants of every review: rows add up, the waterfall ends at the bill, effects add up to variances,
    # features and tiers carry the whole bill.
    assert review.total_billed == pytest.approx(sum(ln.billed_cost for ln in review.lines), abs=1e-9)
    steps = review.waterfall
    assert steps[-1]["amount"] == pytest.approx(review.total_billed, abs=1e-9)
    assert steps[0]["amount"] + sum(s["amount"] for s in steps if s["measure"] == "relative") == pytest.approx(
        review.total_billed, abs=1e-9
    )
    for ln in review.lines:
        if ln.usage_effect is not None:
            assert ln.usage_effect + ln.metering_effect + ln.rate_effect == pytest.approx(ln.variance, abs=0.011)
    u = review.unit_costs
    assert sum(f["billed_cost"] for f in u["features"]) == pytest.approx(review.total_billed, abs=0.01)
    return review


def row(review: Review, usage_type: str, service: str | None = None):
    (found,) = [ln for ln in review.lines if ln.usage_type == usage_type and service in (None, ln.service)]
    return found


@pytest.mark.parametrize(
    "service, usage_type, region, custom, meter",
    [
        ("AWS Lambda", "Request", "us-east-1", (), "lambda.requests.x86_64"),
        ("AWS Lambda", "USE1-Request-ARM", "us-east-1", (), "lambda.requests.arm64"),
        ("AWS Lambda", "Global-Request", "eu-west-1", (), "lambda.requests.x86_64"),  # free-tier records
        ("AWS Lambda", "EU-Lambda-GB-Second-ARM", "eu-west-1", (), "lambda.duration_gb_s.arm64"),
        ("AWS Lambda", "Lambda-Provisioned-GB-Second-ARM", "us-east-1", (), "lambda.provisioned_duration_gb_s.arm64"),
        ("AWS Lambda", "Lambda-Edge-Request", "us-east-1", (), None),  # not Request with a region prefix
        ("AWS Lambda", "EU-Request", "us-east-1", (), None),  # another region
        ("Amazon API Gateway", "USE1-ApiGatewayMessage", "us-east-1", (), "websocket.messages"),
        ("Amazon API Gateway", "APN1-ApiGatewayMinute", "ap-northeast-1", (), "websocket.connection_minutes"),
        ("Amazon API Gateway", "USE1-ApiGatewayHttpRequest", "us-east-1", (), "http.requests"),
        ("Amazon API Gateway", "USE1-ApiGatewayRequest", "us-east-1", (), None),  # REST APIs: not modelled
        ("Amazon DynamoDB", "IA-ReadRequestUnits", "us-east-1", (), "dynamodb.read_request_units.standard_ia"),
        ("Amazon DynamoDB", "EU-IA-WriteRequestUnits", "eu-west-1", (), "dynamodb.write_request_units.standard_ia"),
        (
            "Amazon DynamoDB",
            "USW2-WriteCapacityUnit-Hrs",
            "us-west-2",
            (),
            "dynamodb.write_capacity_unit_hours.standard",
        ),
        ("Amazon DynamoDB", "TimedStorage-ByteHrs", "us-east-1", (), "dynamodb.storage_gb_month.standard"),
        ("Amazon DynamoDB", "USE1-TimedPITRStorage-ByteHrs", "us-east-1", (), None),
        ("Amazon Simple Storage Service", "TimedStorage-ByteHrs", "us-east-1", (), "s3.storage_gb_month.standard"),
        ("AmazonCloudWatch", "USE1-VendedLog-Bytes", "us-east-1", (), "logs.lambda_gb"),
        ("AmazonCloudWatch", "EUC1-DataProcessing-Bytes", "eu-central-1", (), "logs.lambda_gb"),
        ("AmazonCloudWatch", "USE1-TimedStorage-ByteHrs", "us-east-1", (), None),  # log storage: not modelled
        ("AmazonCloudWatch", "CW:GMD-Metrics", "us-east-1", (), None),
        ("Amazon Comprehend", "USE1-DetectSentiment", "us-east-1", ("comprehend", "translate"), "custom.comprehend"),
        ("Amazon Bedrock", "USE1-Claude-InputTokens", "us-east-1", ("bedrock-claude",), "custom.bedrock-claude"),
        ("Amazon Translate", "EU-TranslateText", "us-east-1", ("translate",), None),  # another region
        ("Amazon Translate", "USE1-TranslateText", "us-east-1", ("comprehend",), None),  # not in the scenario
    ],
)
def test_usage_types_map_to_meters_by_suffix(service, usage_type, region, custom, meter):
    got, why = classify(service, usage_type, region, list(custom))
    assert got == meter
    assert bool(why) == (meter is None)


def test_months():
    assert parse_month("2026-10") == (date(2026, 10, 1), date(2026, 11, 1))
    assert parse_month("2026-12") == (date(2026, 12, 1), date(2027, 1, 1))
    assert (month_hours("2026-02"), month_hours("2028-02"), month_hours("2026-10")) == (672, 696, 744)
    assert recent_months(date(2026, 1, 15), 3) == ["2025-12", "2025-11", "2025-10"]
    for bad in ("2026-13", "2026-1", "October", "", "26-10"):
        with pytest.raises(ReviewError, match="YYYY-MM"):
            parse_month(bad)


def test_cost_explorer_requests():
    r = requests_for("2026-12", "app=chat")
    assert r["usage"]["TimePeriod"] == {"Start": "2026-12-01", "End": "2027-01-01"}
    assert r["usage"]["GroupBy"] == [
        {"Type": "DIMENSION", "Key": "SERVICE"},
        {"Type": "DIMENSION", "Key": "USAGE_TYPE"},
    ]
    assert r["usage"]["Metrics"] == ["UnblendedCost", "UsageQuantity"]
    assert {"Tags": {"Key": "app", "Values": ["chat"], "MatchOptions": ["EQUALS"]}} in r["usage"]["Filter"]["And"]
    assert r["records"]["Filter"] == {"Tags": {"Key": "app", "Values": ["chat"], "MatchOptions": ["EQUALS"]}}
    assert "Filter" not in requests_for("2026-12", None)["records"]


def test_the_bill_as_modelled_has_no_variance_and_no_causes(scenario):
    # Exactly the modelled quantities, at list prices: every effect is zero.
    b = bill(
        ("AWS Lambda", "Request", 3e6, 0.40),
        ("AWS Lambda", "Lambda-GB-Second", 150_000, 0.0),
        ("Amazon API Gateway", "USE1-ApiGatewayMessage", 6e6, 6.0),
        ("Amazon API Gateway", "USE1-ApiGatewayMinute", 1.5e6, 0.375),
        ("Amazon DynamoDB", "ReadRequestUnits", 3e6, 0.375),
        ("Amazon DynamoDB", "WriteRequestUnits", 6e6, 3.75),
        ("Amazon DynamoDB", "TimedStorage-ByteHrs", 10, 0.0),
    )
    r = reconcile(scenario, b)
    assert r.total_modelled == r.total_billed == 10.91
    assert all(ln.variance == 0 and ln.cause == "" for ln in r.lines)
    assert row(r, "ApiGatewayMinute").metered_quantity == 1.5e6  # from the bill: no metric carries them
    assert row(r, "ApiGatewayMinute").metered_source == "billed"


def test_free_tier_volume_tiers_and_price_causes(scenario):
    no_free = replace(scenario, free_tier=False)
    # Requests: 3M x $0.20/M = $0.60 modelled without the free tier; billed with it, $0.40: free tier -$0.20.
    # Messages: 1.2B billed at $1.00/M flat = $1,200.00; list 1B x $1.00/M + 0.2B x $0.80/M = $1,160.00.
    # RRU: 3M billed $0.50; list 3M x $0.125/M = $0.375 -> $0.38: price +$0.12.
    b = bill(
        ("AWS Lambda", "Request", 3e6, 0.40),
        ("Amazon API Gateway", "USE1-ApiGatewayMessage", 1.2e9, 1200.0),
        ("Amazon DynamoDB", "ReadRequestUnits", 3e6, 0.50),
    )
    r = reconcile(no_free, b, tag="app=chat")
    requests = row(r, "Request")
    assert (requests.modelled_cost, requests.billed_cost, requests.rate_effect) == (0.60, 0.40, -0.20)
    assert requests.cause == "free tier"
    assert "the model has it off" in requests.causes[0]["detail"]
    messages = row(r, "ApiGatewayMessage")
    assert messages.rate_effect == 40.0 and "volume tiers" in messages.cause
    assert messages.metering_effect == pytest.approx(1160.0 - 6.0)
    rru = row(r, "ReadRequestUnits")
    assert rru.rate_effect == 0.12 and rru.cause == "price differs from the price book"
    wru = row(r, "WriteRequestUnits")  # modelled, not on a tag-filtered bill
    assert (wru.billed_cost, wru.variance, wru.cause) == (0.0, -3.75, "not on the bill")
    assert "cost-allocation tag" in wru.causes[0]["detail"]


def test_rows_the_model_lacks(scenario):
    b = bill(
        ("Amazon API Gateway", "USE1-ApiGatewayHttpRequest", 1e6, 1.0),
        ("Amazon Simple Storage Service", "Requests-Tier1", 1000, 0.005),
        other={"Credit": -100.0, "Refund": -2.5, "Tax": 0.0},
    )
    r = reconcile(scenario, b)
    http = row(r, "ApiGatewayHttpRequest")
    assert (http.service, http.modelled_cost, http.billed_cost, http.cause) == ("http", 0.0, 1.0, "not in the scenario")
    s3 = row(r, "Requests-Tier1")
    assert (s3.kind, s3.service, s3.billed_cost, s3.cause) == ("model", "s3", 0.01, "not in the scenario")  # half up
    assert [(ln.service, ln.billed_cost, ln.cause) for ln in r.lines if ln.kind == "record"] == [
        ("Credit", -100.0, "credits"),
        ("Refund", -2.5, "refund"),
    ]  # zero tax: no row
    assert r.total_billed == pytest.approx(1.0 + 0.01 - 102.5)


def test_month_length_is_a_cause_of_its_own(scenario):
    # A model of 730 h reviewed against October (744 h): everything metered is 744/730 of the model.
    s = replace(scenario, hours_per_month=730)
    k = 744 / 730
    metered = Metered({"lambda.requests.x86_64": 3e6 * k, "dynamodb.read_request_units.standard": 3e6 * k})
    b = bill(("AWS Lambda", "Request", 3e6 * k, (3e6 * k - 1e6) * 2e-7))
    r = reconcile(s, b, metered)
    assert row(r, "Request").cause == "month length"
    assert row(r, "ReadRequestUnits").cause == "month length; not on the bill"
    assert any("744 h" in n for n in r.notes)


def test_json_contract_and_round_trip(scenario):
    b = bill(("AWS Lambda", "Request", 3.1e6, 0.42), other={"Credit": -1.0})
    r = reconcile(scenario, b, Metered({"lambda.requests.x86_64": 3.1e6}), users=1250, users_source="entered")
    d = r.to_json()
    assert list(d)[:4] == ["month", "lines", "total_modelled", "total_billed"]
    for ln in d["lines"]:
        assert set(ln) >= REVIEW_LINE_KEYS
    assert Review.from_json(d) == r
    assert Bill.from_json(b.to_json()) == b
    assert d["unit_costs"]["users"] == 1250 and d["unit_costs"]["users_source"] == "entered"
    assert d["unit_costs"]["tiers"][0]["users"] == 1250  # the tier scaled to the month's users
    assert math.isclose(d["unit_costs"]["cost_per_user"], d["total_billed"] / 1250)


def test_the_demo_month_is_deterministic_and_shows_the_known_causes():
    from models.scenario import loads
    from usage.demo import demo_scenario_yaml
    from usage.review_run import run_review

    s = loads(demo_scenario_yaml(), "demo")
    a, b = run_review(s, "2026-10", demo=True).review, run_review(s, "2026-10", demo=True).review
    assert a == b
    causes = " | ".join(ln.cause for ln in a.lines)
    for cause in (
        "1 ms rounding and INIT not in the Duration metric",
        "32 KB message rounding",
        "connection minutes estimated",
        "services outside the model",
        "credits",
        "month length",
    ):
        assert cause in causes
    assert not any("add up to" in n for n in a.notes)  # the demo's record types agree with its usage types
    with pytest.raises(Exception, match="2026-01 to 2026-10"):
        run_review(s, "2026-11", demo=True)

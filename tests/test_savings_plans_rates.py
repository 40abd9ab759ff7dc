"""`prices refresh --savings-plans`: Savings Plans rates from the Savings Plans API into a new price book, and an
estimate's commitment taking its rates from there. botocore's Stubber answers (moto has no savingsplans service);
the requests it expects are the ones the code must send.

Rates (1 year, No Upfront, us-east-1): Lambda-GB-Second $0.0000133334, Lambda-GB-Second-ARM $0.0000106667 (on a
second page), DynamoDB WriteRequestUnits $0.000000531; a 3-year rate and a usage type the model has no meter for
are left out.
With the book's x86_64 rate, tests/fixtures/commitments/base.yaml at $0.01/h: the paid 600,000 GB-s at the plan's
rate = $8.00004; commitment $7.30 covers 7.30 / 8.00004 = 91.2495% of it: 10.00002 x 0.912495 = $9.12497 off
(-$9.12). Total 10.00 + 0.63 + 7.30 - 9.12 = $8.81.
"""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
import yaml
from botocore.stub import Stubber

from commands.prices import refresh_savings_plans
from models.engine import estimate
from models.scenario import loads
from pricing.book import load
from usage.errors import UsageError

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "pricing" / "books" / "2026-11-27.json"
BASE = ROOT / "tests" / "fixtures" / "commitments" / "base.yaml"
ONE_YEAR = 31_536_000


def result(usage_type: str, rate: str, service: str = "AWSLambda", seconds: int = ONE_YEAR, unit="Lambda-GB-Second"):
    return {
        "savingsPlanOffering": {"offeringId": "o-1", "paymentOption": "No Upfront", "durationSeconds": seconds,
                                "currency": "USD", "planDescription": "test"},
        "rate": rate,
        "unit": unit,
        "serviceCode": service,
        "usageType": usage_type,
        "operation": "",
        "properties": [{"name": "region", "value": "us-east-1"}],
    }  # fmt: skip


def request(kind: str, product: str, code: str, token: str | None = None) -> dict:
    out = {
        "savingsPlanTypes": [kind],
        "products": [product],
        "serviceCodes": [code],
        "savingsPlanPaymentOptions": ["No Upfront"],
        "filters": [{"name": "region", "values": ["us-east-1"]}],
        "maxResults": 1000,
    }
    return out | ({"nextToken": token} if token else {})


def stubbed():
    client = boto3.client("savingsplans", region_name="us-east-1")
    return client, Stubber(client)


def test_refresh_writes_the_rates_and_an_estimate_uses_them(tmp_path):
    client, stub = stubbed()
    stub.add_response(
        "describe_savings_plans_offering_rates",
        {
            "searchResults": [
                result("USE1-Lambda-GB-Second", "0.0000133334"),
                result("USE1-Lambda-GB-Second", "0.0000097", seconds=3 * ONE_YEAR),  # 3 years: not asked
                result("USE1-Lambda-Edge-GB-Second", "0.00001"),  # no meter in the model
            ],
            "nextToken": "p2",
        },
        request("Compute", "Lambda", "AWSLambda"),
    )
    stub.add_response(
        "describe_savings_plans_offering_rates",
        {"searchResults": [result("USE1-Lambda-GB-Second-ARM", "0.0000106667")]},
        request("Compute", "Lambda", "AWSLambda", "p2"),
    )
    stub.add_response(
        "describe_savings_plans_offering_rates",
        {"searchResults": [result("USE1-WriteRequestUnits", "0.000000531", "AmazonDynamoDB", unit="WRU")]},
        request("Database", "DynamoDB", "AmazonDynamoDB"),
    )
    said = []
    with stub:
        done = refresh_savings_plans(
            region=["us-east-1"], base=str(BOOK), out_dir=str(tmp_path), client=client, say=said.append
        )
    stub.assert_no_pending_responses()
    assert said == ["us-east-1: 3 Savings Plans rates"]
    book = load(done.path)
    rows = {k[2]: p.tiers[0].price for k, p in book.prices.items() if k[1] == "savings_plans"}
    assert rows == {
        "compute_savings_plan.lambda.duration_gb_s.x86_64": "0.0000133334",
        "compute_savings_plan.lambda.duration_gb_s.arm64": "0.0000106667",
        "database_savings_plan.dynamodb.write_request_units.standard": "0.000000531",
    }
    assert "Savings Plans API" in book.sources["SP-api"]
    assert len(book.prices) == len(load(BOOK).prices) + 3  # everything else carried over
    data = yaml.safe_load(BASE.read_text()) | {"commitments": {"compute_savings_plan": {"hourly_usd": 0.01}}}
    e = estimate(loads(yaml.safe_dump(data), "t"), book)
    assert e.total == pytest.approx(8.81, abs=1e-9)
    (c,) = e.commitments
    assert c["rates"] == {"lambda.duration_gb_s.x86_64": 0.0000133334}
    assert c["usage_at_plan_rates_usd"] == pytest.approx(8.00, abs=1e-9) and c["unrated_meters"] == []
    # without a rate anywhere (the committed book has none), the plan covers nothing and says so
    e = estimate(loads(yaml.safe_dump(data), "t"))
    assert e.commitments[0]["unrated_meters"] == ["lambda.duration_gb_s.x86_64"]
    assert e.total == pytest.approx(10.63 + 7.30, abs=1e-9)


def test_denied_and_conflicting_rates_are_one_message(tmp_path):
    client, stub = stubbed()
    stub.add_client_error("describe_savings_plans_offering_rates", "AccessDeniedException", "no", 403)
    with stub, pytest.raises(UsageError) as e:
        refresh_savings_plans(region=["us-east-1"], base=str(BOOK), out_dir=str(tmp_path), client=client)
    assert str(e.value) == (
        "access denied: DescribeSavingsPlansOfferingRates needs the IAM permission "
        "savingsplans:DescribeSavingsPlansOfferingRates"
    )
    client, stub = stubbed()
    stub.add_response(
        "describe_savings_plans_offering_rates",
        {"searchResults": [result("USE1-Lambda-GB-Second", "0.0000133334"), result("Lambda-GB-Second", "0.000014")]},
        request("Compute", "Lambda", "AWSLambda"),
    )
    with stub, pytest.raises(UsageError, match="two Compute Savings Plan rates for lambda.duration_gb_s.x86_64"):
        refresh_savings_plans(region=["us-east-1"], base=str(BOOK), out_dir=str(tmp_path), client=client)
    assert list(tmp_path.iterdir()) == []  # nothing written

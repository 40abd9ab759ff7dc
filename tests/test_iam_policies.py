"""Every AWS operation the code can call is granted by one of the policies it ships (usage/iam-policy*.json): the
calls are found in the source, not listed by hand, so a new call without a policy line fails here. For each
service the code makes clients for, botocore's model gives its operations; an operation counts as called where the
source has `.snake_name(` (a boto3 method call; not botocore.session.get_session) or the quoted "OperationName"
(the calls made through usage.discovery's reader by name). Each is mapped to its IAM action by the modules'
PERMISSIONS tables (apigatewayv2 Get* is apigateway:GET; the tagging API is tag:...), else service:Operation. sts
GetCallerIdentity needs no permission (AWS allows it to every principal), so it is left out."""

from __future__ import annotations

import json
import re
from pathlib import Path

import botocore.session

from usage import aws, cur, pricelist, review_run, savingsplans

ROOT = Path(__file__).resolve().parents[1]
SERVICES = (
    "lambda", "apigatewayv2", "dynamodb", "resourcegroupstaggingapi", "cloudformation", "cloudwatch", "ce", "sts",
    "pricing", "savingsplans", "athena", "glue",
)  # fmt: skip
NO_PERMISSION = {("sts", "GetCallerIdentity")}
IAM_PREFIX = {"resourcegroupstaggingapi": "tag", "apigatewayv2": "apigateway"}


def _sources() -> str:
    files = [*ROOT.glob("usage/*.py"), *ROOT.glob("commands/*.py"), *ROOT.glob("pages/*.py"), ROOT / "app.py"]
    return "\n".join(f.read_text(encoding="utf-8") for f in files if f.exists())


def _calls() -> set[tuple[str, str]]:
    text = _sources()
    session = botocore.session.get_session()
    found = set()
    for service in SERVICES:
        model = session.get_service_model(service)
        for op in model.operation_names:
            snake = botocore.xform_name(op)
            if re.search(rf"(?<!session)\.{snake}\(", text) or f'"{op}"' in text:
                found.add((service, op))
    return found


def _mapping() -> dict[tuple[str, str], str]:
    return (
        dict(aws.PERMISSIONS)
        | dict(review_run.PERMISSIONS)
        | dict(cur.ATHENA_PERMISSIONS)
        | {("pricing", op): action for op, action in pricelist.PERMISSIONS.items()}
        | {("savingsplans", "DescribeSavingsPlansOfferingRates"): savingsplans.PERMISSION}
    )


def _granted() -> set[str]:
    granted = set()
    for f in ROOT.glob("usage/iam-policy*.json"):
        for s in json.loads(f.read_text())["Statement"]:
            actions = s["Action"]
            granted |= {actions} if isinstance(actions, str) else set(actions)
    return granted


def test_every_call_in_the_source_is_granted_by_a_shipped_policy():
    calls = _calls() - NO_PERMISSION
    # the scan finds what it should: the import's, the review's, actuals' and prices' calls
    assert {
        ("athena", "StartQueryExecution"),
        ("glue", "GetTable"),
        ("savingsplans", "DescribeSavingsPlansOfferingRates"),
        ("pricing", "GetProducts"),
        ("ce", "GetCostAndUsage"),
        ("cloudwatch", "GetMetricData"),
        ("lambda", "ListFunctions"),
    } <= calls
    mapping = _mapping()
    actions = {c: mapping.get(c, f"{IAM_PREFIX.get(c[0], c[0])}:{c[1]}") for c in calls}
    missing = {c: a for c, a in actions.items() if a not in _granted()}
    assert not missing, f"calls no shipped policy grants: {missing}"


def test_the_prices_policy_grants_the_savings_plans_rates_and_the_price_list():
    policy = json.loads((ROOT / "usage" / "iam-policy-prices.json").read_text())
    granted = {a for s in policy["Statement"] for a in s["Action"]}
    assert granted == {savingsplans.PERMISSION, *pricelist.PERMISSIONS.values()}
    assert all(a.split(":")[1].startswith(("Get", "Describe", "List")) for a in granted)  # read-only

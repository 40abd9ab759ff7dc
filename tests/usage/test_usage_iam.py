"""The IAM policy in usage/iam-policy.json grants exactly what the import calls: every AWS operation made
by imports with each selector is recorded (botocore `before-call`) and compared with the policy."""

from __future__ import annotations

import json
from datetime import timedelta

import boto3
from usage_env import ROOT
from usage_seed import create_table, role_arn, seed_chat_app

from usage import aws
from usage.importer import import_usage
from usage.inventory import Selector


def test_every_call_is_in_the_policy_and_nothing_else(moto_env, window_start):
    seed_chat_app(window_start - timedelta(hours=1))
    template = {
        "Resources": {
            "T": {
                "Type": "AWS::DynamoDB::Table",
                "Properties": {
                    "TableName": "stack-table",
                    "BillingMode": "PAY_PER_REQUEST",
                    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                },
            }
        }
    }
    cfn = boto3.client("cloudformation", region_name="us-east-1")
    cfn.create_stack(StackName="s", TemplateBody=json.dumps(template))
    create_table("lonely")
    assert role_arn()

    calls: set[tuple[str, str]] = set()

    def record(model, **_):
        calls.add((model.service_model.service_name, model.name))

    for selector in (Selector(), Selector("tag", "app", "chat"), Selector("prefix", "chat-"), Selector("stack", "s")):
        session = aws.make_session()
        session.events.register("before-call", record)
        import_usage(selector, session=session)

    assert calls <= set(aws.PERMISSIONS), f"calls without a known permission: {calls - set(aws.PERMISSIONS)}"
    assert calls == set(aws.PERMISSIONS), f"mapped but never called: {set(aws.PERMISSIONS) - calls}"
    policy = json.loads((ROOT / "usage" / "iam-policy.json").read_text())
    granted = {a for s in policy["Statement"] for a in s["Action"]}
    assert granted == {aws.PERMISSIONS[c] for c in calls}

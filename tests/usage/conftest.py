"""Fixtures for the usage/ tests: one moto server per session on 127.0.0.1, reset per test."""

from __future__ import annotations

import os
import sys
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
for p in (str(HERE.parents[1]), str(HERE)):  # the project, and the helpers beside this file
    if p not in sys.path:
        sys.path.insert(0, p)

import moto_fast_metrics  # noqa: E402
from usage_env import aws_test_env  # noqa: E402


@pytest.fixture(scope="session")
def moto_endpoint():
    from moto.server import ThreadedMotoServer

    moto_fast_metrics.install()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()
    moto_fast_metrics.uninstall()


_seeded: dict = {}  # the chat app, while the moto account still holds it


def _reset(endpoint: str) -> None:
    req = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
    urllib.request.urlopen(req, timeout=10).read()
    _seeded.clear()


@pytest.fixture
def aws_env(moto_endpoint, monkeypatch):
    """AWS_ENDPOINT_URL = moto and fake credentials in this process; the account as it is."""
    for k in list(os.environ):
        if k.startswith("AWS_"):
            monkeypatch.delenv(k)
    for k, v in aws_test_env(moto_endpoint).items():
        if k.startswith("AWS_"):
            monkeypatch.setenv(k, v)
    return moto_endpoint


@pytest.fixture
def moto_env(aws_env):
    """A clean moto account."""
    _reset(aws_env)
    return aws_env


@pytest.fixture
def window_start():
    """Start of the 30-day window an import started now will read (aligned to the hour)."""
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    return end - timedelta(days=30)


@pytest.fixture
def chat_app(aws_env, window_start):
    """The seeded chat account (see usage_seed.seed_chat_app), built once and shared by read-only tests.
    Its data stays aligned: tests compute totals over whatever window the import reports."""
    from usage_seed import seed_chat_app

    if "app" not in _seeded:
        _reset(aws_env)
        _seeded["app"] = seed_chat_app(window_start)
    return _seeded["app"]


STACK = "chat-stack"


@pytest.fixture
def stack_app(aws_env):
    """A moto account holding only CloudFormation stack `chat-stack` (table stack-table, function stack-fn, no
    metrics), built once and shared like `chat_app` (each replaces the other)."""
    import json

    import boto3
    from usage_seed import role_arn

    if "stack" not in _seeded:
        _reset(aws_env)
        template = {
            "Resources": {
                "Table": {
                    "Type": "AWS::DynamoDB::Table",
                    "Properties": {
                        "TableName": "stack-table",
                        "BillingMode": "PAY_PER_REQUEST",
                        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                    },
                },
                "Fn": {
                    "Type": "AWS::Lambda::Function",
                    "Properties": {
                        "FunctionName": "stack-fn",
                        "Runtime": "python3.12",
                        "Role": role_arn(),
                        "Handler": "index.handler",
                        "Code": {"ZipFile": "def handler(e, c): pass"},
                    },
                },
            }
        }
        boto3.client("cloudformation", region_name="us-east-1").create_stack(
            StackName=STACK, TemplateBody=json.dumps(template)
        )
        _seeded["stack"] = True
    return STACK

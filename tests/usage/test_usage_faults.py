"""Faults injected into a real import against moto: throttling, access denied, bad credentials."""

from __future__ import annotations

import json

import pytest
from faults import Injector, error
from usage_env import ROOT

from usage import aws, cli_import
from usage.aws import UsageError
from usage.discovery import Selector
from usage.importer import import_usage

TAG = Selector("tag", "app", "chat")


def test_throttling_is_retried_and_the_import_completes(chat_app, aws_env):
    session = aws.make_session()
    inj = Injector(
        session,
        {
            ("cloudwatch", "GetMetricData"): [error(400, "ThrottlingException"), error(429, None)],
            ("lambda", "ListFunctions"): [error(429, "TooManyRequestsException")] * 2,  # probe, then discovery
            ("dynamodb", "DescribeTable"): [error(400, "ThrottlingException")],
            ("apigatewayv2", "GetApis"): [error(503, None)],
        },
    )
    result = import_usage(TAG, session=session)
    assert inj.pending() == {}  # every injected fault was met
    assert inj.used[("cloudwatch", "GetMetricData")] == 2
    obs = result.observed
    assert result.fetched.calls == 1  # the retries are botocore's; the import saw one successful call
    assert obs.missing == []
    assert set(obs.functions) == {"chat-send", "chat-connect", "chat-idle"}
    assert set(obs.tables) == {"chat-conn", "chat-msgs"} and obs.tables["chat-conn"].config.gsis == ["roomIndex"]
    assert set(obs.websockets) == {"chatws"}
    start = result.observed.window.start
    assert obs.functions["chat-send"].invocations == chat_app.total(("function", "chat-send", "Invocations"), start)


def test_access_denied_on_one_table_and_one_api_imports_the_rest(chat_app, aws_env):
    session = aws.make_session()
    Injector(
        session,
        {
            ("dynamodb", "DescribeTable"): [error(400, "AccessDeniedException")],
            ("apigatewayv2", "GetApis"): [error(403, "AccessDeniedException")],
        },
        when=lambda svc, op, req: op != "DescribeTable" or b"chat-conn" in (req.body or b""),
    )
    result = import_usage(TAG, session=session)
    obs = result.observed
    permissions = {m.permission for m in obs.missing}
    assert permissions == {"dynamodb:DescribeTable", "apigateway:GET"}
    assert obs.websockets == {}  # denied
    assert set(obs.functions) == {"chat-send", "chat-connect", "chat-idle"}  # the rest is there
    assert obs.tables["chat-msgs"].config.capacity == "provisioned"
    conn = obs.tables["chat-conn"]  # known by its tag: metrics read, configuration assumed
    assert not conn.config.config_known and conn.read_units > 0
    text = cli_import.report(obs, None)
    assert "Missing: configuration of DynamoDB table chat-conn: access denied; needs dynamodb:DescribeTable" in text
    assert "Missing: API Gateway WebSocket APIs: access denied; needs apigateway:GET" in text
    from usage.to_scenario import scenario_yaml

    assert "# MISSING: API Gateway WebSocket APIs: access denied (needs apigateway:GET)." in scenario_yaml(obs)


def test_metrics_denied_exits_2_naming_the_permission(chat_app, aws_env, monkeypatch, capsys, tmp_path):
    real = aws.make_session

    def session_with_denied_metrics(profile=None, region=None):
        s = real(profile, region)
        Injector(s, {("cloudwatch", "GetMetricData"): [error(403, "AccessDenied")]})
        return s

    monkeypatch.setattr(aws, "make_session", session_with_denied_metrics)
    out = tmp_path / "x.yaml"
    assert cli_import.main(["--tag", "app=chat", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == "error: access denied: GetMetricData needs the IAM permission cloudwatch:GetMetricData\n"
    assert not out.exists()


def test_everything_denied_names_every_permission(moto_env):
    session = aws.make_session()
    denied = [error(403, "AccessDeniedException")] * 3
    Injector(
        session,
        {
            ("lambda", "ListFunctions"): denied,
            ("apigatewayv2", "GetApis"): denied,
            ("dynamodb", "ListTables"): [error(400, "AccessDeniedException")],
        },
    )
    with pytest.raises(UsageError) as e:
        import_usage(Selector(), session=session)
    assert e.value.message == (
        "access denied: nothing could be read; the import needs apigateway:GET, "
        "dynamodb:ListTables, lambda:ListFunctions"
    )


def test_rejected_credentials_fail_fast(moto_env):
    session = aws.make_session()
    Injector(session, {("lambda", "ListFunctions"): [error(403, "UnrecognizedClientException")]})
    with pytest.raises(UsageError, match=r"AWS rejected the credentials \(UnrecognizedClientException\)"):
        import_usage(Selector(), session=session)


def test_unknown_profile(monkeypatch):
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    with pytest.raises(UsageError, match="AWS profile 'nope' not found"):
        aws.make_session(profile="nope")


def test_iam_policy_is_valid_json_with_read_only_actions():
    policy = json.loads((ROOT / "usage" / "iam-policy.json").read_text())
    actions = [a for s in policy["Statement"] for a in s["Action"]]
    assert all(s["Effect"] == "Allow" for s in policy["Statement"])
    assert all(a.split(":")[1].startswith(("List", "Describe", "Get", "GET")) for a in actions)

"""Faults injected into a real import against moto: throttling, access denied, bad credentials."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from faults import Injector, Mangle, Raw, error
from usage_env import ROOT

import cli
from commands import import_usage as cli_import
from usage import aws
from usage.errors import UsageError
from usage.importer import import_usage
from usage.inventory import Selector

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
    assert cli.main(["import", "--tag", "app=chat", "-o", str(out)]) == 2
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


def _import(monkeypatch, capsys, args: list[str], plan: dict | None = None) -> tuple[int, str, str]:
    """`cli.py import ARGS` in-process, faults injected into its session."""
    real = aws.make_session

    def session(profile=None, region=None):
        s = real(profile, region)
        if plan:
            Injector(s, plan)
        return s

    with monkeypatch.context() as m:
        m.setattr(aws, "make_session", session)
        code = cli.main(["import", *args])
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def test_an_unwritable_output_folder_exits_2_before_any_aws_call(monkeypatch, capsys, tmp_path):
    # /sys refuses new files even to root; nothing listens on port 9, so an AWS call would fail differently
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    code, _, err = _import(monkeypatch, capsys, ["-o", "/sys/unitcost-import.yaml"])
    assert (code, err) == (2, "error: cannot write /sys/unitcost-import.yaml: Permission denied\n")
    code, _, err = _import(monkeypatch, capsys, ["-o", str(tmp_path)])
    assert (code, err) == (2, f"error: cannot write {tmp_path}: it is a folder\n")
    with pytest.raises(UsageError, match=r"^cannot write /sys/x.yaml: Permission denied$"):
        cli_import.write_atomic(Path("/sys/x.yaml"), "name: x\n")  # the folder went read-only meanwhile


def test_metrics_cloudwatch_did_not_answer_are_named_in_the_header_and_on_stderr(
    chat_app, aws_env, monkeypatch, capsys, tmp_path
):
    def drop_some(body: bytes, protocol: str, token) -> bytes:
        page = json.loads(body)
        results = page["MetricDataResults"]
        page["MetricDataResults"] = [r for r in results if r["Id"] != "q0"]  # the first query: no answer
        page["MetricDataResults"][0]["StatusCode"] = "InternalError"
        return json.dumps(page).encode()

    out = tmp_path / "x.yaml"
    plan = {("cloudwatch", "GetMetricData"): [Mangle(drop_some)]}
    code, _, err = _import(monkeypatch, capsys, ["--tag", "app=chat", "--days", "2", "-o", str(out)], plan)
    assert code == 0, err
    header = [ln for ln in out.read_text().splitlines() if ln.startswith("# NOTE: CloudWatch")]
    assert header == [
        "# NOTE: CloudWatch: function chat-send Duration: InternalError",  # queries in build_queries order
        "# NOTE: CloudWatch: function chat-send Invocations: no result",
    ]
    assert [ln for ln in err.splitlines() if "CloudWatch" in ln] == [f"warning: {ln[2:]}" for ln in header]


def test_an_error_message_on_several_lines_is_shown_on_one(chat_app, aws_env, monkeypatch, capsys, tmp_path):
    body = json.dumps({"__type": "ValidationException", "message": "bad\nrequest\x1b[31m"}).encode()
    plan = {("dynamodb", "DescribeTable"): [Raw(400, body, "application/x-amz-json-1.0")]}
    code, _, err = _import(monkeypatch, capsys, ["--tag", "app=chat", "-o", str(tmp_path / "x.yaml")], plan)
    assert code == 2
    assert err == r"error: dynamodb DescribeTable failed: ValidationException: bad\nrequest\x1b[31m" + "\n"


def test_names_with_line_breaks_keep_the_header_a_comment(chat_app, aws_env, monkeypatch, capsys, tmp_path):
    """A name AWS would refuse, from an emulator or a proxy, in a MISSING line: it stays one comment line
    (and one stderr line), with the breaks shown as escapes; the body of the file is YAML's to quote."""

    def rename(body: bytes, protocol: str, token) -> bytes:
        page = json.loads(body)
        for api in page["items"]:
            api["name"] = "chat\nfunctions: {}\r\x85ws"
        return json.dumps(page).encode()

    out = tmp_path / "x.yaml"
    plan = {("apigatewayv2", "GetApis"): [Mangle(rename)], ("apigatewayv2", "GetRoutes"): [error(403, "Forbidden")]}
    code, _, err = _import(monkeypatch, capsys, ["--tag", "app=chat", "--days", "2", "-o", str(out)], plan)
    assert code == 0, err
    text = out.read_text()
    head = text[: text.index("\nname: ")].splitlines()
    assert all(ln.startswith("# ") for ln in head)
    line = r"MISSING: routes and stages of WebSocket API chat\nfunctions: {}\r\x85ws: access denied"
    line += " (needs apigateway:GET)."
    assert f"# {line}" in head and f"warning: {line}" in err.splitlines()
    sc = yaml.safe_load(text)
    assert set(sc["functions"]) == {"chat-send", "chat-connect", "chat-idle"}
    assert set(sc["websockets"]) == {"chat\nfunctions: {}\r\x85ws"}

"""`cli.py init` on templates in the shape of real public ones (tests/fixtures/templates/public/README.md).

Each fixture must initialise (exit 0) and its scenario estimate (exit 0); the values asserted were read off the
fixture by hand, and every provenance comment asserted names the line that holds the value.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import cli
from tests.test_template_init import cited, comments, estimate_ok, init, ops

PUBLIC = Path(__file__).parent / "fixtures" / "templates" / "public"
SAM = PUBLIC / "sam-constructs.yaml"
CDK = PUBLIC / "cdk-shaped.template.json"
QUEUE = "JobsQueueA1B2C3D4"
EDGES = PUBLIC / "sam-edges.yaml"
WS = PUBLIC / "sam-websocket-edges.yaml"

# fixture -> {function: (memory_mb, architecture)}, {feature: function it invokes (None: none)}
EXPECTED = {
    SAM: (
        {
            "WebhookFn": (256, "arm64"),
            "WorkerFn": (512, "arm64"),
            "AuthFn": (128, "arm64"),
            "ItemsFn": (128, "arm64"),
            "ClicksFn": (128, "arm64"),
        },
        {
            "get_items_id": "WorkerFn",
            "WebhookFnUrl": "WebhookFn",
            "Jobs": "WorkerFn",
            "get_items": "ItemsFn",
            "Stream": "ClicksFn",
            "Nightly": None,
            "PipelineRule": None,
        },
    ),
    EDGES: (
        {"Fn1": (256, "arm64"), "Big1": (128, "x86_64")},
        {"get_x": "Fn1", "Q": "Fn1", "Ev": "Fn1", "Sch": "Fn1", "Cog": "Fn1", "Iot": "Fn1"},
    ),
    WS: (
        {"Empty": (128, "x86_64"), "NullProps": (128, "arm64"), "Mixed": (128, "x86_64"), "Reader": (128, "x86_64")},
        {"default": "Mixed", "ping": None, "S3": "Mixed", "Sns": "Mixed", "ReaderUrl": "Reader"},
    ),
    CDK: (
        {"Handler886CB40B": (512, "arm64")},
        {
            "get_items_id": "Handler886CB40B",
            "HandlerFunctionUrl2F5E7A1B": "Handler886CB40B",
            "StreamMapping0A1B2C3D": "Handler886CB40B",
            "NightlyRule1234ABCD": None,
        },
    ),
}


@pytest.mark.parametrize("template", sorted(EXPECTED), ids=lambda p: p.name)
def test_public_shapes_initialise_and_estimate(tmp_path, capsys, template):
    data, text = init(tmp_path, template)
    functions, features = EXPECTED[template]
    assert {k: (v["memory_mb"], v["architecture"]) for k, v in data["functions"].items()} == functions
    assert {k: next(iter(v["lambda"]), None) if "lambda" in v else None for k, v in data["features"].items()} == (
        features
    )
    c = comments(text)
    for fn in functions:  # the memory comment cites the MemorySize line, or the function's own line (default)
        line = cited(c[("functions", fn, "memory_mb")], template)
        assert "MemorySize" in line or fn in line
    estimate_ok(tmp_path / "scenario.yaml", capsys)


def test_rest_api_methods_are_routes_with_their_resource_path(tmp_path):
    data, text = init(tmp_path, SAM)
    get = data["features"]["get_items_id"]
    assert get["lambda"] == {"WorkerFn": 1}
    assert ops(get) == {("Items", "reads"), ("Items", "writes")}  # WorkerFn's DynamoDBCrudPolicy
    assert "http" not in get  # REST requests are not priced
    assert "HttpMethod: GET" in cited(comments(text)[("features", "get_items_id")], SAM)


def test_function_urls_are_entry_points(tmp_path):
    sam, _ = init(tmp_path, SAM)
    # WebhookFn: SQSSendMessagePolicy {QueueName: !GetAtt EventQueue.QueueName} -> a send to fill in
    assert sam["features"]["WebhookFnUrl"]["sqs"] == [{"queue": "EventQueue", "messages": 0}]
    cdk, text = init(tmp_path, CDK)
    assert cdk["features"]["HandlerFunctionUrl2F5E7A1B"]["lambda"] == {"Handler886CB40B": 1}
    assert "HandlerFunctionUrl2F5E7A1B" in cited(comments(text)[("features", "HandlerFunctionUrl2F5E7A1B")], CDK)


def test_rules_and_schedules_that_start_a_state_machine(tmp_path):
    sam, _ = init(tmp_path, SAM)
    for name in ("Nightly", "PipelineRule"):
        assert sam["features"][name]["stepfunctions"] == [{"machine": "Pipeline", "executions": 1}]
    cdk, _ = init(tmp_path, CDK)
    assert cdk["features"]["NightlyRule1234ABCD"]["stepfunctions"] == [{"machine": "Flow1A2B3C4D", "executions": 1}]
    assert cdk["state_machines"]["Flow1A2B3C4D"]["type"] == "express"


@pytest.mark.parametrize(
    "template, param, fn, feature, key, use",
    [
        (SAM, "Env=prod", "WorkerFn", "Jobs", "s3", {"bucket": "Archive", "puts": 0, "gets": 0}),
        (CDK, "Stage=prod", "Handler886CB40B", "StreamMapping0A1B2C3D", "sqs", {"queue": QUEUE, "messages": 0}),
    ],
    ids=["sam", "cdk"],
)
def test_policy_statement_in_fn_if(tmp_path, template, param, fn, feature, key, use):
    dev, _ = init(tmp_path, template)
    assert key not in dev["features"][feature]  # the condition is false: the statement is AWS::NoValue
    prod, text = init(tmp_path, template, "--param", param)
    assert prod["features"][feature][key] == [use]
    # prod values through Fn::If / Fn::FindInMap: 1024 MB either way, reserved concurrency 20 (SAM) or 50 (CDK)
    assert prod["functions"][fn]["memory_mb"] == 1024
    assert prod["functions"][fn]["reserved_concurrency"] == (20 if template == SAM else 50)
    assert "reserved_concurrency" not in dev["functions"][fn]


def test_poller_policies_are_not_cost_drivers(tmp_path):
    _, text = init(tmp_path, SAM)
    header = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    assert "KinesisStreamReadPolicy" not in header
    assert "Kinesis (ClicksFn event Stream" in header  # the stream itself is named as not modelled


def test_diff_runs_on_two_versions_of_one_template(tmp_path, capsys):
    head = tmp_path / "head.yaml"
    head.write_text(SAM.read_text().replace("MemorySize: 256", "MemorySize: 1024"))
    assert cli.main(["diff", str(SAM), str(head), "--json"]) == 0
    out = capsys.readouterr().out
    assert '"WebhookFnUrl"' in out and '"total"' in out


def test_lambda_authorizers_are_named_in_the_header(tmp_path):
    data, text = init(tmp_path, SAM)
    note = next(line for line in text.splitlines() if "Lambda authorizer" in line)
    assert note.startswith("# NOTE: AuthFn is the Lambda authorizer Api TokenAuth (sam-constructs.yaml:")
    assert "TokenAuth:" in cited(note, SAM)
    assert data["features"]["get_items"]["http"] == {"api": "Api", "requests": 1}
    assert "AuthFn" not in data["features"]["get_items"]["lambda"]  # cached or not: for the user to say


def test_what_only_the_deployed_stack_knows_is_noted_not_guessed(tmp_path):
    data, text = init(tmp_path, EDGES)
    notes = [line for line in text.splitlines() if line.startswith("# NOTE: ")]
    # the loop is not expanded, and said so; no topics are invented
    assert any(n.startswith("# NOTE: Fn::ForEach::Topics (sam-edges.yaml:23)") for n in notes)
    assert "topics" not in data
    # a table named after a nested stack's output is no external table (it was one, named "Nested.Outputs...")
    assert "tables" not in data
    known = "# NOTE: a policy names a table known only once deployed (${Nested.Outputs.TableName}, sam-edges.yaml:55)"
    assert f"{known}: not read" in notes
    assert "dynamodb" not in data["features"]["get_x"]
    # Big1's condition needs Vpc, which has no value: kept, and the note cites the condition's line, not a path
    big = next(n for n in notes if n.startswith("# NOTE: Big1 "))
    assert big.endswith("(sam-edges.yaml:16)") and "/" not in big.split("needed here")[1]


def test_websocket_route_response_and_managed_policy_through_a_parameter(tmp_path):
    data, text = init(tmp_path, WS)
    f = data["features"]
    # $default has a RouteResponse: the message received and the one sent back; ping (MOCK) has none
    assert f["default"]["websocket"] == {"api": "Ws", "messages": 2}
    assert f["ping"]["websocket"] == {"api": "Ws", "messages": 1} and "lambda" not in f["ping"]
    # Extra's Default is AmazonDynamoDBReadOnlyAccess: reads on the template's table, no writes
    assert ("Sessions", "reads") in ops(f["ReaderUrl"]) and ("Sessions", "writes") not in ops(f["ReaderUrl"])
    # Mixed: Extra too, and dynamodb:* on the TableArn parameter's table/Shared, an external table (on demand assumed)
    assert ops(f["default"]) == {("Sessions", "reads"), ("Shared", "reads"), ("Shared", "writes")}
    assert data["tables"]["Shared"]["capacity"] == "on_demand"
    assert f["Sns"]["sns"] == [{"topic": "shared-topic", "publishes": 1, "deliveries": {"lambda": 1}}]
    assert "Architectures" in cited(comments(text)[("functions", "NullProps", "architecture")], WS)


@pytest.mark.parametrize(
    "resource, what",
    [
        ("{Type: AWS::SQS::Queue, Properties: {FifoQueue: maybe}}", "FifoQueue must be true or false, got 'maybe'"),
        (
            "{Type: AWS::StepFunctions::StateMachine, Properties: {StateMachineType: FAST}}",
            "StateMachineType must be EXPRESS or STANDARD, got 'FAST'",
        ),
    ],
)
def test_a_type_outside_its_values_exits_2_naming_the_line(tmp_path, capsys, resource, what):
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"Resources:\n  Fn: {{Type: AWS::Lambda::Function}}\n  X: {resource}\n")
    assert cli.main(["init", "--template", str(bad), "-o", str(tmp_path / "x.yaml")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"error: {bad}, line 3: {what}"

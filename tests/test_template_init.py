"""`cli.py init --template`: SAM, CloudFormation and CDK templates to a format-1 scenario skeleton.

Through the CLI (cli.main, for the exit codes and the one-line errors) on three fixtures: the seed app's own
SAM template (positive chat), a SAM file with Globals, Parameters, HttpApi, SimpleTable, an SQS and a Schedule
event (sam-orders.yaml), and a `cdk synth` output folder (cdk.out/). Every provenance comment is checked against
the template line it names.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import cli
from errors import UnitcostError
from models import scenario
from models.template import feature_name, read_template

FIXTURES = Path(__file__).parent / "fixtures" / "templates"
CHAT = FIXTURES / "positive-chat-template.yaml"
ORDERS = FIXTURES / "sam-orders.yaml"
CDK = FIXTURES / "cdk.out"
LINE = re.compile(r"([\w.-]+\.(?:yaml|json)):(\d+)")


def init(tmp_path, template, *extra, capsys=None) -> tuple[dict, str]:
    out = tmp_path / "scenario.yaml"
    assert cli.main(["init", "--template", str(template), "-o", str(out), *extra]) == 0
    text = out.read_text()
    return yaml.safe_load(text), text


def comments(text: str) -> dict[tuple, str]:
    """Each key's path in the written YAML -> its comment (block mappings at 2-space indents, as init writes)."""
    out, stack = {}, []
    for line in text.splitlines():
        body, _, comment = line.partition("  # ")
        m = re.match(r"^( *)([^\s#:\-{][^:]*):", body)
        if not m:
            continue
        depth = len(m.group(1)) // 2
        stack = stack[:depth] + [m.group(2).strip('"')]
        out[tuple(stack)] = comment
    return out


def cited(comment: str, template: Path) -> str:
    """The text of the template line a comment cites (`file.yaml:42`)."""
    m = LINE.search(comment)
    assert m, f"no template line in {comment!r}"
    assert m.group(1) == template.name
    return template.read_text().splitlines()[int(m.group(2)) - 1]


def ops(feature: dict) -> set[tuple[str, str]]:
    return {(op["table"], "reads" if "reads" in op else "writes") for op in feature.get("dynamodb", [])}


def estimate_ok(path: Path, capsys) -> None:
    assert cli.main(["estimate", str(path)]) == 0, capsys.readouterr().err
    capsys.readouterr()


# ---------------------------------------------------------------- the seed app's SAM template


def test_positive_chat_functions_api_tables(tmp_path, capsys):
    s, text = init(tmp_path, CHAT)
    assert s["functions"] == {
        "PositiveChatFunction": {
            "memory_mb": 128,
            "architecture": "x86_64",
            "duration_ms": 0,
            "ephemeral_storage_mb": 512,
        }
    }
    assert s["websockets"] == {"PositiveChatWebSocket": {}}
    assert "http_apis" not in s
    assert {n: (t["capacity"], t["gsis"]) for n, t in s["tables"].items()} == {
        "ConnectionsTable": ("on_demand", 1),  # roomIndex
        "ConversationsTable": ("on_demand", 0),
        "TopicsTable": ("on_demand", 1),  # numIndex
    }
    # Routes $connect, $disconnect, $default, each through its integration to the one function.
    assert list(s["features"]) == ["connect", "disconnect", "default"]
    for f in s["features"].values():
        assert f["lambda"] == {"PositiveChatFunction": 1}
        assert f["websocket"]["api"] == "PositiveChatWebSocket"
        # Its policy allows Put/Get/Delete on Connections, Query on roomIndex; Put and Query on Conversations;
        # Update on Topics and Query on numIndex: every table read and written.
        assert ops(f) == {(t, k) for t in s["tables"] for k in ("reads", "writes")}
        assert all(op.get("reads", op.get("writes")) == 0 for op in f["dynamodb"])
    assert s["features"]["connect"]["websocket"]["connects"] == 1
    # Comprehend and Translate are allowed on '*': listed as cost drivers the template cannot size.
    header = text.split("\nname:")[0]
    for action in ("comprehend:DetectSentiment", "comprehend:DetectDominantLanguage", "translate:TranslateText"):
        assert f"{action} on *" in header
    out = tmp_path / "scenario.yaml"
    assert scenario.load(out).tables["TopicsTable"].gsis == 1
    estimate_ok(out, capsys)


def test_positive_chat_provenance_lines(tmp_path):
    _, text = init(tmp_path, CHAT)
    c = comments(text)
    assert "BillingMode: 'PAY_PER_REQUEST'" in cited(c[("tables", "ConnectionsTable", "capacity")], CHAT)
    assert "GlobalSecondaryIndexes" in cited(c[("tables", "TopicsTable", "gsis")], CHAT)
    assert "ProtocolType: WEBSOCKET" in cited(c[("websockets", "PositiveChatWebSocket")], CHAT)
    # A default cites the resource it applies to.
    assert "AWS default" in c[("functions", "PositiveChatFunction", "memory_mb")]
    assert "PositiveChatFunction:" in cited(c[("functions", "PositiveChatFunction", "memory_mb")], CHAT)
    # A route feature cites its RouteKey line and the integration's IntegrationUri line.
    route = c[("features", "disconnect")]
    assert "RouteKey: $disconnect" in cited(route, CHAT)
    uri_line = int(LINE.findall(route)[1][1])
    assert "IntegrationUri" in CHAT.read_text().splitlines()[uri_line - 1]
    # Every value has a comment.
    for line in text.splitlines():
        if re.match(r"^ {4}(memory_mb|architecture|capacity|gsis|table_class|ephemeral_storage_mb):", line):
            assert "  # " in line, line


# ---------------------------------------------------------------- SAM: Globals, parameters, HttpApi, events


def test_sam_globals_parameters_and_own_values(tmp_path):
    s, text = init(tmp_path, ORDERS)
    f = s["functions"]
    # Globals: MemorySize !Ref FunctionMemory (Default 512) and Architectures [arm64]
    assert (f["GetOrderFunction"]["memory_mb"], f["GetOrderFunction"]["architecture"]) == (512, "arm64")
    assert (f["FulfilFunction"]["memory_mb"], f["FulfilFunction"]["architecture"]) == (512, "arm64")
    # The function's own values win over Globals.
    assert f["CreateOrderFunction"] == {
        "memory_mb": 1024,
        "architecture": "x86_64",
        "duration_ms": 0,
        "ephemeral_storage_mb": 1024,
        "reserved_concurrency": 50,
        "provisioned": {"concurrency": 5},  # !If [IsProd, 5, 1] with Stage's Default prod
    }
    c = comments(text)
    memory = c[("functions", "GetOrderFunction", "memory_mb")]
    assert "MemorySize: !Ref FunctionMemory" in cited(memory, ORDERS)  # the Globals line
    assert "parameter FunctionMemory Default" in memory
    assert "MemorySize: 1024" in cited(c[("functions", "CreateOrderFunction", "memory_mb")], ORDERS)


def test_sam_param_overrides_defaults_and_conditions(tmp_path):
    s, text = init(tmp_path, ORDERS, "--param", "FunctionMemory=2048", "--param", "Stage=dev")
    assert s["functions"]["GetOrderFunction"]["memory_mb"] == 2048
    assert "--param FunctionMemory" in comments(text)[("functions", "GetOrderFunction", "memory_mb")]
    assert s["functions"]["CreateOrderFunction"]["provisioned"] == {"concurrency": 1}  # IsProd false
    assert s["tables"]["CustomersTable"]["read_capacity"] == 2
    assert s["topics"] == {"DebugTopic": {"type": "standard"}}  # Condition IsDev true for dev


def test_sam_tables_queue_and_condition_left_out(tmp_path):
    s, text = init(tmp_path, ORDERS)
    assert s["tables"]["OrdersTable"] == {"capacity": "on_demand", "gsis": 0}  # SimpleTable, no throughput
    assert s["tables"]["CustomersTable"] == {
        "capacity": "provisioned",
        "read_capacity": 10,
        "write_capacity": 5,
        "table_class": "standard_ia",
        "gsis": 2,
    }
    assert s["queues"] == {"OrdersQueue": {"type": "fifo"}}
    assert "topics" not in s  # DebugTopic: Condition IsDev is false with Stage prod
    assert "DebugTopic (AWS::SNS::Topic) left out: its Condition IsDev is false" in text
    # Each GSI's own 2 RCU and 2 WCU: billed like the table's, said in the header (read_capacity is the table's).
    assert "GSIs (byEmail, byCountry, sam-orders.yaml:66) have their own provisioned throughput, 4 RCU and 4 WCU" in (
        text
    )
    assert "WriteCapacityUnits: 5" in cited(comments(text)[("tables", "CustomersTable", "write_capacity")], ORDERS)
    assert "TableClass" in cited(comments(text)[("tables", "CustomersTable", "table_class")], ORDERS)


def test_sam_routes_events_and_the_tables_each_feature_touches(tmp_path, capsys):
    s, text = init(tmp_path, ORDERS)
    assert s["http_apis"] == {"OrdersApi": {}}
    fs = s["features"]
    assert set(fs) == {"get_orders_id", "post_orders", "OrderQueued", "Nightly"}
    assert fs["get_orders_id"]["lambda"] == {"GetOrderFunction": 1}
    assert fs["get_orders_id"]["http"] == {"api": "OrdersApi", "requests": 1}
    # DynamoDBReadPolicy TableName !Ref OrdersTableName: the parameter's value is OrdersTable's TableName.
    assert ops(fs["get_orders_id"]) == {("OrdersTable", "reads")}
    assert fs["post_orders"]["lambda"] == {"CreateOrderFunction": 1}
    # Crud on OrdersTable (!Ref), Read on CustomersTable, Write on a table the template does not define.
    assert ops(fs["post_orders"]) == {
        ("OrdersTable", "reads"),
        ("OrdersTable", "writes"),
        ("CustomersTable", "reads"),
        ("audit-log", "writes"),
    }
    assert fs["post_orders"]["sqs"] == [{"queue": "OrdersQueue", "messages": 0}]  # SQSSendMessagePolicy
    assert s["tables"]["audit-log"]["capacity"] == "on_demand"
    assert "audit-log" in text.split("\nname:")[0]  # the external table is named in the header
    # The SQS event: one message per use; the poller policy adds no use of its own.
    assert fs["OrderQueued"]["lambda"] == {"FulfilFunction": 1}
    assert fs["OrderQueued"]["sqs"] == [{"queue": "OrdersQueue", "messages": 1}]
    assert ops(fs["OrderQueued"]) == {("OrdersTable", "reads"), ("OrdersTable", "writes")}
    assert fs["Nightly"]["lambda"] == {"FulfilFunction": 1}
    assert "sqs" not in fs["Nightly"]
    assert "bedrock:InvokeModel on * (CreateOrderFunction" in text
    c = comments(text)
    assert cited(c[("features", "get_orders_id")], ORDERS).strip() == "GetOrder:"  # the SAM event
    assert "OrderQueued:" in cited(c[("features", "OrderQueued")], ORDERS)
    assert s["tiers"]["users"]["uses"] == dict.fromkeys(fs, 0)
    estimate_ok(tmp_path / "scenario.yaml", capsys)


# ---------------------------------------------------------------- CDK


@pytest.mark.parametrize("path", [CDK, CDK / "ChatStack.template.json"], ids=["folder", "template.json"])
def test_cdk_out(tmp_path, capsys, path):
    s, text = init(tmp_path, path)
    assert s["name"] == "ChatStack"
    assert s["functions"]["Handler886CB40B"] == {
        "memory_mb": 256, "architecture": "arm64", "duration_ms": 0, "ephemeral_storage_mb": 512,
    }  # fmt: skip
    assert s["functions"]["Archiver7E8F9A0B"] == {
        "memory_mb": 1769, "architecture": "x86_64", "duration_ms": 0, "ephemeral_storage_mb": 2048,
        "reserved_concurrency": 10,
    }  # fmt: skip
    assert s["tables"]["ChatTable1234ABCD"] == {"capacity": "on_demand", "table_class": "standard", "gsis": 1}
    # No BillingMode: CloudFormation's default, PROVISIONED, with the template's throughput.
    assert s["tables"]["MessagesTable5F2B9C1E"] == {
        "capacity": "provisioned", "read_capacity": 5, "write_capacity": 5, "table_class": "standard", "gsis": 0,
    }  # fmt: skip
    assert s["websockets"] == {"ChatApi1A2B3C4D": {}} and s["http_apis"] == {"HistoryApi0F1E2D3C": {}}
    fs = s["features"]
    esm_name = "ArchiverSqsEventSourceChatStackArchiveQueue3F2A1B0C"  # the mapping's logical ID
    assert set(fs) == {"connect", "sendmessage", "get_messages_room", esm_name}
    # Role -> AWS::IAM::Policy attached through Roles: the grants CDK writes.
    for name in ("connect", "sendmessage"):
        assert fs[name]["lambda"] == {"Handler886CB40B": 1}
        assert ops(fs[name]) == {
            ("ChatTable1234ABCD", "reads"),
            ("ChatTable1234ABCD", "writes"),
            ("MessagesTable5F2B9C1E", "writes"),
        }
        assert fs[name]["sqs"] == [{"queue": "ArchiveQueue6C1A7D30", "messages": 0}]
    assert fs["get_messages_room"]["lambda"] == {"Archiver7E8F9A0B": 1}
    assert fs["get_messages_room"]["http"]["api"] == "HistoryApi0F1E2D3C"
    assert ops(fs["get_messages_room"]) == {("MessagesTable5F2B9C1E", "reads")}
    esm = fs[esm_name]
    assert esm["sqs"] == [{"queue": "ArchiveQueue6C1A7D30", "messages": 1}]
    assert "CDKMetadata" not in text and "AWS::CDK::Metadata" not in text
    assert "translate:TranslateText on *" in text
    tpl = CDK / "ChatStack.template.json"
    assert '"MemorySize": 256' in cited(comments(text)[("functions", "Handler886CB40B", "memory_mb")], tpl)
    estimate_ok(tmp_path / "scenario.yaml", capsys)


# ---------------------------------------------------------------- bad templates


BAD = {
    "not-yaml.yaml": ("Resources:\n  A: [1, 2\n", 3, "not a YAML or JSON template"),
    "not-json.json": (
        '{\n  "Resources": {\n    "A": {"Type": "X"}\n  },\n  "Outputs": [1, 2}\n}\n',
        5,
        "not a YAML or JSON template",
    ),
    "scenario.yaml": ("name: x\nregion: us-east-1\n", 1, "not a CloudFormation, SAM or CDK template"),
    "empty.yaml": ("", 1, "not a CloudFormation, SAM or CDK template"),
    "unknown-intrinsic.yaml": (
        "Resources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n      MemorySize: !GetAttr X.Y\n",
        5,
        "unknown intrinsic function 'Fn::GetAttr'",
    ),
    "cycle.yaml": (
        "Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties:\n      RedrivePolicy: {deadLetterTargetArn: "
        "!GetAtt B.Arn}\n  B:\n    Type: AWS::SQS::Queue\n    Properties:\n      RedrivePolicy: "
        "{deadLetterTargetArn: !GetAtt A.Arn}\n",
        2,
        "a cycle of references between resources",
    ),
    "condition-cycle.yaml": (
        "Conditions:\n  A: !Condition B\n  B: !Condition A\nResources:\n  F:\n    Type: AWS::Lambda::Function\n"
        "    Condition: A\n",
        2,
        "a cycle of conditions: A -> B -> A",
    ),
    "missing-parameter.yaml": (
        "Parameters:\n  Mem:\n    Type: Number\nResources:\n  F:\n    Type: AWS::Lambda::Function\n"
        "    Properties:\n      MemorySize: !Ref Mem\n",
        8,
        "parameter 'Mem' has no Default and no --param Mem=VALUE",
    ),
    "import-value-needed.yaml": (
        "Resources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n      MemorySize: !ImportValue Mem\n",
        5,
        "Fn::ImportValue",
    ),
    "bad-logical-id.json": (
        '{"Resources": {\n  "my-queue\\n# x": {"Type": "AWS::SQS::Queue"}}}\n',
        2,
        "logical ID 'my-queue\\n# x' must be letters and digits only",
    ),
    "memory-out-of-range.yaml": (
        "Resources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n      MemorySize: 64\n",
        5,
        "MemorySize must be between 128 and 10240, got 64",
    ),
}


@pytest.mark.parametrize("name", BAD)
def test_bad_template_exits_2_naming_file_line_and_problem(tmp_path, capsys, name):
    text, line, what = BAD[name]
    path = tmp_path / name
    path.write_text(text)
    out = tmp_path / "out.yaml"
    assert cli.main(["init", "--template", str(path), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith(f"error: {path}, line {line}: "), err
    assert what in err
    assert not out.exists()


@pytest.mark.parametrize(
    "args, what",
    [
        (["--param", "Nope=1"], "--param Nope: the template has no such parameter"),
        (["--param", "Stage"], "--param needs KEY=VALUE"),
        (["--param", "Stage=test"], "parameter 'Stage' is 'test', not one of its AllowedValues (dev, prod)"),
        (["--param", "FunctionMemory=lots"], "parameter 'FunctionMemory' is a Number, got 'lots'"),
    ],
)
def test_bad_params_exit_2(tmp_path, capsys, args, what):
    assert cli.main(["init", "--template", str(ORDERS), "-o", str(tmp_path / "o.yaml"), *args]) == 2
    err = capsys.readouterr().err
    assert what in err and err.count("\n") == 1


def test_missing_path_and_empty_folder_exit_2(tmp_path, capsys):
    assert cli.main(["init", "--template", str(tmp_path / "none.yaml"), "-o", str(tmp_path / "o.yaml")]) == 2
    assert "file not found" in capsys.readouterr().err
    assert cli.main(["init", "--template", str(tmp_path), "-o", str(tmp_path / "o.yaml")]) == 2
    assert "no stack template here" in capsys.readouterr().err


# ---------------------------------------------------------------- robustness


ROBUST = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: [AWS::LanguageExtensions, AWS::Serverless-2016-10-31]
Parameters:
  Env: {Type: String, Default: staging}
  VpcId: {Type: 'AWS::EC2::VPC::Id'}
  Version: {Type: 'AWS::SSM::Parameter::Value<String>', Default: /app/version}
Mappings:
  Sizes:
    staging: {Memory: 640}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  HasVpc: !Not [!Equals [!Ref VpcId, '']]
Resources:
  Fn::ForEach::Topics:
    - Name
    - [A, B]
    - 'Topic${Name}': {Type: AWS::SNS::Topic}
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      DefinitionBody:
        openapi: '3.0.1'
        paths:
          /things:
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Things.Arn}/invocations
  Things:
    Type: AWS::Serverless::Function
    Properties:
      MemorySize: !FindInMap [Sizes, !Ref Env, Memory]
      Architectures: !If [IsProd, [arm64], !Ref AWS::NoValue]
      Environment:
        Variables:
          SHARED: !ImportValue shared-table-name
          VERSION: !Ref Version
      Policies:
        - DynamoDBCrudPolicy: {TableName: !Ref Store}
        - !If [IsProd, {S3ReadPolicy: {BucketName: !Ref Files}}, !Ref AWS::NoValue]
        - Statement:
            - Effect: Allow
              Action: [sns:Publish, states:StartExecution, events:PutEvents]
              Resource: [!Ref Alerts, !Ref Flow, !GetAtt Bus.Arn]
            - Effect: Allow
              Action: dynamodb:GetItem
              Resource: !Sub arn:aws:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${Env}-legacy
            - Effect: Allow
              Action: dynamodb:Query
              Resource: !ImportValue other-stack-table-arn
      Events:
        Get: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /things, Method: GET}}
  Store:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: !If [IsProd, PROVISIONED, PAY_PER_REQUEST]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
  Files: {Type: AWS::S3::Bucket}
  Alerts: {Type: AWS::SNS::Topic, Properties: {FifoTopic: false}}
  Flow: {Type: AWS::StepFunctions::StateMachine, Properties: {StateMachineType: EXPRESS, DefinitionString: '{}'}}
  Bus: {Type: AWS::Events::EventBus, Properties: {Name: !Sub '${Env}-bus'}}
  Pool: {Type: AWS::Cognito::UserPool, Properties: {UserPoolTier: PLUS}}
  OnEvent:
    Type: AWS::Events::Rule
    Properties:
      EventBusName: !Ref Bus
      EventPattern: {source: [app]}
      Targets: [{Id: t, Arn: !GetAtt Worker.Arn}]
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Role: !GetAtt WorkerRole.Arn
      Code: {ZipFile: x}
  WorkerRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {}
      Policies:
        - PolicyName: p
          PolicyDocument:
            Statement:
              - {Effect: Allow, Action: 'dynamodb:*', Resource: '*'}
              - {Effect: Allow, Action: 'comprehend:*', Resource: '*'}
  Sock:
    Type: AWS::Serverless::WebSocketApi
    Properties:
      Routes:
        $connect: {FunctionArn: !GetAtt Worker.Arn}
        sendMessage: {FunctionArn: !GetAtt Worker.Arn}
  Nightly:
    Type: AWS::Serverless::StateMachine
    Properties:
      Type: STANDARD
      Events:
        Every: {Type: Schedule, Properties: {Schedule: rate(1 day)}}
  Legacy:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Old: {Type: Api, Properties: {Path: /old, Method: post}}
  Dns:
    Type: AWS::Route53::RecordSet
    Condition: HasVpc
  Custom:
    Type: Custom::Thing
    Properties: {ServiceToken: !ImportValue token}
"""


def test_robust_on_what_real_templates_do(tmp_path, capsys):
    path = tmp_path / "robust.yaml"
    path.write_text(ROBUST)
    s, text = init(tmp_path, path)
    assert s["functions"]["Things"]["memory_mb"] == 640  # Fn::FindInMap with !Ref
    assert s["functions"]["Things"]["architecture"] == "x86_64"  # Fn::If -> AWS::NoValue: the default
    assert s["tables"]["Store"]["capacity"] == "on_demand"  # Fn::If on the condition
    assert s["http_apis"] == {"Api": {}}  # one route from both the OpenAPI body and the event
    assert s["features"]["get_things"]["lambda"] == {"Things": 1}
    things = s["features"]["get_things"]
    assert ops(things) == {("Store", "reads"), ("Store", "writes"), ("staging-legacy", "reads")}  # !Sub with variables
    assert "s3" not in things  # the Fn::If policy is off outside prod
    assert things["sns"] == [{"topic": "Alerts", "publishes": 0}]
    assert things["stepfunctions"] == [{"machine": "Flow", "executions": 0}]
    assert things["eventbridge"] == [{"bus": "Bus", "events": 0}]
    assert s["state_machines"]["Flow"] == {"type": "express"}
    assert s["user_pools"] == {"Pool": {"plan": "plus"}}
    # The rule on the custom bus invokes Worker; dynamodb:* on * lets it read and write every table.
    rule = s["features"]["OnEvent"]
    assert rule["eventbridge"] == [{"bus": "Bus", "events": 1}] and rule["lambda"] == {"Worker": 1}
    assert ops(rule) == {(t, k) for t in s["tables"] for k in ("reads", "writes")}
    assert {"connect", "sendmessage"} <= set(s["features"])  # SAM WebSocketApi Routes
    assert s["features"]["sendmessage"]["websocket"] == {"api": "Sock", "messages": 1}
    header = text.split("\nname:")[0]
    assert "comprehend:* on * (Worker" in header
    assert "AWS::Route53::RecordSet: Dns" in header and "Custom::Thing: Custom" in header  # listed, not errors
    assert "Things: a policy names a resource of another stack (Fn::ImportValue, robust.yaml:50): not read" in header
    assert s["state_machines"]["Nightly"] == {"type": "standard"}
    assert s["features"]["Every"] == {"stepfunctions": [{"machine": "Nightly", "executions": 1}]}
    assert s["features"]["post_old"] == {"lambda": {"Legacy": 1}}  # a REST route: the invocation only
    assert "REST API requests are not priced" in header
    estimate_ok(tmp_path / "scenario.yaml", capsys)


def test_a_resource_condition_on_a_parameter_with_no_value_keeps_the_resource(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(
        "Parameters:\n  Env: {Type: String}\nConditions:\n  IsProd: !Equals [!Ref Env, prod]\nResources:\n"
        "  Q:\n    Type: AWS::SQS::Queue\n    Condition: IsProd\n"
    )
    s, text = init(tmp_path, path)
    assert s["queues"] == {"Q": {"type": "standard"}}
    assert "Q (AWS::SQS::Queue) kept though its Condition cannot be decided" in text
    assert "parameter 'Env' has no Default and no --param Env=VALUE" in text
    s, _ = init(tmp_path, path, "--param", "Env=dev")
    assert "queues" not in s


def test_region_resolves_aws_region(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(
        "Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      BillingMode: PAY_PER_REQUEST\n"
        "      TableName: !Sub 't-${AWS::Region}'\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n"
        "      Role: !GetAtt R.Arn\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      Policies:\n"
        "        - PolicyDocument: {Statement: [{Effect: Allow, Action: dynamodb:PutItem, Resource: "
        "'arn:aws:dynamodb:*:*:table/t-eu-west-1'}]}\n  Q:\n    Type: AWS::SQS::Queue\n  M:\n"
        "    Type: AWS::Lambda::EventSourceMapping\n    Properties:\n      FunctionName: !Ref F\n"
        "      EventSourceArn: !GetAtt Q.Arn\n"
    )
    s, _ = init(tmp_path, path, "--region", "eu-west-1")
    assert s["region"] == "eu-west-1"
    assert ops(s["features"]["M"]) == {("T", "writes")}  # the ARN's table name is T's name in eu-west-1


def test_feature_name_rule():
    assert feature_name("$connect") == "connect"
    assert feature_name("sendmessage") == "sendmessage"
    assert feature_name("sendMessage") == "sendmessage"
    assert feature_name("GET /items/{id}") == "get_items_id"
    assert feature_name("ANY /{proxy+}") == "any_proxy"
    assert feature_name("$default") == "default"
    assert feature_name("POST /") == "post"


def test_read_template_is_a_plain_function(tmp_path):
    text = read_template(CHAT)
    assert isinstance(text, str)
    assert scenario.loads(text).functions["PositiveChatFunction"].memory_mb == 128
    assert read_template(str(ORDERS), {"FunctionMemory": "256"}, "eu-west-1").count("memory_mb: 256") == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD["missing-parameter.yaml"][0])
    with pytest.raises(UnitcostError) as e:
        read_template(bad)
    assert (e.value.source, e.value.line) == (str(bad), 8)


def test_cdk_stage_assembly_and_several_stacks(tmp_path, capsys):
    """A CDK Stage puts its stacks in a nested cloud assembly; two stacks ask for one *.template.json."""
    import json
    import shutil

    root = tmp_path / "cdk.out"
    stage = root / "assembly-Prod"
    shutil.copytree(CDK, stage)
    manifest = {
        "version": "36.0.0",
        "artifacts": {
            "assembly-Prod": {
                "type": "cdk:cloud-assembly",
                "properties": {"directoryName": "assembly-Prod", "displayName": "Prod"},
            }
        },
    }
    (root / "manifest.json").write_text(json.dumps(manifest))
    s, _ = init(tmp_path, root)
    assert "Handler886CB40B" in s["functions"]
    shutil.copy(stage / "ChatStack.template.json", stage / "Other.template.json")
    m = json.loads((stage / "manifest.json").read_text())
    m["artifacts"]["Other"] = {
        "type": "aws:cloudformation:stack",
        "properties": {"templateFile": "Other.template.json"},
    }
    (stage / "manifest.json").write_text(json.dumps(m))
    assert cli.main(["init", "--template", str(root), "-o", str(tmp_path / "o.yaml")]) == 2
    assert "2 stacks (ChatStack.template.json, Other.template.json): give one of them" in capsys.readouterr().err


def test_stream_event_managed_policy_and_included_openapi(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  T:\n    Type: AWS::DynamoDB::Table\n"
        "    Properties: {BillingMode: PAY_PER_REQUEST, StreamSpecification: {StreamViewType: NEW_IMAGE}}\n"
        "  Api:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n      DefinitionBody:\n"
        "        'Fn::Transform': {Name: 'AWS::Include', Parameters: {Location: api.yaml}}\n"
        "  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Policies:\n"
        "        - AmazonDynamoDBReadOnlyAccess\n"
        "        - Statement: [{Effect: Allow, Action: 'dynamodb:*', Resource: !GetAtt T.StreamArn}]\n"
        "      Events:\n        Changes: {Type: DynamoDB, Properties: {Stream: !GetAtt T.StreamArn}}\n"
    )
    s, text = init(tmp_path, path)
    assert s["features"]["Changes"]["lambda"] == {"F": 1}
    # The managed read-only policy: reads only; dynamodb:* on the table's stream is no table access.
    assert ops(s["features"]["Changes"]) == {("T", "reads")}
    assert "included from another file (AWS::Include), not read" in text


def test_dynamodb_auto_scaling_is_noted(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(
        "Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties:\n"
        "      ProvisionedThroughput: {ReadCapacityUnits: 5, WriteCapacityUnits: 5}\n"
        "  ReadScaling:\n    Type: AWS::ApplicationAutoScaling::ScalableTarget\n    Properties:\n"
        "      ServiceNamespace: dynamodb\n      ScalableDimension: dynamodb:table:ReadCapacityUnits\n"
        "      MinCapacity: 5\n      MaxCapacity: 100\n      ResourceId: !Join ['/', [table, !Ref T]]\n"
    )
    s, text = init(tmp_path, path)
    assert s["tables"]["T"]["read_capacity"] == 5
    assert "T: dynamodb:table:ReadCapacityUnits scales between 5 and 100 (ReadScaling, t.yaml:6)" in text
    assert "AWS::ApplicationAutoScaling" not in text.split("Not read")[-1]  # read, not listed as ignored

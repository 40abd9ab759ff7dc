"""A SAM, CloudFormation or CDK template turned into a format-1 scenario skeleton (`cli.py init`).

`read_template(path, params, region)` returns the scenario as YAML text in which every value carries a
comment naming the template line it came from (`memory_mb: 256  # template.yaml:42`); `read(...)` returns
that text with the rows behind it (resource, scenario key, value, template line) for the app to show.

What is read (names are the template's logical IDs):
- functions (`AWS::Serverless::Function` with SAM `Globals.Function` applied, `AWS::Lambda::Function`):
  `memory_mb`, `architecture`, `ephemeral_storage_mb`, provisioned concurrency (SAM
  `ProvisionedConcurrencyConfig`, or an `AWS::Lambda::Alias`/`Version` of the function) and
  `reserved_concurrency`; AWS's defaults where absent (128 MB, x86_64, 512 MB). `duration_ms` is not in a
  template: it is written as 0 to fill in.
- APIs: `AWS::ApiGatewayV2::Api` by `ProtocolType` (a `Body` or `BodyS3Location` is an HTTP API, as SAM
  writes it), `AWS::Serverless::HttpApi` (and SAM's implicit `ServerlessHttpApi`), `AWS::Serverless::WebSocketApi`;
  routes from `AWS::ApiGatewayV2::Route` (Target -> `integrations/<id>` -> Integration `IntegrationUri` ->
  function), SAM `HttpApi` and `Api` events and `WebSocketApi` `Routes`.
- tables (`AWS::DynamoDB::Table`, `AWS::Serverless::SimpleTable`): `capacity` (PAY_PER_REQUEST: on_demand; else,
  BillingMode absent included, provisioned with read_capacity/write_capacity), `table_class`, `gsis`.
- queues, topics, event buses, state machines, buckets and user pools (pricing/services/).

Features: one per API route (REST `AWS::ApiGateway::Method`s too) and one per event source (SQS, SNS, schedules,
EventBridge rules, DynamoDB and Kinesis streams, S3 notifications, function URLs), each invoking its function once
(a rule or schedule that targets a state machine starts one execution), with an operation of count 0 for every
table, queue, topic, bus, state machine and bucket the function's policies allow (IAM statements in
`Policies` or in the function's Role and the `AWS::IAM::Policy`s attached to it; SAM policy templates such as
`DynamoDBCrudPolicy: {TableName: ...}`). Route feature names: the route key, lower case, without a leading
`$`, every run of other characters than letters and digits made one `_` (`$connect` -> `connect`,
`GET /items/{id}` -> `get_items_id`, `$default` -> `default`); an event source's feature is named after the
SAM event (or the resource that wires it); a name already taken gets `_<function>` added.
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from models import cfn
from models.cfn import Att, MissingValue, Ref, Template, TemplateError, Unresolvable, key_line, line_of

__all__ = ["TemplateError", "Reading", "read", "read_text", "read_template"]

FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")
TABLE_TYPES = ("AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable", "AWS::DynamoDB::GlobalTable")
# AWS's defaults (CloudFormation User Guide, AWS::Lambda::Function; SAM AWS::Serverless::Function)
DEFAULT_MEMORY_MB, DEFAULT_ARCHITECTURE, DEFAULT_EPHEMERAL_MB = 128, "x86_64", 512
IGNORED_TYPES = ("AWS::CDK::Metadata",)
# Resources read for wiring only: they have no price of their own in unitcost.
WIRING_TYPES = (
    "AWS::ApiGatewayV2::Route",
    "AWS::ApiGatewayV2::Integration",
    "AWS::IAM::Role",
    "AWS::IAM::Policy",
    "AWS::IAM::ManagedPolicy",
    "AWS::Lambda::Alias",
    "AWS::Lambda::Version",
    "AWS::Lambda::EventSourceMapping",
    "AWS::Events::Rule",
    "AWS::Scheduler::Schedule",
    "AWS::SNS::Subscription",
    "AWS::ApplicationAutoScaling::ScalableTarget",
    "AWS::ApiGateway::Method",
    "AWS::ApiGateway::Resource",
    "AWS::Lambda::Url",
    "AWS::ApiGateway::Authorizer",
    "AWS::ApiGatewayV2::Authorizer",
    "AWS::ApiGatewayV2::RouteResponse",
)
# Services a policy may allow that unitcost's scenario models, or that bill nothing per call.
MODELLED_PREFIXES = (
    "dynamodb",
    "sqs",
    "sns",
    "events",
    "states",
    "s3",
    "cognito-idp",
    "execute-api",
    "lambda",
    "logs",
    "iam",
    "sts",
    "ec2",
)
DYNAMO_READS = ("getitem", "batchgetitem", "query", "scan", "transactgetitems", "partiqlselect", "conditioncheckitem")
DYNAMO_WRITES = (
    "putitem",
    "updateitem",
    "deleteitem",
    "batchwriteitem",
    "transactwriteitems",
    "partiqlinsert",
    "partiqlupdate",
    "partiqldelete",
)
# SAM policy templates (samtranslator policy_templates.json) that allow what a scenario prices:
# name -> (parameter naming the resource, section, what the use does)
POLICY_TEMPLATES = {
    "DynamoDBCrudPolicy": ("TableName", "tables", ("reads", "writes")),
    "DynamoDBReadPolicy": ("TableName", "tables", ("reads",)),
    "DynamoDBWritePolicy": ("TableName", "tables", ("writes",)),
    "SQSSendMessagePolicy": ("QueueName", "queues", ("send",)),
    "SNSPublishMessagePolicy": ("TopicName", "topics", ("publish",)),
    "SNSCrudPolicy": ("TopicName", "topics", ("publish",)),
    "EventBridgePutEventsPolicy": ("EventBusName", "event_buses", ("put",)),
    "StepFunctionsExecutionPolicy": ("StateMachineName", "state_machines", ("start",)),
    "S3CrudPolicy": ("BucketName", "buckets", ("puts", "gets")),
    "S3FullAccessPolicy": ("BucketName", "buckets", ("puts", "gets")),
    "S3ReadPolicy": ("BucketName", "buckets", ("gets",)),
    "S3WritePolicy": ("BucketName", "buckets", ("puts",)),
}
# SAM policy templates that allow nothing a scenario prices per call (pollers, stream readers, admin).
QUIET_TEMPLATES = (
    "SQSPollerPolicy",
    "KinesisStreamReadPolicy",
    "DynamoDBStreamReadPolicy",
    "DynamoDBReconfigurePolicy",
    "AWSLambdaBasicExecutionRole",
    "DynamoDBBackupFullAccessPolicy",
    "DynamoDBRestoreFromBackupPolicy",
    "LambdaInvokePolicy",
    "VPCAccessPolicy",
    "CloudWatchPutMetricPolicy",
    "AWSXrayWriteOnlyAccess",
    "KMSDecryptPolicy",
    "SSMParameterReadPolicy",
    "AWSSecretsManagerGetSecretValuePolicy",
)
# The physical-name property of each resource section, to match names given through parameters.
NAME_PROPERTY = {
    "tables": "TableName",
    "queues": "QueueName",
    "topics": "TopicName",
    "event_buses": "Name",
    "state_machines": "StateMachineName",
    "buckets": "BucketName",
    "user_pools": "UserPoolName",
}
ARN_PART = {
    "tables": ":table/",
    "queues": ":sqs:",
    "topics": ":sns:",
    "event_buses": ":event-bus/",
    "state_machines": ":stateMachine:",
    "buckets": ":s3:::",
}
SECTION_OF = {
    "AWS::DynamoDB::Table": "tables",
    "AWS::Serverless::SimpleTable": "tables",
    "AWS::DynamoDB::GlobalTable": "tables",
    "AWS::SQS::Queue": "queues",
    "AWS::SNS::Topic": "topics",
    "AWS::Events::EventBus": "event_buses",
    "AWS::StepFunctions::StateMachine": "state_machines",
    "AWS::Serverless::StateMachine": "state_machines",
    "AWS::S3::Bucket": "buckets",
    "AWS::Cognito::UserPool": "user_pools",
    "AWS::Serverless::Function": "functions",
    "AWS::Lambda::Function": "functions",
}
READ_TYPES = (
    *SECTION_OF,
    *WIRING_TYPES,
    "AWS::ApiGatewayV2::Api",
    "AWS::Serverless::HttpApi",
    "AWS::Serverless::WebSocketApi",
    "AWS::Serverless::Api",
    "AWS::ApiGateway::RestApi",
)
ORDER = (
    "functions",
    "websockets",
    "http_apis",
    "tables",
    "queues",
    "topics",
    "event_buses",
    "state_machines",
    "buckets",
    "user_pools",
)
NAME_TEXT = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")
YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "none", "~"}


@dataclass
class Row:
    """One value read: which resource, where it went in the scenario, and the template line it came from."""

    resource: str
    type: str
    key: str  # the scenario key: functions.Chat.memory_mb
    value: Any
    line: int | None
    note: str = ""


@dataclass
class Item:
    """A resource or feature of the scenario: its fields (key, value, comment) and a comment of its own."""

    comment: str
    fields: list[tuple[str, Any, str]] = field(default_factory=list)


@dataclass
class Reading:
    yaml: str
    rows: list[Row]
    notes: list[str]
    source: str


def read_template(path: str | Path, params: dict[str, str] | None = None, region: str | None = None) -> str:
    """The format-1 scenario YAML for a template file or `cdk.out` folder, with provenance comments."""
    return read(path, params, region).yaml


def read(path: str | Path, params: dict[str, str] | None = None, region: str | None = None) -> Reading:
    return _Builder(cfn.load(path, params, region), explicit_region=region is not None).build()


def read_text(text: str, source: str, params: dict[str, str] | None = None, region: str | None = None) -> Reading:
    """The same for a template's text (an upload); `source` is its file name."""
    return _Builder(cfn.loads(text, source, Path(source).name, params, region), region is not None).build()


def feature_name(route_key: str) -> str:
    """`$connect` -> `connect`, `GET /items/{id}` -> `get_items_id`, `sendMessage` -> `sendmessage`."""
    name = re.sub(r"[^a-z0-9]+", "_", route_key.lower().lstrip("$")).strip("_")
    return name or "route"


def _safe(name: str) -> str:
    """A name made of the characters a scenario name may safely carry (external resources' names)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "resource"


# ---------------------------------------------------------------- building


@dataclass
class _Access:
    """What a function's policies allow: section -> name -> set of verbs, and where each was allowed."""

    allowed: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    lines: dict[tuple[str, str], int | None] = field(default_factory=dict)

    def add(self, section: str, name: str, verbs, line: int | None) -> None:
        self.allowed.setdefault(section, {}).setdefault(name, set()).update(verbs)
        self.lines.setdefault((section, name), line)


class _Builder:
    def __init__(self, t: Template, explicit_region: bool):
        self.t, self.explicit_region = t, explicit_region
        self.rows: list[Row] = []
        self.notes: list[str] = []
        self.drivers: list[str] = []
        self.sections: dict[str, dict[str, Item]] = {s: {} for s in ORDER}
        self.features: dict[str, Item] = {}
        self.res: dict[str, dict] = {}
        self.skipped: dict[str, list[str]] = {}
        self.access_cache: dict[str, _Access] = {}
        self.seen_routes: set[tuple[str, str]] = set()

    # -- helpers

    def where(self, line: int | None) -> str:
        return self.t.where(line)

    def line(self, logical_id: str) -> int | None:
        return key_line(self.t.resources, logical_id)

    def props(self, logical_id: str) -> dict:
        p = self.res[logical_id].get("Properties")
        return p if isinstance(p, dict) else {}

    def prop(self, d: dict, key: str, default: Any = None) -> tuple[Any, int | None, str]:
        """A property's resolved value, its line, and how it was resolved (a parameter's name)."""
        if not isinstance(d, dict) or key not in d:
            return default, None, ""
        node = d[key]
        how = ""
        if isinstance(node, dict) and set(node) == {"Ref"} and node["Ref"] in self.t.parameters:
            name = node["Ref"]
            how = (
                f"--param {name}"
                if name in self.t.params
                else f"parameter {name} Default, " + self.where(key_line(self.t.parameters[name], "Default"))
            )
        value = self.t.value(node)
        if value is cfn.NO_VALUE:
            return default, None, ""
        return value, key_line(d, key), how

    def note(self, line: int | None, how: str = "", extra: str = "") -> str:
        parts = [p for p in (extra, self.where(line) if line else "", f"({how})" if how else "") if p]
        return " ".join(parts)

    def add(self, section: str, name: str, item: Item, rtype: str, rows: list[tuple[str, Any, int | None, str]]):
        self.sections[section][name] = item
        for key, value, line, note in rows:
            self.rows.append(Row(name, rtype, f"{section}.{name}" + (f".{key}" if key else ""), value, line, note))

    def number(self, value: Any, what: str, line: int | None, low: float = 0, high: float = 1e12) -> float:
        try:
            n = float(value)
        except (TypeError, ValueError):
            raise self.t.error(f"{what} must be a number, got {value!r}", line=line) from None
        if not low <= n <= high:
            raise self.t.error(f"{what} must be between {low:g} and {high:g}, got {n:g}", line=line)
        return int(n) if n.is_integer() else n

    def section_of(self, logical_id: str) -> str | None:
        r = self.res.get(logical_id)
        return SECTION_OF.get(r["Type"]) if r else None

    # -- the whole template

    def build(self) -> Reading:
        t = self.t
        for key in t.data["Resources"]:
            if str(key).startswith("Fn::ForEach::"):
                self.notes.append(
                    f"{key} ({self.where(key_line(t.data['Resources'], key))}): a loop of AWS::LanguageExtensions, "
                    "not expanded: the resources it makes are not read"
                )
        for logical_id, r in t.resources.items():
            if r["Type"] in IGNORED_TYPES:
                continue
            if r["Type"] not in READ_TYPES:  # its Condition is not evaluated: nothing here needs it
                self.skipped.setdefault(r["Type"], []).append(logical_id)
                continue
            try:
                included = t.included(r)
            except (MissingValue, Unresolvable) as e:  # a condition on a parameter with no value: kept, said so
                self.notes.append(
                    f"{logical_id} ({r['Type']}) kept though its Condition cannot be decided: {e.message} "
                    f"({self.where(e.line)})"
                )
                included = True
            if not included:
                self.notes.append(
                    f"{logical_id} ({r['Type']}) left out: its Condition {r.get('Condition')} is false "
                    f"({self.where(key_line(r, 'Condition'))})"
                )
                continue
            self.res[logical_id] = r
        self.apply_globals()
        read = set()
        for logical_id, r in self.res.items():
            kind = r["Type"]
            reader = {
                "AWS::Serverless::Function": self.function,
                "AWS::Lambda::Function": self.function,
                "AWS::DynamoDB::Table": self.table,
                "AWS::DynamoDB::GlobalTable": self.table,
                "AWS::Serverless::SimpleTable": self.simple_table,
                "AWS::ApiGatewayV2::Api": self.api_v2,
                "AWS::Serverless::HttpApi": self.http_api,
                "AWS::Serverless::WebSocketApi": self.websocket_api,
                "AWS::SQS::Queue": self.queue,
                "AWS::SNS::Topic": self.topic,
                "AWS::Events::EventBus": self.bus,
                "AWS::StepFunctions::StateMachine": self.state_machine,
                "AWS::Serverless::StateMachine": self.state_machine,
                "AWS::S3::Bucket": self.bucket,
                "AWS::Cognito::UserPool": self.user_pool,
            }.get(kind)
            if reader is not None:
                reader(logical_id)
                read.add(logical_id)
            elif kind in ("AWS::Serverless::Api", "AWS::ApiGateway::RestApi"):
                self.notes.append(
                    f"{logical_id} ({kind}, {self.where(self.line(logical_id))}): a REST API, which unitcost does "
                    "not price; its routes' features invoke their functions only"
                )
                read.add(logical_id)
            elif kind in WIRING_TYPES:
                read.add(logical_id)
        self.provisioned_from_aliases()
        self.autoscaling()
        self.routes()
        self.rest_methods()
        self.authorizers()
        self.events()
        self.sam_websocket_routes()
        self.openapi_routes()
        for logical_id, r in self.res.items():
            if logical_id not in read:
                self.skipped.setdefault(r["Type"], []).append(logical_id)
        self.skipped = {k: v for k, v in self.skipped.items() if v}
        self.policy_only_features()
        rows = [replace(r, value=_plain(r.value)) for r in self.rows]  # the parser's nodes: plain values to keep
        return Reading(self.write(), rows, self.notes, t.source)

    def apply_globals(self) -> None:
        """SAM Globals: mappings merged, lists added to, the resource's own scalar wins (SAM's rules)."""
        g = self.t.data.get("Globals")
        if not isinstance(g, dict):
            return
        for section, rtype in (
            ("Function", "AWS::Serverless::Function"),
            ("HttpApi", "AWS::Serverless::HttpApi"),
            ("SimpleTable", "AWS::Serverless::SimpleTable"),
        ):
            glob = g.get(section)
            if not isinstance(glob, dict):
                continue
            for r in self.res.values():
                if r["Type"] == rtype:
                    own = r.get("Properties") if isinstance(r.get("Properties"), dict) else {}
                    r["Properties"] = _merge(glob, own)

    # -- functions

    def function(self, logical_id: str) -> None:
        p, rline = self.props(logical_id), self.line(logical_id)
        kind = self.res[logical_id]["Type"]
        fields, rows = [], []

        def put(key: str, value: Any, line: int | None, how: str, absent: str) -> None:
            comment = self.note(line, how) if line else f"AWS default ({absent} not set) {self.where(rline)}"
            fields.append((key, value, comment))
            rows.append((key, value, line or rline, "" if line else "default"))

        mem, line, how = self.prop(p, "MemorySize")
        put(
            "memory_mb",
            DEFAULT_MEMORY_MB if line is None else self.number(mem, "MemorySize", line, 128, 10240),
            line,
            how,
            "MemorySize",
        )
        arch, line, how = self.prop(p, "Architectures")
        if line is not None:
            arch = arch[0] if isinstance(arch, list) and arch else arch
            if arch not in ("x86_64", "arm64"):
                raise self.t.error(f"Architectures must be x86_64 or arm64, got {arch!r}", line=line)
        put("architecture", arch if line else DEFAULT_ARCHITECTURE, line, how, "Architectures")
        fields.append(("duration_ms", 0, "not in a template: the average duration of one invocation, to fill in"))
        rows.append(("duration_ms", 0, None, "to fill in"))
        eph = p.get("EphemeralStorage")
        size, sline, show = self.prop(eph if isinstance(eph, dict) else {}, "Size")
        size = DEFAULT_EPHEMERAL_MB if sline is None else self.number(size, "EphemeralStorage.Size", sline, 512, 10240)
        put("ephemeral_storage_mb", size, sline, show, "EphemeralStorage")
        reserved, line, how = self.prop(p, "ReservedConcurrentExecutions")
        if line is not None:
            n = self.number(reserved, "ReservedConcurrentExecutions", line)
            fields.append(("reserved_concurrency", n, self.note(line, how)))
            rows.append(("reserved_concurrency", n, line, ""))
        pc = p.get("ProvisionedConcurrencyConfig")
        if isinstance(pc, dict):
            n, line, how = self.prop(pc, "ProvisionedConcurrentExecutions")
            if line is not None:
                n = self.number(n, "ProvisionedConcurrentExecutions", line)
                fields.append(("provisioned", {"concurrency": n}, self.note(line, how)))
                rows.append(("provisioned.concurrency", n, line, ""))
        self.add("functions", logical_id, Item(f"{kind}, {self.where(rline)}", fields), kind, rows)

    def provisioned_from_aliases(self) -> None:
        """Provisioned concurrency set on an `AWS::Lambda::Alias` or `Version` of a function."""
        for logical_id, r in self.res.items():
            if r["Type"] not in ("AWS::Lambda::Alias", "AWS::Lambda::Version"):
                continue
            p = self.props(logical_id)
            pc = p.get("ProvisionedConcurrencyConfig")
            if not isinstance(pc, dict):
                continue
            fn = self.function_of(p.get("FunctionName"))
            n, line, how = self.prop(pc, "ProvisionedConcurrentExecutions")
            if fn is None or line is None:
                continue
            n = self.number(n, "ProvisionedConcurrentExecutions", line)
            item = self.sections["functions"][fn]
            item.fields = [f for f in item.fields if f[0] != "provisioned"]
            item.fields.append(("provisioned", {"concurrency": n}, self.note(line, how, f"{logical_id}")))
            self.rows.append(Row(fn, r["Type"], f"functions.{fn}.provisioned.concurrency", n, line, logical_id))

    def function_of(self, node: Any, seen: frozenset = frozenset()) -> str | None:
        """The template function a value points at (its Arn, name, or an alias or version of it)."""
        try:
            value = self.t.value(node)
        except TemplateError:
            return None
        for target in sorted(cfn.refs(value)):
            if target in seen:
                continue
            if target in self.sections["functions"]:
                return target
            r = self.res.get(target)
            if r and r["Type"] in ("AWS::Lambda::Alias", "AWS::Lambda::Version", "AWS::Lambda::Url"):
                found = self.function_of(
                    self.props(target).get("FunctionName") or self.props(target).get("TargetFunctionArn"),
                    seen | {target},
                )
                if found:
                    return found
        return None

    # -- tables

    def table(self, logical_id: str) -> None:
        p, rline, kind = self.props(logical_id), self.line(logical_id), self.res[logical_id]["Type"]
        fields, rows = [], []
        mode, line, how = self.prop(p, "BillingMode")
        if line is not None and mode == "PAY_PER_REQUEST":
            fields.append(("capacity", "on_demand", self.note(line, how, "BillingMode PAY_PER_REQUEST")))
            rows.append(("capacity", "on_demand", line, "PAY_PER_REQUEST"))
        else:
            why = f"BillingMode {mode}" if line else "BillingMode not set: PROVISIONED, CloudFormation's default"
            fields.append(("capacity", "provisioned", self.note(line or rline, how, why)))
            rows.append(("capacity", "provisioned", line or rline, why))
            self.throughput(p, kind, fields, rows, rline)
        cls, line, how = self.prop(p, "TableClass")
        if kind == "AWS::DynamoDB::GlobalTable":
            replicas = p.get("Replicas")
            if isinstance(replicas, list) and replicas and isinstance(replicas[0], dict):
                cls, line, how = self.prop(replicas[0], "TableClass")
                self.notes.append(
                    f"{logical_id} (AWS::DynamoDB::GlobalTable, {self.where(rline)}): {len(replicas)} replica(s); "
                    "the scenario prices one table in its region (replicated writes are not modelled)"
                )
        value = "standard_ia" if cls == "STANDARD_INFREQUENT_ACCESS" else "standard"
        fields.append(
            (
                "table_class",
                value,
                self.note(line, how, f"TableClass {cls}")
                if line
                else f"default (TableClass not set) {self.where(rline)}",
            )
        )
        rows.append(("table_class", value, line or rline, "" if line else "default"))
        gsis, line, _ = self.prop(p, "GlobalSecondaryIndexes", [])
        gsis = gsis if isinstance(gsis, list) else []
        names = [str(g.get("IndexName", "?")) for g in gsis if isinstance(g, dict)]
        own = [g.get("ProvisionedThroughput") for g in gsis if isinstance(g, dict)]
        own = [t for t in own if isinstance(t, dict)]
        if own and fields[0][1] == "provisioned":
            rcu = sum(self.number(t.get("ReadCapacityUnits", 0), "ReadCapacityUnits", line) for t in own)
            wcu = sum(self.number(t.get("WriteCapacityUnits", 0), "WriteCapacityUnits", line) for t in own)
            self.notes.append(
                f"{logical_id}: its GSIs ({', '.join(names)}, {self.where(line)}) have their own provisioned "
                f"throughput, {rcu:g} RCU and {wcu:g} WCU, billed like the table's: add it to read_capacity and "
                "write_capacity to price it"
            )
        fields.append(
            (
                "gsis",
                len(gsis),
                self.note(line, "", "GlobalSecondaryIndexes " + ", ".join(names))
                if line
                else f"no GlobalSecondaryIndexes {self.where(rline)}",
            )
        )
        rows.append(("gsis", len(gsis), line or rline, ", ".join(names)))
        self.add("tables", logical_id, Item(f"{kind}, {self.where(rline)}", fields), kind, rows)

    def throughput(self, p: dict, kind: str, fields: list, rows: list, rline: int | None) -> None:
        pt = p.get("ProvisionedThroughput")
        if kind == "AWS::DynamoDB::GlobalTable":
            pt = None
        for key, prop in (("read_capacity", "ReadCapacityUnits"), ("write_capacity", "WriteCapacityUnits")):
            n, line, how = self.prop(pt if isinstance(pt, dict) else {}, prop)
            if line is None:
                fields.append((key, 0, f"{prop} not in the template ({self.where(rline)}): to fill in"))
                rows.append((key, 0, rline, "to fill in"))
            else:
                n = self.number(n, prop, line)
                fields.append((key, n, self.note(line, how)))
                rows.append((key, n, line, ""))

    def autoscaling(self) -> None:
        """DynamoDB auto scaling (`AWS::ApplicationAutoScaling::ScalableTarget`): the template's throughput is
        only where capacity starts; said in the header (the scenario's `auto` capacity models it)."""
        for logical_id, r in self.res.items():
            if r["Type"] != "AWS::ApplicationAutoScaling::ScalableTarget":
                continue
            p = self.props(logical_id)
            namespace, _, _ = self.lenient(p, "ServiceNamespace")
            dimension, _, _ = self.lenient(p, "ScalableDimension")
            tables = sorted(t for t in self.refs(p.get("ResourceId")) if t in self.sections["tables"])
            if namespace != "dynamodb" or not tables:
                continue
            low, _, _ = self.lenient(p, "MinCapacity")
            high, _, _ = self.lenient(p, "MaxCapacity")
            key = "read_capacity" if "Read" in str(dimension) else "write_capacity"
            self.notes.append(
                f"{tables[0]}: {dimension} scales between {low} and {high} ({logical_id}, "
                f"{self.where(self.line(logical_id))}); {key} is the template's starting value: "
                f"'{key}: auto' sizes it to the load"
            )

    def simple_table(self, logical_id: str) -> None:
        p, rline, kind = self.props(logical_id), self.line(logical_id), self.res[logical_id]["Type"]
        fields, rows = [], []
        pt, line, _ = self.prop(p, "ProvisionedThroughput")
        if line is None:
            fields.append(("capacity", "on_demand", f"no ProvisionedThroughput: on demand (SAM) {self.where(rline)}"))
            rows.append(("capacity", "on_demand", rline, "no ProvisionedThroughput"))
        else:
            fields.append(("capacity", "provisioned", self.note(line, "", "ProvisionedThroughput")))
            rows.append(("capacity", "provisioned", line, ""))
            self.throughput(p, kind, fields, rows, rline)
        fields.append(("gsis", 0, f"a SimpleTable has no GSIs {self.where(rline)}"))
        rows.append(("gsis", 0, rline, ""))
        self.add("tables", logical_id, Item(f"{kind}, {self.where(rline)}", fields), kind, rows)

    # -- the event-driven services

    def typed(self, logical_id: str, section: str, prop: str, yes: str, no: str, what: str) -> None:
        """A resource whose one scenario key is a type read from a property (FifoQueue, StateMachineType...)."""
        p, rline, kind = self.props(logical_id), self.line(logical_id), self.res[logical_id]["Type"]
        value, line, how = self.prop(p, prop)
        if line is not None:
            if str(value).lower() not in ("true", "false", yes, no):
                allowed = "true or false" if prop.startswith("Fifo") else f"{yes.upper()} or {no.upper()}"
                raise self.t.error(f"{prop} must be {allowed}, got {value!r}", line=line)
            chosen = yes if str(value).lower() in ("true", yes) else no
            value = str(value).lower() if isinstance(value, bool) else value
            self.add(
                section,
                logical_id,
                Item(f"{kind}, {self.where(rline)}", [("type", chosen, self.note(line, how, f"{prop} {value}"))]),
                kind,
                [("type", chosen, line, f"{prop} {value}")],
            )
        else:
            self.add(
                section,
                logical_id,
                Item(f"{kind}, {self.where(rline)}", [("type", no, f"default ({prop} not set) {self.where(rline)}")]),
                kind,
                [("type", no, rline, "default")],
            )

    def queue(self, logical_id: str) -> None:
        self.typed(logical_id, "queues", "FifoQueue", "fifo", "standard", "queue")

    def topic(self, logical_id: str) -> None:
        self.typed(logical_id, "topics", "FifoTopic", "fifo", "standard", "topic")

    def state_machine(self, logical_id: str) -> None:
        prop = "Type" if self.res[logical_id]["Type"] == "AWS::Serverless::StateMachine" else "StateMachineType"
        self.typed(logical_id, "state_machines", prop, "express", "standard", "state machine")

    def bus(self, logical_id: str) -> None:
        kind = self.res[logical_id]["Type"]
        self.add(
            "event_buses",
            logical_id,
            Item(f"{kind}, {self.where(self.line(logical_id))}"),
            kind,
            [("", "custom bus", self.line(logical_id), "")],
        )

    def bucket(self, logical_id: str) -> None:
        kind, rline = self.res[logical_id]["Type"], self.line(logical_id)
        self.add(
            "buckets",
            logical_id,
            Item(f"{kind}, {self.where(rline)}", [("storage_gb", 0, "not in a template: GB stored, to fill in")]),
            kind,
            [("storage_gb", 0, rline, "to fill in")],
        )

    def user_pool(self, logical_id: str) -> None:
        p, rline, kind = self.props(logical_id), self.line(logical_id), self.res[logical_id]["Type"]
        tier, line, how = self.prop(p, "UserPoolTier")
        plan = str(tier).lower() if line is not None else "essentials"
        if plan not in ("lite", "essentials", "plus"):
            raise self.t.error(f"UserPoolTier must be LITE, ESSENTIALS or PLUS, got {tier!r}", line=line)
        comment = (
            self.note(line, how, f"UserPoolTier {tier}")
            if line
            else (f"default (UserPoolTier not set: Essentials for pools created since 2024-11-22) {self.where(rline)}")
        )
        self.add(
            "user_pools",
            logical_id,
            Item(f"{kind}, {self.where(rline)}", [("plan", plan, comment)]),
            kind,
            [("plan", plan, line or rline, "" if line else "default")],
        )

    # -- APIs

    def api_v2(self, logical_id: str) -> None:
        p, rline = self.props(logical_id), self.line(logical_id)
        protocol, line, how = self.prop(p, "ProtocolType")
        if protocol == "WEBSOCKET":
            section, why = "websockets", "ProtocolType WEBSOCKET"
        elif protocol == "HTTP" or "Body" in p or "BodyS3Location" in p:
            section, why = "http_apis", f"ProtocolType {protocol}" if protocol else "an OpenAPI Body: HTTP"
        else:
            raise self.t.error(
                f"{logical_id}: ProtocolType must be HTTP or WEBSOCKET, got {protocol!r}", line=line or rline
            )
        self.add(
            section,
            logical_id,
            Item(f"AWS::ApiGatewayV2::Api, {why}, {self.where(line or rline)}"),
            "AWS::ApiGatewayV2::Api",
            [("", protocol or "HTTP", line or rline, why)],
        )

    def http_api(self, logical_id: str) -> None:
        kind = self.res[logical_id]["Type"]
        self.add(
            "http_apis",
            logical_id,
            Item(f"{kind}, {self.where(self.line(logical_id))}"),
            kind,
            [("", "HTTP", self.line(logical_id), "")],
        )

    def websocket_api(self, logical_id: str) -> None:
        kind = self.res[logical_id]["Type"]
        self.add(
            "websockets",
            logical_id,
            Item(f"{kind}, {self.where(self.line(logical_id))}"),
            kind,
            [("", "WEBSOCKET", self.line(logical_id), "")],
        )

    def routes(self) -> None:
        """`AWS::ApiGatewayV2::Route`: its API, its key, and the function its integration invokes."""
        for logical_id, r in self.res.items():
            if r["Type"] != "AWS::ApiGatewayV2::Route":
                continue
            p = self.props(logical_id)
            api = next(
                (
                    a
                    for a in sorted(self.refs(p.get("ApiId")))
                    if a in self.sections["websockets"] or a in self.sections["http_apis"]
                ),
                None,
            )
            key, kline, how = self.prop(p, "RouteKey")
            if api is None or not isinstance(key, str):
                self.notes.append(
                    f"{logical_id} ({self.where(self.line(logical_id))}): a route of an API not in "
                    "the template, not read"
                )
                continue
            fn, via = None, ""
            for integ in sorted(self.refs(p.get("Target"))):
                ir = self.res.get(integ)
                if ir and ir["Type"] == "AWS::ApiGatewayV2::Integration":
                    fn = self.function_of(self.props(integ).get("IntegrationUri"))
                    via = f"{integ} {self.where(key_line(self.props(integ), 'IntegrationUri'))}"
            line = kline or self.line(logical_id)
            self.route_feature(api, key, fn, line, via, logical_id)

    def rest_methods(self) -> None:
        """`AWS::ApiGateway::Method` of a REST API: `METHOD /path` (its Resource's PathParts) -> the function its
        `Integration.Uri` invokes. REST requests are not priced: the feature invokes the function only."""
        for logical_id, r in self.res.items():
            if r["Type"] != "AWS::ApiGateway::Method":
                continue
            p = self.props(logical_id)
            integ = p.get("Integration")
            fn = self.function_of(integ.get("Uri")) if isinstance(integ, dict) else None
            method, mline, _ = self.lenient(p, "HttpMethod")
            if fn is None or not isinstance(method, str):
                continue
            key = f"{method.upper()} {self.rest_path(p.get('ResourceId'))}"
            self.route_feature("", key, fn, mline or self.line(logical_id), f"{logical_id} (REST API)", logical_id)

    def authorizers(self) -> None:
        """Lambda authorizers (`AWS::ApiGateway(V2)::Authorizer` `AuthorizerUri`, SAM `Auth.Authorizers`
        `FunctionArn`): the requests they authorize invoke them (unless the result is cached): said in the header."""
        found = []
        for logical_id, r in self.res.items():
            p = self.props(logical_id)
            if r["Type"] in ("AWS::ApiGateway::Authorizer", "AWS::ApiGatewayV2::Authorizer"):
                found.append((self.function_of(p.get("AuthorizerUri")), logical_id, key_line(p, "AuthorizerUri")))
            elif r["Type"] in ("AWS::Serverless::HttpApi", "AWS::Serverless::Api"):
                auth = p.get("Auth") if isinstance(p.get("Auth"), dict) else {}
                named = auth.get("Authorizers") if isinstance(auth.get("Authorizers"), dict) else {}
                for name, conf in named.items():
                    if isinstance(conf, dict):
                        found.append(
                            (self.function_of(conf.get("FunctionArn")), f"{logical_id} {name}", key_line(named, name))
                        )
        for fn, what, line in found:
            if fn:
                self.notes.append(
                    f"{fn} is the Lambda authorizer {what} ({self.where(line)}): each request it authorizes invokes it "
                    "unless the result is cached; add it to those routes' features' lambda to price it"
                )

    def responded(self) -> set[str]:
        """The routes an `AWS::ApiGatewayV2::RouteResponse` answers (two-way routes)."""
        return {
            x
            for logical_id, r in self.res.items()
            if r["Type"] == "AWS::ApiGatewayV2::RouteResponse"
            for x in self.refs(self.props(logical_id).get("RouteId"))
        }

    def rest_path(self, node: Any, depth: int = 0) -> str:
        """The path of a REST API resource: `/` for the API's root, else its parents' PathParts joined."""
        for target in sorted(self.refs(node)):
            r = self.res.get(target)
            if r and r["Type"] == "AWS::ApiGateway::Resource" and depth < 50:
                part, _, _ = self.lenient(self.props(target), "PathPart")
                parent = self.rest_path(self.props(target).get("ParentId"), depth + 1)
                return parent.rstrip("/") + "/" + str(part)
        return "/"

    def route_feature(self, api: str, key: str, fn: str | None, line: int | None, via: str, resource: str) -> None:
        ws = api in self.sections["websockets"]
        name = self.unique(feature_name(key), fn or api)
        where = self.where(line)
        if (api, key) in self.seen_routes:
            return
        self.seen_routes.add((api, key))
        comment = f"route {key} of {api or 'a REST API'} {where}" + (f" -> {via}" if via else "")
        comment += f" -> {fn}" if fn and fn not in via else ""
        item = Item(comment)
        if fn:
            item.fields.append(("lambda", {fn: 1}, f"{fn} behind the route"))
        if ws:
            connect = key == "$connect"
            # A route with a route response also sends one message back, billed like the one received.
            replies = key not in ("$connect", "$disconnect") and resource in self.responded()
            use = {"api": api, "messages": 0 if key in ("$connect", "$disconnect") else 2 if replies else 1}
            if connect:
                use["connects"] = 1
            item.fields.append(
                (
                    "websocket",
                    use,
                    "one use: one request on the route"
                    + ("; connection_minutes to fill in" if connect else "")
                    + ("; its route response is a second message" if replies else ""),
                )
            )
        elif api in self.sections["http_apis"]:
            item.fields.append(("http", {"api": api, "requests": 1}, "one use: one request on the route"))
        self.features[name] = item
        self.rows.append(Row(resource, "route", f"features.{name}", key, line, f"{api} -> {fn or 'no function'}"))
        if fn:
            self.rows.append(Row(resource, "route", f"features.{name}.lambda.{fn}", 1, line, via))
        self.uses_of(name, fn)

    def sam_websocket_routes(self) -> None:
        for logical_id in list(self.sections["websockets"]):
            r = self.res[logical_id]
            if r["Type"] != "AWS::Serverless::WebSocketApi":
                continue
            routes = self.props(logical_id).get("Routes")
            if not isinstance(routes, dict):
                continue
            for key, conf in routes.items():
                fn = self.function_of(conf.get("FunctionArn")) if isinstance(conf, dict) else None
                self.route_feature(logical_id, str(key), fn, key_line(routes, key), "", logical_id)

    def openapi_routes(self) -> None:
        """Routes of an HTTP API defined in OpenAPI (`Body`, SAM `DefinitionBody`): each path and method whose
        `x-amazon-apigateway-integration` invokes a function of the template."""
        for api in list(self.sections["http_apis"]):
            p = self.props(api) if api in self.res else {}
            body = p.get("Body") or p.get("DefinitionBody")
            if isinstance(body, dict) and "Fn::Transform" in body:
                self.notes.append(
                    f"{api} ({self.where(key_line(p, 'DefinitionBody') or key_line(p, 'Body'))}): its OpenAPI "
                    "definition is included from another file (AWS::Include), not read: routes come from events only"
                )
            paths = body.get("paths") if isinstance(body, dict) else None
            if not isinstance(paths, dict):
                continue
            for path, methods in paths.items():
                for method, op in methods.items() if isinstance(methods, dict) else ():
                    integ = op.get("x-amazon-apigateway-integration") if isinstance(op, dict) else None
                    if not isinstance(integ, dict):
                        continue
                    verb = "ANY" if method == "x-amazon-apigateway-any-method" else str(method).upper()
                    fn = self.function_of(integ.get("uri"))
                    self.route_feature(api, f"{verb} {path}", fn, key_line(methods, method), "", api)

    # -- event sources

    def events(self) -> None:
        for fn in list(self.sections["functions"]):
            r = self.res[fn]
            events = self.props(fn).get("Events") if r["Type"] == "AWS::Serverless::Function" else None
            url = self.props(fn).get("FunctionUrlConfig") if r["Type"] == "AWS::Serverless::Function" else None
            if isinstance(url, dict):  # SAM writes an AWS::Lambda::Url named <function>Url
                uline = key_line(self.props(fn), "FunctionUrlConfig")
                self.event_feature(f"{fn}Url", fn, ("function URL", None), uline, fn)
            if isinstance(events, dict):
                for name, ev in events.items():
                    if isinstance(ev, dict):
                        self.sam_event(fn, str(name), ev, key_line(events, name))
        for machine in list(self.sections["state_machines"]):
            sam = self.res[machine]["Type"] == "AWS::Serverless::StateMachine"
            events = self.props(machine).get("Events") if sam else None
            for name, ev in events.items() if isinstance(events, dict) else ():
                kind, _, _ = self.lenient(ev if isinstance(ev, dict) else {}, "Type")
                self.machine_feature(str(name), machine, str(kind), key_line(events, name))
        for logical_id, r in self.res.items():
            kind, p, line = r["Type"], self.props(logical_id), self.line(logical_id)
            if kind == "AWS::Lambda::EventSourceMapping":
                fn = self.function_of(p.get("FunctionName"))
                if fn:
                    source = self.source_of(p.get("EventSourceArn"))
                    self.event_feature(logical_id, fn, source, line, logical_id)
            elif kind in ("AWS::Events::Rule", "AWS::Scheduler::Schedule"):
                targets = p.get("Targets") if kind == "AWS::Events::Rule" else [p.get("Target")]
                for target in targets if isinstance(targets, list) else []:
                    arn = target.get("Arn") if isinstance(target, dict) else None
                    fn = self.function_of(arn)
                    bus = self.custom_bus(p.get("EventBusName"))
                    schedule = "ScheduleExpression" in p
                    if fn:
                        self.event_feature(
                            logical_id, fn, ("schedule", None) if schedule else ("rule", bus), line, logical_id
                        )
                    for machine in sorted(x for x in self.refs(arn) if x in self.sections["state_machines"]):
                        self.machine_feature(logical_id, machine, "schedule" if schedule else "rule", line)
            elif kind == "AWS::Lambda::Url":  # a function URL: one request invokes the function (no charge of its own)
                fn = self.function_of(p.get("TargetFunctionArn"))
                if fn:
                    self.event_feature(logical_id, fn, ("function URL", None), line, logical_id)
            elif kind == "AWS::SNS::Subscription":
                fn = self.function_of(p.get("Endpoint"))
                topic = next((x for x in sorted(self.refs(p.get("TopicArn"))) if x in self.sections["topics"]), None)
                if fn:
                    self.event_feature(logical_id, fn, ("topic", topic), line, logical_id)
            elif kind == "AWS::SNS::Topic":
                for sub in p.get("Subscription") or [] if isinstance(p.get("Subscription"), list) else []:
                    fn = self.function_of(sub.get("Endpoint")) if isinstance(sub, dict) else None
                    if fn:
                        self.event_feature(logical_id, fn, ("topic", logical_id), line, logical_id)
            elif kind == "AWS::S3::Bucket":
                nc = p.get("NotificationConfiguration")
                lcs = nc.get("LambdaConfigurations") if isinstance(nc, dict) else None
                for lc in lcs if isinstance(lcs, list) else []:
                    fn = self.function_of(lc.get("Function")) if isinstance(lc, dict) else None
                    if fn:
                        self.event_feature(logical_id, fn, ("bucket", logical_id), line, logical_id)

    def machine_feature(self, name: str, machine: str, kind: str, line: int | None) -> None:
        """A source that starts a state machine (SAM event, EventBridge rule or schedule): one execution a use."""
        fname = self.unique(name, machine)
        use = ({"machine": machine, "executions": 1}, "one use: one execution started by its source")
        self.features[fname] = Item(f"{kind} -> {machine} {self.where(line)}", [("stepfunctions", [use], "")])
        self.rows.append(Row(machine, kind, f"features.{fname}", machine, line, f"-> {machine}"))

    def source_of(self, node: Any) -> tuple[str, str | None]:
        """What an event source mapping reads: ("queue", Q), ("stream", T) for a table's stream, or ("stream", None)."""
        for target in sorted(self.refs(node)):
            section = self.section_of(target)
            if section == "queues":
                return "queue", target
            if section == "tables":
                return "stream", target
        return "stream", None

    def custom_bus(self, node: Any) -> str | None:
        for target in sorted(self.refs(node)):
            if target in self.sections["event_buses"]:
                return target
        return None

    def sam_event(self, fn: str, name: str, ev: dict, line: int | None) -> None:
        kind, kline, _ = self.prop(ev, "Type")
        p = ev.get("Properties") if isinstance(ev.get("Properties"), dict) else {}
        if kind == "HttpApi":
            api = next((a for a in sorted(self.refs(p.get("ApiId"))) if a in self.sections["http_apis"]), None)
            if api is None:
                api = "ServerlessHttpApi"  # SAM's implicit HTTP API
                if api not in self.sections["http_apis"]:
                    self.add(
                        "http_apis",
                        api,
                        Item(f"SAM's implicit HTTP API for HttpApi events {self.where(line)}"),
                        "AWS::Serverless::HttpApi",
                        [("", "HTTP", line, "implicit")],
                    )
            method, _, _ = self.prop(p, "Method", "ANY")
            path, _, _ = self.prop(p, "Path", "")
            key = f"{str(method).upper()} {path}" if path else "$default"
            self.route_feature(api, key, fn, line, f"{fn} event {name}", fn)
        elif kind == "Api":
            method, _, _ = self.prop(p, "Method", "ANY")
            path, _, _ = self.prop(p, "Path", "/")
            self.route_feature("", f"{str(method).upper()} {path}", fn, line, f"{fn} event {name} (REST API)", fn)
            rest = "REST API events (SAM Api): their features invoke their functions; REST API requests are not priced"
            if rest not in self.notes:
                self.notes.append(rest)
        elif kind == "SQS":
            q = next((x for x in sorted(self.refs(p.get("Queue"))) if x in self.sections["queues"]), None)
            self.event_feature(
                name, fn, ("queue", q or self.external("queues", self.lenient_value(p.get("Queue")), line)), line, fn
            )
        elif kind == "SNS":
            topic = next((x for x in sorted(self.refs(p.get("Topic"))) if x in self.sections["topics"]), None)
            self.event_feature(
                name,
                fn,
                ("topic", topic or self.external("topics", self.lenient_value(p.get("Topic")), line)),
                line,
                fn,
            )
        elif kind in ("Schedule", "ScheduleV2"):
            self.event_feature(name, fn, ("schedule", None), line, fn)
            if kind == "ScheduleV2":
                self.drivers.append(
                    f"EventBridge Scheduler ({fn} event {name}, {self.where(line)}): schedules "
                    "past the free 14M invocations a month are not modelled"
                )
        elif kind in ("EventBridgeRule", "CloudWatchEvent"):
            self.event_feature(name, fn, ("rule", self.custom_bus(p.get("EventBusName"))), line, fn)
        elif kind in ("DynamoDB", "Kinesis", "MSK", "MQ", "SelfManagedKafka", "DocumentDB"):
            table = next((x for x in sorted(self.refs(p.get("Stream"))) if self.section_of(x) == "tables"), None)
            self.event_feature(name, fn, ("stream", table), line, fn)
            if kind != "DynamoDB":
                self.drivers.append(
                    f"{kind} ({fn} event {name}, {self.where(line)}): the stream or broker itself is not modelled"
                )
        elif kind == "S3":
            bucket = next((x for x in sorted(self.refs(p.get("Bucket"))) if x in self.sections["buckets"]), None)
            self.event_feature(name, fn, ("bucket", bucket), line, fn)
        else:
            self.event_feature(name, fn, (str(kind or "event"), None), line or kline, fn)

    def event_feature(self, name: str, fn: str, source: tuple[str, str | None], line: int | None, resource: str):
        what, target = source
        fname = self.unique(name, fn)
        item = Item(f"{what}" + (f" {target}" if target else "") + f" -> {fn} {self.where(line)}")
        item.fields.append(("lambda", {fn: 1}, "one use: one invocation by its source"))
        if what == "queue" and target:
            item.fields.append(
                ("sqs", [({"queue": target, "messages": 1}, "the message: sent, received, deleted")], "")
            )
        elif what == "topic" and target:
            use = {"topic": target, "publishes": 1, "deliveries": {"lambda": 1}}
            item.fields.append(("sns", [(use, "the notification and its delivery to the function")], ""))
        elif what == "rule" and target:
            item.fields.append(("eventbridge", [({"bus": target, "events": 1}, "the event put on the bus")], ""))
        elif what == "bucket" and target:
            item.fields.append(("s3", [({"bucket": target, "puts": 1}, "the object written that notifies")], ""))
        self.features[fname] = item
        self.rows.append(Row(resource, what, f"features.{fname}", target or what, line, f"-> {fn}"))
        self.uses_of(fname, fn)

    def unique(self, name: str, suffix: str) -> str:
        if name not in self.features:
            return name
        name = f"{name}_{suffix}"
        n, base = 2, name
        while name in self.features:
            name, n = f"{base}_{n}", n + 1
        return name

    def refs(self, node: Any) -> set[str]:
        """The resources a value names; one that cannot be resolved (ImportValue) names none."""
        try:
            return cfn.refs(self.t.value(node))
        except TemplateError:
            return set()

    # -- policies

    def access(self, fn: str) -> _Access:
        if fn not in self.access_cache:
            self.access_cache[fn] = self.read_access(fn)
        return self.access_cache[fn]

    def read_access(self, fn: str) -> _Access:
        acc = _Access()
        p = self.props(fn)
        role_ids = {x for x in self.refs(p.get("Role")) if self.res.get(x, {}).get("Type") == "AWS::IAM::Role"}
        if self.res[fn]["Type"] == "AWS::Serverless::Function" and "Role" not in p:
            policies = p.get("Policies")
            for item in policies if isinstance(policies, list) else [policies] if policies else []:
                self.policy_item(fn, item, acc, key_line(p, "Policies"))
        for role in role_ids:
            rp = self.props(role)
            for pol in rp.get("Policies") or [] if isinstance(rp.get("Policies"), list) else []:
                if isinstance(pol, dict):
                    self.document(fn, pol.get("PolicyDocument"), acc)
            for arn in rp.get("ManagedPolicyArns") or [] if isinstance(rp.get("ManagedPolicyArns"), list) else []:
                for mp in self.refs(arn):
                    if self.res.get(mp, {}).get("Type") == "AWS::IAM::ManagedPolicy":
                        self.document(fn, self.props(mp).get("PolicyDocument"), acc)
        for logical_id, r in self.res.items():  # policies that name the role
            if r["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
                pp = self.props(logical_id)
                if role_ids & self.refs(pp.get("Roles")):
                    self.document(fn, pp.get("PolicyDocument"), acc)
        return acc

    def policy_item(self, fn: str, item: Any, acc: _Access, line: int | None) -> None:
        if isinstance(item, str):  # an AWS managed policy by name or ARN: AmazonDynamoDBFullAccess, ...ReadOnlyAccess
            name = item.rsplit("/", 1)[-1].lower()
            if "dynamodb" in name and ("full" in name or "readonly" in name):
                verbs = ("reads",) if "readonly" in name else ("reads", "writes")
                for table in self.sections["tables"]:
                    acc.add("tables", table, verbs, line)
            return
        if not isinstance(item, dict):
            return
        if len(item) == 1 and (next(iter(item)) == "Ref" or str(next(iter(item))).startswith("Fn::")):
            for mp in self.refs(item):  # a managed policy of the template, or an Fn::If of policies
                if self.res.get(mp, {}).get("Type") == "AWS::IAM::ManagedPolicy":
                    self.document(fn, self.props(mp).get("PolicyDocument"), acc)
            value = self.lenient_value(item)
            for v in value if isinstance(value, list) else [value]:
                if (
                    isinstance(v, dict)
                    and not (len(v) == 1 and ("Ref" in v or str(next(iter(v))).startswith("Fn::")))
                    or isinstance(v, str)
                ):
                    self.policy_item(fn, v, acc, line)
            return
        if "Statement" in item:
            self.document(fn, item, acc)
            return
        for name, args in item.items():
            nline = key_line(item, name)
            if name in POLICY_TEMPLATES:
                param, section, verbs = POLICY_TEMPLATES[name]
                target = args.get(param) if isinstance(args, dict) else None
                resolved = self.t.value(target) if target is not None else None  # a missing parameter is an error
                found = self.resolve_name(section, resolved, nline)
                if found:
                    acc.add(section, found, verbs, nline)
            elif name not in QUIET_TEMPLATES:
                self.drivers.append(
                    f"SAM policy template {name} ({fn}, {self.where(nline)}): what it allows is not "
                    "sized by the template"
                )

    def resolve_name(self, section: str, value: Any, line: int | None) -> str | None:
        """The resource of `section` a policy names: by reference, by its name property, or an external one."""
        if value is None:
            return None
        for target in sorted(cfn.refs(value)):
            if target in self.sections[section]:
                return target
        text = str(value)
        for logical_id in self.sections[section]:
            name, _, _ = self.lenient(self.props(logical_id), NAME_PROPERTY.get(section, ""))
            if isinstance(name, str) and name == text:
                return logical_id
            if text == logical_id:
                return logical_id
        if cfn.refs(value):
            return None  # a resource this template has of another kind
        return self.external(section, value, line)

    def physical(self, section: str, logical_id: str) -> str:
        """A resource's name when deployed, where the template gives one; else its logical ID."""
        name, _, _ = self.lenient(self.props(logical_id), NAME_PROPERTY.get(section, ""))
        return name if isinstance(name, str) else logical_id

    def lenient_value(self, node: Any) -> Any:
        """A value, or None where only the deployed stack knows it (Fn::ImportValue)."""
        try:
            return self.t.value(node)
        except Unresolvable:
            return None

    def lenient(self, d: dict, key: str) -> tuple[Any, int | None, str]:
        try:
            return self.prop(d, key)
        except TemplateError:
            return None, None, ""

    def external(self, section: str, value: Any, line: int | None) -> str | None:
        """A resource a policy or event names that the template does not define: written with a note."""
        if value is None or isinstance(value, Ref | Att) or cfn.refs(value):
            return None
        text = str(value)
        if section in ARN_PART and ARN_PART[section] in text:
            text = text.split(ARN_PART[section], 1)[1]
        text = text.split(":")[-1].split("/")[0]
        if not text or "*" in text:
            return None
        name = _safe(text)
        if name in self.sections[section]:
            return name
        what = f"{name}: named {self.where(line)}, not defined in the template"
        if section == "tables":
            self.sections[section][name] = Item(
                what,
                [
                    (
                        "capacity",
                        "on_demand",
                        "external table: its billing mode is not in the template, on_demand assumed",
                    ),
                    ("gsis", 0, "external table: GSIs unknown"),
                ],
            )
        else:
            self.sections[section][name] = Item(what)
        self.notes.append(f"{section[:-1].replace('_', ' ')} {what}")
        self.rows.append(Row(name, "external", f"{section}.{name}", text, line, "not in the template"))
        return name

    def document(self, fn: str, doc: Any, acc: _Access) -> None:
        statements = doc.get("Statement") if isinstance(doc, dict) else None
        statements = statements if isinstance(statements, list) else [statements] if statements else []
        for st in statements:
            stline = line_of(st)
            if isinstance(st, dict) and len(st) == 1 and str(next(iter(st))).startswith("Fn::"):
                st = self.lenient_value(st)  # a statement in an Fn::If (NoValue when its condition is false)
            if not isinstance(st, dict):
                continue
            effect, _, _ = self.lenient(st, "Effect")
            if effect != "Allow" or "Action" not in st:
                continue
            actions = self.t.value(st["Action"])
            actions = [str(a) for a in (actions if isinstance(actions, list) else [actions])]
            line = key_line(st, "Action") or stline
            raw = st.get("Resource", "*")
            resources = []
            for node in raw if isinstance(raw, list) else [raw]:
                try:
                    value = self.t.value(node)
                except Unresolvable as e:  # another stack's resource: nothing of this template's
                    what = e.message.split(": ")[0]
                    self.notes.append(
                        f"{fn}: a policy names a resource of another stack ({what}, {self.where(e.line)}): not read"
                    )
                    continue
                resources.extend(value if isinstance(value, list) else [value])
            for action in actions:
                self.action(fn, action, resources, acc, line)

    def action(self, fn: str, action: str, resources: list, acc: _Access, line: int | None) -> None:
        prefix, _, verb = action.lower().partition(":")
        if action == "*":
            prefix, verb = "*", "*"
        checks = {
            "dynamodb": ("tables", {"reads": DYNAMO_READS, "writes": DYNAMO_WRITES}),
            "sqs": ("queues", {"send": ("sendmessage", "sendmessagebatch")}),
            "sns": ("topics", {"publish": ("publish", "publishbatch")}),
            "events": ("event_buses", {"put": ("putevents",)}),
            "states": ("state_machines", {"start": ("startexecution", "startsyncexecution")}),
            "s3": ("buckets", {"puts": ("putobject", "copyobject", "listbucket"), "gets": ("getobject",)}),
        }
        for pfx, (section, verbs) in checks.items():
            if not fnmatch.fnmatchcase(pfx, prefix):
                continue
            allowed = {v for v, names in verbs.items() if any(fnmatch.fnmatchcase(n, verb) for n in names)}
            if not allowed:
                continue
            for res in resources:
                for name in self.resources_named(section, res, line):
                    acc.add(section, name, allowed, line)
        if prefix not in MODELLED_PREFIXES and prefix != "*":
            where = "*" if any(str(r) == "*" for r in resources) else "its resources"
            self.drivers.append(f"{action} on {where} ({fn}, {self.where(line)})")

    def resources_named(self, section: str, res: Any, line: int | None) -> list[str]:
        if str(res) == "*":
            return list(self.sections[section])
        text = str(res)
        if "/stream/" in text or ".StreamArn}" in text:
            return []  # a table's stream: read by an event source mapping, free
        targets = [x for x in sorted(cfn.refs(res)) if x in self.sections[section]]
        if targets:
            return targets
        if section in ARN_PART and ARN_PART[section] in text:
            name = text.split(ARN_PART[section], 1)[1].split("/")[0]
            if section in ("queues", "topics"):
                name = text.rsplit(":", 1)[-1]
            if "${" in name:  # named after another resource's value (a nested stack's output): known once deployed
                note = (
                    f"a policy names a {section[:-1]} known only once deployed ({name}, {self.where(line)}): not read"
                )
                if note not in self.notes:
                    self.notes.append(note)
                return []
            if "*" in name:
                return [x for x in self.sections[section] if fnmatch.fnmatchcase(self.physical(section, x), name)]
            found = self.resolve_name(section, name, line)
            return [found] if found else []
        return []

    def uses_of(self, feature: str, fn: str | None) -> None:
        """The operations of count 0 a feature's function may make: what its policies allow."""
        if fn is None:
            return
        acc = self.access(fn)
        item = self.features[feature]
        ops = []
        for table, verbs in sorted(acc.allowed.get("tables", {}).items()):
            where = self.where(acc.lines[("tables", table)])
            for verb in ("reads", "writes"):
                if verb in verbs:
                    ops.append(({"table": table, verb: 0}, f"{fn} may {verb[:-1]} {table} ({where}): to fill in"))
                    self.rows.append(
                        Row(
                            fn,
                            "policy",
                            f"features.{feature}.dynamodb.{table}.{verb}",
                            0,
                            acc.lines[("tables", table)],
                            "to fill in",
                        )
                    )
        if ops:
            item.fields.append(("dynamodb", ops, ""))
        for section, key, build in (
            ("queues", "sqs", lambda n: {"queue": n, "messages": 0}),
            ("topics", "sns", lambda n: {"topic": n, "publishes": 0}),
            ("event_buses", "eventbridge", lambda n: {"bus": n, "events": 0}),
            ("state_machines", "stepfunctions", lambda n: {"machine": n, "executions": 0}),
            ("buckets", "s3", lambda n: {"bucket": n, "puts": 0, "gets": 0}),
        ):
            uses = []
            for name in sorted(acc.allowed.get(section, {})):
                where = self.where(acc.lines[(section, name)])
                uses.append((build(name), f"{fn} is allowed to use {name} ({where}): to fill in"))
                self.rows.append(
                    Row(fn, "policy", f"features.{feature}.{key}.{name}", 0, acc.lines[(section, name)], "to fill in")
                )
            if uses:
                existing = next((f for f in item.fields if f[0] == key), None)
                if existing:
                    existing[1].extend(uses)
                else:
                    item.fields.append((key, uses, ""))

    def policy_only_features(self) -> None:
        """Read every function's policies (for the header's cost drivers), features or not."""
        for fn in self.sections["functions"]:
            self.access(fn)

    # -- writing

    def write(self) -> str:
        t = self.t
        out = [f"# Written by unitcost init from {_comment(t.name)} ({t.kind} template)."]
        region = t.region if self.explicit_region else f"{t.region} (the default; --region to change)"
        out.append(f"# Region: {_comment(region)}. Each value's comment names the template line it came from;")
        out.append("# counts of 0 (and duration_ms) are for you, or `import --scenario`, to fill in.")
        out.append("# A route's or event's feature is one request or one invocation: it invokes its function once.")
        for n in self.notes:
            out.append(f"# NOTE: {_comment(n)}")
        if self.drivers:
            out.append("# Cost drivers the template cannot size (not in the scenario):")
            for d in dict.fromkeys(self.drivers):
                out.append(f"#   {_comment(d)}")
        if self.skipped:
            out.append("# Not read (no unitcost model, or no cost of their own):")
            for kind, ids in sorted(self.skipped.items()):
                out.append(f"#   {_comment(kind)}: {_comment(', '.join(ids))}")
        name = Path(t.name).name.split(".")[0] or "template"
        out.append(f"name: {_scalar(name)}  # the template's file name")
        out.append(f"region: {_scalar(t.region)}")
        for section in ORDER:
            items = self.sections[section]
            if not items:
                continue
            out.append(f"{section}:")
            for key, item in items.items():
                _item(out, key, item)
        if self.features:
            out.append("features:")
            for key, item in self.features.items():
                _item(out, key, item)
            uses = ", ".join(f"{_key(f)}: 0" for f in self.features)
            out.append("tiers:")
            out.append("  users:  # one tier to fill in: users, price and uses per user of each feature")
            out.append("    users: 0")
            out.append("    price: 0")
            out.append(f"    uses: {{{uses}}}")
        text = "\n".join(out) + "\n"
        from models.scenario import loads  # the skeleton must be a scenario the project reads

        loads(text, source=f"scenario from {t.name}")
        return text


def _merge(glob: Any, own: Any) -> Any:
    if isinstance(glob, dict) and isinstance(own, dict):
        out = dict(glob)
        for k, v in own.items():
            # Keep the resource's own key object (it carries the line).
            gk = next((g for g in glob if g == k), None)
            if gk is not None:
                del out[gk]
            out[k] = _merge(glob[gk], v) if gk is not None and k != "Architectures" else v
        return out
    if isinstance(glob, list) and isinstance(own, list):
        return glob + own
    return own


def _plain(v: Any) -> Any:
    return v if isinstance(v, bool | int | float) else str(v)


def _comment(text: str) -> str:
    """User text in a YAML comment: one line, no control characters."""
    return "".join(c if c.isprintable() else " " for c in str(text)).strip()


def _key(name: str) -> str:
    return name if NAME_TEXT.match(name) and name.lower() not in YAML_WORDS else json.dumps(name)


def _scalar(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_key(str(k))}: {_scalar(x)}" for k, x in v.items()) + "}"
    return _key(str(v))


def _item(out: list[str], key: str, item: Item) -> None:
    head = f"  {_key(key)}:"
    if not item.fields:
        out.append(f"{head} {{}}  # {_comment(item.comment)}")
        return
    out.append(f"{head}  # {_comment(item.comment)}")
    for k, v, comment in item.fields:
        tail = f"  # {_comment(comment)}" if comment else ""
        if isinstance(v, list):
            out.append(f"    {k}:{tail}")
            for entry, c in v:
                out.append(f"      - {_scalar(entry)}" + (f"  # {_comment(c)}" if c else ""))
        else:
            out.append(f"    {k}: {_scalar(v)}{tail}")

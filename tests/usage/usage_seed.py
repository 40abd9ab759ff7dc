"""Builders for a fake account in moto (server mode): functions, a WebSocket API, tables, tags, metrics.

All calls go through boto3 at AWS_ENDPOINT_URL, as the import's own calls do.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import boto3
import numpy as np

HOURS = 720
REGION = "us-east-1"


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.py", "def handler(event, context):\n    return {}\n")
    return buf.getvalue()


def role_arn() -> str:
    iam = boto3.client("iam", region_name=REGION)
    try:
        return iam.create_role(RoleName="unitcost-test", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        return iam.get_role(RoleName="unitcost-test")["Role"]["Arn"]


def create_function(
    name: str,
    role: str,
    memory_mb: int = 128,
    architecture: str = "x86_64",
    ephemeral_mb: int = 512,
    tags: dict | None = None,
) -> str:
    lam = boto3.client("lambda", region_name=REGION)
    f = lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": _zip()},
        MemorySize=memory_mb,
        Architectures=[architecture],
        EphemeralStorage={"Size": ephemeral_mb},
        Tags=tags or {},
    )
    return f["FunctionArn"]


def create_websocket_api(
    name: str,
    routes: dict[str, str | None],
    tags: dict | None = None,
    detailed_metrics: bool = True,
    stage: str = "Prod",
) -> str:
    """routes: route key -> the function ARN behind it (None: a mock integration)."""
    gw = boto3.client("apigatewayv2", region_name=REGION)
    api_id = gw.create_api(
        Name=name, ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action", Tags=tags or {}
    )["ApiId"]
    integrations: dict[str | None, str] = {}
    for key, fn_arn in routes.items():
        if fn_arn not in integrations:
            if fn_arn:
                uri = f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{fn_arn}/invocations"
                i = gw.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=uri)
            else:
                i = gw.create_integration(ApiId=api_id, IntegrationType="MOCK")
            integrations[fn_arn] = i["IntegrationId"]
        gw.create_route(ApiId=api_id, RouteKey=key, Target=f"integrations/{integrations[fn_arn]}")
    gw.create_stage(ApiId=api_id, StageName=stage, DefaultRouteSettings={"DetailedMetricsEnabled": detailed_metrics})
    return api_id


def create_table(
    name: str, gsis: tuple[str, ...] = (), provisioned: tuple[int, int] | None = None, tags: dict | None = None
) -> None:
    ddb = boto3.client("dynamodb", region_name=REGION)
    attrs = [{"AttributeName": "pk", "AttributeType": "S"}] + [
        {"AttributeName": f"k{i}", "AttributeType": "S"} for i in range(len(gsis))
    ]
    kw: dict = {
        "TableName": name,
        "AttributeDefinitions": attrs,
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()],
    }
    throughput = {"ReadCapacityUnits": provisioned[0], "WriteCapacityUnits": provisioned[1]} if provisioned else None
    if gsis:
        kw["GlobalSecondaryIndexes"] = [
            {
                "IndexName": g,
                "KeySchema": [{"AttributeName": f"k{i}", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
                **({"ProvisionedThroughput": throughput} if throughput else {}),
            }
            for i, g in enumerate(gsis)
        ]
    if provisioned:
        kw |= {"BillingMode": "PROVISIONED", "ProvisionedThroughput": throughput}
    else:
        kw["BillingMode"] = "PAY_PER_REQUEST"
    ddb.create_table(**kw)


def set_created(when: datetime, tables: tuple[str, ...] = (), apis: tuple[str, ...] = ()) -> None:
    """The creation time moto reports for these tables and APIs (no AWS call sets it). The moto server runs in
    this process (ThreadedMotoServer), so its backends are at hand."""
    from moto.apigatewayv2.models import apigatewayv2_backends
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    backend_tables = dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION].tables
    backend_apis = apigatewayv2_backends[DEFAULT_ACCOUNT_ID][REGION].apis
    for name in tables:
        backend_tables[name].created_at = when.astimezone(UTC).replace(tzinfo=None)  # moto: naive UTC
    for api_id in apis:
        backend_apis[api_id].created_date = when.astimezone().replace(tzinfo=None)  # moto: naive local time


def put_metrics(series: list[tuple[str, str, dict, np.ndarray]], start: datetime) -> int:
    """Hourly values (NaN = no datapoint) at half past each hour from `start`. Returns datapoints put."""
    cw = boto3.client("cloudwatch", region_name=REGION)
    by_ns: dict[str, list] = {}
    for namespace, metric, dims, values in series:
        for h, v in enumerate(values):
            if not np.isnan(v):
                by_ns.setdefault(namespace, []).append(
                    {
                        "MetricName": metric,
                        "Dimensions": [{"Name": k, "Value": val} for k, val in dims.items()],
                        "Timestamp": start + timedelta(hours=h, minutes=30),
                        "Value": float(v),
                    }
                )
    n = 0
    for namespace, data in by_ns.items():
        for i in range(0, len(data), 1000):
            cw.put_metric_data(Namespace=namespace, MetricData=data[i : i + 1000])
            n += len(data[i : i + 1000])
    return n


@dataclass
class ChatApp:
    """The e2e account: known hourly values for every series put, by (kind, name, metric)."""

    start: datetime
    api_id: str = ""
    series: dict[tuple, np.ndarray] = field(default_factory=dict)

    def total(self, key: tuple, window_start: datetime) -> float:
        """Sum over the import's window (it may have moved on by an hour since seeding)."""
        offset = int((window_start - self.start).total_seconds() // 3600)
        return float(np.nansum(self.series[key][max(0, offset) :]))


def seed_chat_app(start: datetime) -> ChatApp:
    """Tagged app=chat: chat-send, chat-connect, chat-idle (no data), WebSocket chatws, tables chat-conn
    (on demand, GSI roomIndex) and chat-msgs (provisioned 5/5, data only after day 10).
    Untagged, other prefix: other-fn, other-table."""
    role = role_arn()
    tag = {"app": "chat"}
    send = create_function("chat-send", role, memory_mb=256, architecture="arm64", ephemeral_mb=1024, tags=tag)
    connect = create_function("chat-connect", role, memory_mb=128, tags=tag)
    create_function("chat-idle", role, tags=tag)
    create_function("other-fn", role)
    app = ChatApp(start=start)
    app.api_id = create_websocket_api(
        "chatws", {"$connect": connect, "$disconnect": connect, "$default": send, "sendmessage": send}, tags=tag
    )
    create_table("chat-conn", gsis=("roomIndex",), tags=tag)
    create_table("chat-msgs", provisioned=(5, 5), tags=tag)
    create_table("other-table")
    # Created before the datapoints, as in a real account: else an import started in the hour after seeding
    # finds them created inside its window and counts only the datapoints from then on (there are none).
    set_created(start - timedelta(hours=1), ("chat-conn", "chat-msgs", "other-table"), (app.api_id,))

    h = np.arange(HOURS, dtype=float)
    day = h % 24
    late = np.where(h >= 240, 1.0, np.nan)  # chat-msgs: nothing in the first 10 days
    s = app.series
    s[("function", "chat-send", "Invocations")] = 100 + 10 * day
    s[("function", "chat-send", "Duration")] = (100 + 10 * day) * 120.4  # billed as 121 ms: 0.5% more
    s[("function", "chat-send", "ConcurrentExecutions")] = 3 + h % 5
    s[("function", "chat-send", "Throttles")] = np.where(h % 50 == 0, 2.0, 0.0)
    s[("function", "chat-send", "Errors")] = np.where(h % 100 == 0, 1.0, 0.0)
    s[("function", "chat-connect", "Invocations")] = 20 + day
    s[("function", "chat-connect", "Duration")] = (20 + day) * 30.0
    s[("websocket", "chatws", "ConnectCount")] = 10 + day // 2
    s[("websocket", "chatws", "MessageCount")] = 500 + 20 * day
    s[("route", "$default", "MessageCount")] = 60 + 5 * day
    s[("route", "sendmessage", "MessageCount")] = 40 + 5 * day
    s[("table", "chat-conn", "ConsumedReadCapacityUnits")] = 50 + (h % 10) * 0.5
    s[("table", "chat-conn", "ConsumedWriteCapacityUnits")] = 30 + day
    s[("gsi", "roomIndex", "ConsumedReadCapacityUnits")] = 10.0 + 0 * h
    s[("gsi", "roomIndex", "ConsumedWriteCapacityUnits")] = 30 + day
    s[("table", "chat-msgs", "ConsumedReadCapacityUnits")] = 5.0 * late
    s[("table", "chat-msgs", "ConsumedWriteCapacityUnits")] = 2.0 * late

    dims = {
        "chat-send": ("AWS/Lambda", {"FunctionName": "chat-send"}),
        "chat-connect": ("AWS/Lambda", {"FunctionName": "chat-connect"}),
        "chatws": ("AWS/ApiGateway", {"ApiId": app.api_id}),
        "$default": ("AWS/ApiGateway", {"ApiId": app.api_id, "Stage": "Prod", "Route": "$default"}),
        "sendmessage": ("AWS/ApiGateway", {"ApiId": app.api_id, "Stage": "Prod", "Route": "sendmessage"}),
        "chat-conn": ("AWS/DynamoDB", {"TableName": "chat-conn"}),
        "roomIndex": ("AWS/DynamoDB", {"TableName": "chat-conn", "GlobalSecondaryIndexName": "roomIndex"}),
        "chat-msgs": ("AWS/DynamoDB", {"TableName": "chat-msgs"}),
    }
    put_metrics([(dims[name][0], metric, dims[name][1], v) for (_, name, metric), v in s.items()], start)
    # Noise the import must not pick up: another function's metrics, and the same metric name in a custom
    # namespace with other dimensions.
    put_metrics(
        [
            ("AWS/Lambda", "Invocations", {"FunctionName": "other-fn"}, np.full(HOURS, 7.0)),
            ("Custom", "Invocations", {"FunctionName": "chat-send", "Env": "x"}, np.full(HOURS, 1000.0)),
        ],
        start,
    )
    return app

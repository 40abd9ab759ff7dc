"""Read-only discovery of an application's Lambda functions, WebSocket APIs and DynamoDB tables.

Resources are selected by tag, by CloudFormation stack, by name prefix, or all in the region. Access denied
on one API or one resource does not stop the import: it is recorded in `Inventory.missing` with the IAM
permission it needs, and the rest is read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import botocore.exceptions as bexc

from usage import aws
from usage.errors import UsageError
from usage.inventory import FunctionConfig, Inventory, Missing, Route, Selector, TableConfig, WebsocketConfig

_FUNCTION_IN_URI = re.compile(r":function:([^:/]+)")


class _Reader:
    """Calls one AWS operation; access denied becomes a `Missing` entry, anything else a UsageError."""

    def __init__(self, session, missing: list[Missing]):
        self.session, self.missing, self.clients = session, missing, {}

    def client(self, service: str):
        if service not in self.clients:
            self.clients[service] = aws.client(self.session, service)
        return self.clients[service]

    def call(self, service: str, operation: str, what: str, **kwargs) -> dict | None:
        method = getattr(self.client(service), _snake(operation))
        try:
            return method(**kwargs)
        except (bexc.ClientError, bexc.BotoCoreError) as e:
            if aws.is_access_denied(e):
                self.missing.append(Missing(what, aws.permission_for(service, operation), "access denied"))
                return None
            raise aws.translate(e, service, operation) from None

    def pages(
        self, service: str, operation: str, what: str, items: str, token_in: str, token_out: str, **kwargs
    ) -> list[dict] | None:
        """All items of a paginated list call, following its token; None when access is denied.
        `items` is always in a page (aws.RESPONSE_NEEDS checks it)."""
        out: list[dict] = []
        token, seen = None, set()
        while True:
            page = self.call(service, operation, what, **kwargs, **({token_in: token} if token else {}))
            if page is None:
                return None
            out.extend(page[items])
            token = page.get(token_out)
            if not token:
                return out
            aws.check_new_token(token, seen, service, operation)


def _snake(operation: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()


def probe(session) -> None:
    """One cheap call with no retries: fail fast when the endpoint does not answer or credentials are bad."""
    try:
        aws.client(session, "lambda", probe=True).list_functions(MaxItems=1)
    except (bexc.ClientError, bexc.BotoCoreError) as e:
        if aws.is_access_denied(e) or aws.error_code(e) in aws.THROTTLE_CODES:
            return  # the endpoint answers; discovery records what is denied
        if isinstance(e, bexc.ClientError) and aws.error_code(e) not in aws.BAD_CREDENTIAL_CODES:
            return  # some other answer: the endpoint is alive, let discovery deal with it
        raise aws.translate(e, "lambda", "ListFunctions") from None


def discover(session, selector: Selector) -> Inventory:
    inv = Inventory(region=session.region_name, selector=selector)
    reader = _Reader(session, inv.missing)
    wanted = _select(reader, selector, inv)
    _functions(reader, inv, wanted)
    _websockets(reader, inv, wanted)
    _tables(reader, inv, wanted)
    return inv


@dataclass
class _Wanted:
    """Which resources the selector picked: a predicate per kind, plus the names it knows up front."""

    function: Callable[[str], bool]
    table: Callable[[str], bool]
    api: Callable[[dict], bool]
    function_names: set[str] | None = None  # known names (tag/stack), used when listing is denied
    table_names: set[str] | None = None


def _select(reader: _Reader, sel: Selector, inv: Inventory) -> _Wanted:
    if sel.kind == "all":
        return _Wanted(lambda n: True, lambda n: True, lambda a: True)
    if sel.kind == "prefix":
        p = sel.key
        return _Wanted(lambda n: n.startswith(p), lambda n: n.startswith(p), lambda a: a.get("Name", "").startswith(p))
    if sel.kind == "tag":
        fns, tables, api_ids = set(), set(), set()
        resources = (
            reader.pages(
                "resourcegroupstaggingapi",
                "GetResources",
                f"resources tagged {sel.key}={sel.value}",
                "ResourceTagMappingList",
                "PaginationToken",
                "PaginationToken",
                TagFilters=[{"Key": sel.key, "Values": [sel.value]}],
                ResourceTypeFilters=["lambda:function", "dynamodb:table", "apigateway"],
            )
            or []
        )
        for r in resources:
            _classify_arn(r["ResourceARN"], fns, tables, api_ids)

        def api_tagged(a: dict) -> bool:  # the tags on GetApis cover emulators whose tagging API omits APIs
            return a["ApiId"] in api_ids or a.get("Tags", {}).get(sel.key) == sel.value

        return _Wanted(fns.__contains__, tables.__contains__, api_tagged, fns, tables)
    if sel.kind == "stack":
        fns, tables, api_ids = set(), set(), set()
        _stack_resources(reader, sel.key, fns, tables, api_ids, depth=0, logical=inv.logical_ids)
        return _Wanted(fns.__contains__, tables.__contains__, lambda a: a["ApiId"] in api_ids, fns, tables)
    raise UsageError(f"unknown selector {sel.kind!r}")


def _classify_arn(arn: str, fns: set, tables: set, api_ids: set) -> None:
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return
    service, resource = parts[2], parts[5]
    if service == "lambda" and resource.startswith("function:"):
        fns.add(resource.split(":")[1])
    elif service == "dynamodb" and resource.startswith("table/") and "/index/" not in resource:
        tables.add(resource.split("/")[1])
    elif service == "apigateway" and resource.startswith("/apis/"):
        api_ids.add(resource.split("/")[2])


def _stack_resources(
    reader: _Reader, stack: str, fns: set, tables: set, api_ids: set, depth: int, logical: dict | None = None
) -> None:
    try:
        items = reader.pages(
            "cloudformation",
            "ListStackResources",
            f"resources of stack {stack}",
            "StackResourceSummaries",
            "NextToken",
            "NextToken",
            StackName=stack,
        )
    except UsageError as e:
        if depth == 0 and "does not exist" in e.message:
            raise UsageError(f"CloudFormation stack {stack!r} not found in this region") from None
        raise
    if items == []:  # a stack always has a resource: an empty listing is a bad response, not an empty app
        raise UsageError(
            f"cloudformation ListStackResources: the response lists no resources for stack {stack!r}; check "
            "AWS_ENDPOINT_URL and any proxy on the way, or try again later"
        )
    for r in items or []:
        kind, physical = r.get("ResourceType", ""), r.get("PhysicalResourceId", "")
        if not physical:
            continue
        name = physical
        if kind in ("AWS::Lambda::Function", "AWS::Serverless::Function"):
            name = physical.split(":function:")[-1].split(":")[0]
            fns.add(name)
        elif kind == "AWS::DynamoDB::Table":
            tables.add(physical)
        elif kind == "AWS::ApiGatewayV2::Api":
            api_ids.add(physical)
        elif kind == "AWS::CloudFormation::Stack" and depth < 5:  # nested stacks (SAM applications)
            _stack_resources(reader, physical, fns, tables, api_ids, depth + 1, logical)
        if logical is not None and r.get("LogicalResourceId"):  # `import --scenario` matches names by it
            logical.setdefault(name, r["LogicalResourceId"])


def _functions(reader: _Reader, inv: Inventory, wanted: _Wanted) -> None:
    listed = reader.pages(
        "lambda", "ListFunctions", "Lambda function configurations", "Functions", "Marker", "NextMarker"
    )
    if listed is None:
        for name in sorted(wanted.function_names or ()):  # known by tag/stack: metrics still work
            inv.functions[name] = FunctionConfig(name=name, config_known=False)
            inv.notes.append(f"function {name}: configuration unknown, assumed 128 MB x86_64, 512 MB storage")
        return
    for f in listed:
        if not wanted.function(f["FunctionName"]):
            continue
        inv.functions[f["FunctionName"]] = FunctionConfig(
            name=f["FunctionName"],
            memory_mb=int(f.get("MemorySize", 128)),
            architecture=(f.get("Architectures") or ["x86_64"])[0],
            ephemeral_storage_mb=int(f.get("EphemeralStorage", {}).get("Size", 512)),
        )
    _provisioned_concurrency(reader, inv)


def _provisioned_concurrency(reader: _Reader, inv: Inventory) -> None:
    client = reader.client("lambda")
    for fn in inv.functions.values():
        try:
            configs = []
            marker, seen = None, set()
            while True:
                page = client.list_provisioned_concurrency_configs(
                    FunctionName=fn.name, **({"Marker": marker} if marker else {})
                )
                configs.extend(page["ProvisionedConcurrencyConfigs"])
                marker = page.get("NextMarker")
                if not marker:
                    break
                aws.check_new_token(marker, seen, "lambda", "ListProvisionedConcurrencyConfigs")
        except (bexc.ClientError, bexc.BotoCoreError) as e:
            if aws.is_access_denied(e):
                inv.missing.append(
                    Missing(
                        "provisioned concurrency of Lambda functions",
                        aws.permission_for("lambda", "ListProvisionedConcurrencyConfigs"),
                        "access denied",
                    )
                )
                return  # every other function would be denied too
            code = aws.error_code(e)
            if code == "ResourceNotFoundException":  # deleted since it was listed
                continue
            if isinstance(e, bexc.ClientError) and code in ("404", "UnknownOperationException", "NotImplemented"):
                inv.notes.append("provisioned concurrency: not available at this endpoint; assumed none")
                return
            raise aws.translate(e, "lambda", "ListProvisionedConcurrencyConfigs") from None
        for c in configs:
            fn.provisioned_concurrency += int(
                c.get("AllocatedProvisionedConcurrentExecutions", c.get("RequestedProvisionedConcurrentExecutions", 0))
            )
            fn.provisioned_qualifiers.append(c["FunctionArn"].rsplit(":", 1)[-1])


def _websockets(reader: _Reader, inv: Inventory, wanted: _Wanted) -> None:
    apis = reader.pages("apigatewayv2", "GetApis", "API Gateway WebSocket APIs", "Items", "NextToken", "NextToken")
    for a in apis or []:
        if a.get("ProtocolType") != "WEBSOCKET" or not wanted.api(a):
            continue
        api = WebsocketConfig(api_id=a["ApiId"], name=a.get("Name") or a["ApiId"], created=_utc(a.get("CreatedDate")))
        what = f"routes and stages of WebSocket API {api.name}"
        integrations = (
            reader.pages("apigatewayv2", "GetIntegrations", what, "Items", "NextToken", "NextToken", ApiId=api.api_id)
            or []
        )
        target_fn = {}
        for i in integrations:
            m = _FUNCTION_IN_URI.search(i.get("IntegrationUri", ""))
            if m:
                target_fn[f"integrations/{i['IntegrationId']}"] = m.group(1)
        for r in (
            reader.pages("apigatewayv2", "GetRoutes", what, "Items", "NextToken", "NextToken", ApiId=api.api_id) or []
        ):
            api.routes.append(Route(key=r["RouteKey"], function=target_fn.get(r.get("Target", ""))))
        for s in (
            reader.pages("apigatewayv2", "GetStages", what, "Items", "NextToken", "NextToken", ApiId=api.api_id) or []
        ):
            api.stages.append(s["StageName"])
            default_on = s.get("DefaultRouteSettings", {}).get("DetailedMetricsEnabled", False)
            per_route = s.get("RouteSettings", {})
            detailed = [r.key for r in api.routes if per_route.get(r.key, {}).get("DetailedMetricsEnabled", default_on)]
            if detailed:
                api.detailed_routes[s["StageName"]] = detailed
        inv.websockets[api.api_id] = api


def _tables(reader: _Reader, inv: Inventory, wanted: _Wanted) -> None:
    if wanted.table_names is not None:
        names = sorted(wanted.table_names)
    else:
        listed = reader.pages(
            "dynamodb",
            "ListTables",
            "DynamoDB tables",
            "TableNames",
            "ExclusiveStartTableName",
            "LastEvaluatedTableName",
        )
        names = [n for n in listed or [] if wanted.table(n)]
    for name in names:
        try:
            d = reader.call("dynamodb", "DescribeTable", f"configuration of DynamoDB table {name}", TableName=name)
        except UsageError as e:
            if "ResourceNotFound" in e.message:  # deleted since it was listed or tagged
                inv.notes.append(f"table {name}: not found (deleted?); skipped")
                continue
            raise
        if d:
            inv.tables[name] = _table(name, d["Table"])
        else:
            inv.tables[name] = TableConfig(name=name, config_known=False)
            inv.notes.append(f"table {name}: configuration unknown, assumed on-demand, standard, 0 GB, no GSIs")


def _table(name: str, t: dict[str, Any]) -> TableConfig:
    mode = t.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED")  # absent on old provisioned tables
    gsis = t.get("GlobalSecondaryIndexes", [])
    provisioned = mode == "PROVISIONED"
    rcu = wcu = 0.0
    if provisioned:
        for part in [t, *gsis]:
            rcu += part.get("ProvisionedThroughput", {}).get("ReadCapacityUnits", 0)
            wcu += part.get("ProvisionedThroughput", {}).get("WriteCapacityUnits", 0)
    return TableConfig(
        name=name,
        capacity="provisioned" if provisioned else "on_demand",
        table_class="standard_ia"
        if t.get("TableClassSummary", {}).get("TableClass") == "STANDARD_INFREQUENT_ACCESS"
        else "standard",
        read_capacity=rcu,
        write_capacity=wcu,
        size_bytes=int(t.get("TableSizeBytes", 0)) + sum(int(g.get("IndexSizeBytes", 0)) for g in gsis),
        gsis=[g["IndexName"] for g in gsis],
        created=_utc(t.get("CreationDateTime")),
    )


def _utc(value: Any) -> datetime | None:
    return value.astimezone(UTC) if isinstance(value, datetime) else None

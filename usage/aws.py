"""boto3 sessions and clients for the import (its error type, `UsageError`, is in usage/errors.py).

The import only reads. Every operation it calls is listed in `PERMISSIONS` with the IAM action it needs;
`usage/iam-policy.json` grants exactly those (a test checks both against the calls really made).
`AWS_ENDPOINT_URL` is honoured by botocore itself, which is how tests point the import at moto.

Every 2xx response of a session from `make_session` is checked in one place before the code reads it: that
its body is the operation's (UTF-8, valid JSON or XML, each value of its shape's type) and has what the code
reads (`RESPONSE_NEEDS`). A bad one is asked again, then raises `BadResponse` naming the call; botocore alone
would read an empty or cut-short JSON body as {} (an account with nothing in it) or raise from its parser.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import botocore.exceptions as bexc
import botocore.session
from botocore.config import Config
from botocore.parsers import ResponseParserError, ResponseParserFactory
from botocore.utils import parse_timestamp

from usage.errors import UsageError, one_line

if TYPE_CHECKING:  # boto3 is imported where a session is made: the demo account, which the app opens on, needs none
    import boto3

# Adaptive mode backs off and slows the client down on throttling (ThrottlingException, 429, 503).
RETRY_CONFIG = Config(
    retries={"mode": "adaptive", "max_attempts": 8},
    connect_timeout=5,
    read_timeout=30,
)
# One quick try first, so a dead endpoint fails in a second instead of after 8 backed-off retries.
PROBE_CONFIG = Config(retries={"mode": "standard", "max_attempts": 1}, connect_timeout=3, read_timeout=10)

# (botocore service name, operation name) -> IAM action. The import calls nothing else.
PERMISSIONS: dict[tuple[str, str], str] = {
    ("lambda", "ListFunctions"): "lambda:ListFunctions",
    ("lambda", "ListProvisionedConcurrencyConfigs"): "lambda:ListProvisionedConcurrencyConfigs",
    ("apigatewayv2", "GetApis"): "apigateway:GET",
    ("apigatewayv2", "GetRoutes"): "apigateway:GET",
    ("apigatewayv2", "GetStages"): "apigateway:GET",
    ("apigatewayv2", "GetIntegrations"): "apigateway:GET",
    ("dynamodb", "ListTables"): "dynamodb:ListTables",
    ("dynamodb", "DescribeTable"): "dynamodb:DescribeTable",
    ("resourcegroupstaggingapi", "GetResources"): "tag:GetResources",
    ("cloudformation", "ListStackResources"): "cloudformation:ListStackResources",
    ("cloudwatch", "GetMetricData"): "cloudwatch:GetMetricData",
}

# What the code reads from each response: "A[].B" is a list A whose every item has a non-empty B; "A?" may be
# absent. A 200 without it is a bad response (retried, then an error naming the call), never an empty result:
# AWS always sends these keys, empty lists included.
RESPONSE_NEEDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("lambda", "ListFunctions"): ("Functions[].FunctionName",),
    ("lambda", "ListProvisionedConcurrencyConfigs"): ("ProvisionedConcurrencyConfigs[].FunctionArn",),
    ("apigatewayv2", "GetApis"): ("Items[].ApiId",),
    ("apigatewayv2", "GetRoutes"): ("Items[].RouteKey",),
    ("apigatewayv2", "GetStages"): ("Items[].StageName",),
    ("apigatewayv2", "GetIntegrations"): ("Items[].IntegrationId",),
    ("dynamodb", "ListTables"): ("TableNames",),
    ("dynamodb", "DescribeTable"): ("Table.TableName", "Table.GlobalSecondaryIndexes?[].IndexName"),
    ("resourcegroupstaggingapi", "GetResources"): ("ResourceTagMappingList[].ResourceARN",),
    ("cloudformation", "ListStackResources"): ("StackResourceSummaries[].ResourceType",),
    ("cloudwatch", "GetMetricData"): ("MetricDataResults[].Id",),
    ("ce", "GetCostAndUsage"): ("ResultsByTime[].TimePeriod.Start",),
    ("sts", "GetCallerIdentity"): ("Account",),
}
BAD_RESPONSE_TRIES = 3  # a bad 200 (cut short, a proxy's page...) is asked again, like a dropped connection
BAD_RESPONSE_DELAY_S = 0.5  # before the 2nd try; doubled before the 3rd
_BAD = "__unitcost_bad_response__"  # the parsed response's marker: what is wrong with it

ACCESS_DENIED_CODES = {
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedException",
    "AuthorizationError",
    "Forbidden",
    "ForbiddenException",
}
BAD_CREDENTIAL_CODES = {
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
}
THROTTLE_CODES = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "ProvisionedThroughputExceededException",
    "RequestThrottled",
    "RequestThrottledException",
    "LimitExceededException",
    "SlowDown",
}


class BadResponse(bexc.BotoCoreError):
    """A 200 whose body is not the operation's response (after BAD_RESPONSE_TRIES tries)."""

    fmt = "{service} {operation}: the response {problem}"


def permission_for(service: str, operation: str) -> str:
    return PERMISSIONS.get((service, operation), f"{service}:{operation}")


def utc_timestamp(value):
    """Response timestamps as UTC datetimes. botocore's default goes through dateutil's tzlocal, which took
    20 of 40 seconds parsing the 342,000 datapoints of a 200-function import; epoch numbers (what
    CloudWatch sends) are converted directly."""
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    return parse_timestamp(value).astimezone(UTC)


def make_session(profile: str | None = None, region: str | None = None) -> boto3.Session:
    """A session from the standard chain (env, profile, SSO...), checked for credentials and region.
    Every response its clients get is checked against the operation's shape (see `_CheckedParser`)."""
    import boto3

    core = botocore.session.get_session()
    parsers = _CheckedParsers()
    parsers.set_parser_defaults(timestamp_parser=utc_timestamp)
    core.register_component("response_parser_factory", parsers)
    core.register("needs-retry", _retry_bad_response)
    core.register("after-call", _raise_bad_response)
    try:
        session = boto3.Session(botocore_session=core, profile_name=profile, region_name=region)
        region_name = session.region_name
    except bexc.ProfileNotFound:
        raise UsageError(f"AWS profile {profile!r} not found in ~/.aws/config or ~/.aws/credentials") from None
    if not region_name:
        raise UsageError("no AWS region: pass --region, set AWS_DEFAULT_REGION, or set a region in the profile")
    try:
        credentials = session.get_credentials()
    except bexc.BotoCoreError as e:  # e.g. an expired SSO token, a broken credential_process
        raise UsageError(f"cannot load AWS credentials: {e}") from None
    if credentials is None:
        raise UsageError(
            "no AWS credentials found: set AWS_PROFILE (or pass --profile), or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY; or use --demo for the built-in demo account"
        )
    return session


class _CheckedParsers(ResponseParserFactory):
    def create_parser(self, protocol_name):
        return _CheckedParser(super().create_parser(protocol_name), protocol_name)


class _CheckedParser:
    """botocore's parser, made strict for 2xx responses. Left alone, the JSON parsers turn an empty, cut-short
    or non-JSON body into {} (an account with nothing in it), and the others raise KeyError, TypeError or
    UnicodeDecodeError from deep inside botocore. Here any of these becomes a parsed response carrying the
    problem, which `_retry_bad_response` asks again for and `_raise_bad_response` turns into BadResponse."""

    def __init__(self, inner, protocol: str):
        self.inner, self.protocol = inner, protocol

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def parse(self, response: dict, shape):
        meta = {"HTTPStatusCode": response["status_code"], "HTTPHeaders": response["headers"]}
        if response["status_code"] >= 300:
            try:
                return self.inner.parse(response, shape)
            except Exception:  # an error page botocore cannot read: the status still says what happened
                code = str(response["status_code"])
                return {"Error": {"Code": code, "Message": "unreadable error response"}, "ResponseMetadata": meta}
        if shape is None or shape.serialization.get("payload") or not _body_members(shape):
            return self.inner.parse(response, shape)
        problem = _unreadable(self.protocol, response["body"])
        if problem is None:
            try:
                parsed = self.inner.parse(response, shape)
            except ResponseParserError:
                problem = f"is not valid {_FORMATS.get(self.protocol, 'data')}"
            except Exception as e:  # KeyError, TypeError, ValueError from a body of another shape
                problem = f"does not have the shape of {shape.name} ({type(e).__name__})"
            else:
                problem = _wrong_type(parsed, shape, "")
                if problem is None:
                    return parsed
        return {_BAD: problem, "ResponseMetadata": meta}


_FORMATS = {"query": "XML", "rest-xml": "XML", "ec2": "XML", "smithy-rpc-v2-cbor": "CBOR"}


def _body_members(shape) -> bool:
    return any(m.serialization.get("location") is None for m in shape.members.values())


def _unreadable(protocol: str, body: bytes) -> str | None:
    if not body:
        return "is empty"
    if "cbor" in protocol:
        return None  # binary: its own parser says whether it reads
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "is not UTF-8 text"
    if protocol in ("json", "rest-json"):
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            return "is not valid JSON: cut short or malformed"
        if not isinstance(data, dict):
            return "is not a JSON object"
    return None


def _finite(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _text(v) -> bool:
    if not isinstance(v, str):
        return False
    try:
        v.encode("utf-8")  # a lone surrogate ("\ud800" in JSON) would fail later, writing the file
    except UnicodeEncodeError:
        return False
    return True


_SCALARS = {
    "string": (_text, "text"),
    "integer": (lambda v: isinstance(v, int) and not isinstance(v, bool), "a whole number"),
    "long": (lambda v: isinstance(v, int) and not isinstance(v, bool), "a whole number"),
    "float": (_finite, "a finite number"),
    "double": (_finite, "a finite number"),
    "boolean": (lambda v: isinstance(v, bool), "true or false"),
    "timestamp": (lambda v: isinstance(v, datetime), "a timestamp"),
    "blob": (lambda v: isinstance(v, bytes), "binary data"),
}


def _wrong_type(value, shape, where: str) -> str | None:
    """The first value of a parsed response whose type is not its shape's (None when all are right)."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return f"has {where} that is not an object"
        for name, member in shape.members.items():
            if name in value and (bad := _wrong_type(value[name], member, f"{where}.{name}" if where else name)):
                return bad
    elif kind == "list":
        if not isinstance(value, list):
            return f"has {where} that is not a list"
        check = _SCALARS.get(shape.member.type_name)
        if check and all(map(check[0], value)):  # the long lists (CloudWatch values): one pass
            return None
        for i, item in enumerate(value):
            if bad := _wrong_type(item, shape.member, f"{where}[{i}]"):
                return bad
    elif kind == "map":
        if not isinstance(value, dict):
            return f"has {where} that is not an object"
        for k, v in value.items():
            if not _text(k):
                return f"has a key of {where} that is not text"
            if bad := _wrong_type(v, shape.value, f"{where}[{k!r}]"):
                return bad
    elif kind in _SCALARS and not _SCALARS[kind][0](value):
        return f"has {where} that is not {_SCALARS[kind][1]}"
    return None


def _lacks(value, path: str, where: str = "") -> str | None:
    """The first thing `path` (see RESPONSE_NEEDS) needs that `value` does not have, with its indexes."""
    head, _, rest = path.partition(".")
    each = head.endswith("[]")
    name = head.removesuffix("[]")
    optional = name.endswith("?")
    name = name.removesuffix("?")
    here = f"{where}.{name}" if where else name
    child = value.get(name) if isinstance(value, dict) else None
    if child is None or child == "":
        return None if optional else here
    if not rest:
        return None
    if each:
        for i, item in enumerate(child):
            if missing := _lacks(item, rest, f"{here}[{i}]"):
                return missing
        return None
    return _lacks(child, rest, here)


def response_problem(model, parsed: dict) -> str | None:
    """What is wrong with a parsed 2xx response of operation `model`, or None."""
    if _BAD in parsed:
        return parsed[_BAD]
    for path in RESPONSE_NEEDS.get((model.service_model.service_name, model.name), ()):
        if missing := _lacks(parsed, path):
            return f"has no {missing}"
    return None


def _status(http_response) -> int:
    return getattr(http_response, "status_code", 200) or 200


def _retry_bad_response(response=None, attempts: int = 1, operation=None, **_):
    """botocore's needs-retry hook: a delay asks again."""
    if response is None or operation is None or _status(response[0]) >= 300 or attempts >= BAD_RESPONSE_TRIES:
        return None
    return BAD_RESPONSE_DELAY_S * 2 ** (attempts - 1) if response_problem(operation, response[1]) else None


def _raise_bad_response(http_response=None, parsed=None, model=None, **_):
    """botocore's after-call hook: still bad after the retries."""
    if model is None or parsed is None or _status(http_response) >= 300:
        return
    problem = response_problem(model, parsed)
    if problem:
        tries = parsed.get("ResponseMetadata", {}).get("RetryAttempts", 0) + 1
        raise BadResponse(
            service=model.service_model.service_name, operation=model.name, problem=f"{problem} ({tries} tries)"
        )


def check_new_token(token: str, seen: set, service: str, operation: str) -> None:
    """A page token given before would page forever (and CloudWatch bills every page)."""
    if token in seen:
        raise UsageError(
            f"{service} {operation}: the response repeats the page token of an earlier page; "
            "check AWS_ENDPOINT_URL and any proxy on the way, or try again later"
        )
    seen.add(token)


def has_credentials(profile: str | None = None) -> bool:
    """Whether the standard chain finds credentials and a region (nothing is called on AWS)."""
    try:
        make_session(profile)
    except UsageError:
        return False
    return True


def client(session: boto3.Session, service: str, probe: bool = False):
    return session.client(service, config=PROBE_CONFIG if probe else RETRY_CONFIG)


def is_access_denied(error: Exception) -> bool:
    if not isinstance(error, bexc.ClientError):
        return False
    code = error.response.get("Error", {}).get("Code", "")
    return code in ACCESS_DENIED_CODES or (
        error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 403 and code not in BAD_CREDENTIAL_CODES
    )


def error_code(error: Exception) -> str:
    if isinstance(error, bexc.ClientError):
        return error.response.get("Error", {}).get("Code", "") or str(
            error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "")
        )
    return type(error).__name__


def translate(error: Exception, service: str, operation: str) -> UsageError:
    """One readable UsageError for a boto error raised by `service.operation`."""
    action = permission_for(service, operation)
    if isinstance(error, UsageError):
        return error
    if isinstance(error, bexc.NoCredentialsError | bexc.PartialCredentialsError):
        return UsageError("no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY")
    if isinstance(error, bexc.NoRegionError):
        return UsageError("no AWS region: pass --region or set AWS_DEFAULT_REGION")
    if isinstance(
        error,
        bexc.EndpointConnectionError | bexc.ConnectTimeoutError | bexc.ReadTimeoutError | bexc.ConnectionClosedError,
    ):
        where = getattr(error, "kwargs", {}).get("endpoint_url")
        endpoint = f"the AWS endpoint {where}" if where else "the AWS endpoint"
        return UsageError(
            f"{endpoint} is not answering ({service} {operation}); check the network, AWS_ENDPOINT_URL and --region"
        )
    if isinstance(error, bexc.ClientError):
        code = error_code(error)
        if is_access_denied(error):
            return UsageError(f"access denied: {operation} needs the IAM permission {action}", permission=action)
        if code in BAD_CREDENTIAL_CODES:
            return UsageError(f"AWS rejected the credentials ({code}): refresh them or pick another profile")
        if code in THROTTLE_CODES:
            return UsageError(f"AWS kept throttling {service} {operation} after 8 tries; try again in a minute")
        message = error.response.get("Error", {}).get("Message", "") or str(error)
        return UsageError(f"{service} {operation} failed: {code}: {one_line(message)}")
    if isinstance(error, BadResponse):
        return UsageError(f"{error}; check AWS_ENDPOINT_URL and any proxy on the way, or try again later")
    if isinstance(error, bexc.BotoCoreError):
        return UsageError(f"{service} {operation} failed: {one_line(str(error))}")
    return UsageError(f"{service} {operation} failed: {type(error).__name__}: {one_line(str(error))}")

"""boto3 sessions and clients for the import, and one error type for everything that can go wrong.

The import only reads. Every operation it calls is listed in `PERMISSIONS` with the IAM action it needs;
`usage/iam-policy.json` grants exactly those (a test checks both against the calls really made).
`AWS_ENDPOINT_URL` is honoured by botocore itself, which is how tests point the import at moto.
"""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import botocore.exceptions as bexc
import botocore.session
from botocore.config import Config
from botocore.utils import parse_timestamp

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


class UsageError(Exception):
    """An import problem worth one clear sentence to a person (the CLI exits 2 with it)."""

    def __init__(self, message: str, permission: str | None = None):
        super().__init__(message)
        self.message = message
        self.permission = permission  # the IAM action that was denied, when that is the problem


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
    """A session from the standard chain (env, profile, SSO...), checked for credentials and region."""
    core = botocore.session.get_session()
    core.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=utc_timestamp)
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
        return UsageError(f"{service} {operation} failed: {code}: {message}")
    if isinstance(error, bexc.BotoCoreError):
        return UsageError(f"{service} {operation} failed: {error}")
    return UsageError(f"{service} {operation} failed: {type(error).__name__}: {error}")

"""The AWS Price List Query API (boto3 `pricing`): the products of an offer in a region, and the regions it has.

Read only, and no billing permissions: `pricing:GetProducts` and `pricing:GetAttributeValues`. The API has
endpoints in us-east-1, eu-central-1 and ap-south-1 (the endpoint is not the priced region: that is the
`regionCode` filter); `AWS_ENDPOINT_URL` is honoured by botocore. Throttling is retried (adaptive mode).
"""

from __future__ import annotations

from collections.abc import Callable

import boto3
import botocore.exceptions as bexc

from pricing.pricelist import products_from_price_list
from usage.aws import RETRY_CONFIG, UsageError, translate

ENDPOINT_REGION = "us-east-1"
PAGE_SIZE = 100  # the most GetProducts returns per call
PERMISSIONS = {"GetProducts": "pricing:GetProducts", "GetAttributeValues": "pricing:GetAttributeValues"}

Progress = Callable[[str], None]


def pricing_client(profile: str | None = None, endpoint_region: str = ENDPOINT_REGION):
    """A `pricing` client from the standard credential chain, checked for credentials."""
    try:
        session = boto3.Session(profile_name=profile)
    except bexc.ProfileNotFound:
        raise UsageError(f"AWS profile {profile!r} not found in ~/.aws/config or ~/.aws/credentials") from None
    try:
        credentials = session.get_credentials()
    except bexc.BotoCoreError as e:  # an expired SSO token, a broken credential_process
        raise UsageError(f"cannot load AWS credentials: {e}") from None
    if credentials is None:
        raise UsageError(
            "no AWS credentials found: set AWS_PROFILE (or pass --profile), or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY; without credentials, download the offer files and use --from-file"
        )
    return session.client("pricing", region_name=endpoint_region, config=RETRY_CONFIG)


def get_products(
    client, offer: str, region: str, filters: list[dict] | None = None, progress: Progress | None = None
) -> list[dict]:
    """Every product of `offer` whose `regionCode` is `region` (plus any extra TERM_MATCH `filters`, e.g.
    `{"Type": "TERM_MATCH", "Field": "productFamily", "Value": "Serverless"}`), as parsed dicts."""
    params = {
        "ServiceCode": offer,
        "Filters": [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": region}, *(filters or [])],
        "FormatVersion": "aws_v1",
        "MaxResults": PAGE_SIZE,
    }
    products: list[dict] = []
    pages = 0
    while True:
        page = _call(client, "get_products", "GetProducts", **params)
        products += products_from_price_list(page.get("PriceList", []))
        pages += 1
        if progress:
            progress(f"{offer} {region}: {len(products)} products ({pages} page{'s' * (pages > 1)})")
        token = page.get("NextToken")
        if not token:
            return products
        params["NextToken"] = token


def region_codes(client, offer: str = "AWSLambda") -> list[str]:
    """The regions the Price List has for an offer (GetAttributeValues of `regionCode`)."""
    params = {"ServiceCode": offer, "AttributeName": "regionCode", "MaxResults": PAGE_SIZE}
    values: list[str] = []
    while True:
        page = _call(client, "get_attribute_values", "GetAttributeValues", **params)
        values += [v["Value"] for v in page.get("AttributeValues", []) if v.get("Value")]
        token = page.get("NextToken")
        if not token:
            return sorted(set(values))
        params["NextToken"] = token


def _call(client, method: str, operation: str, **params) -> dict:
    try:
        return getattr(client, method)(**params)
    except (bexc.BotoCoreError, bexc.ClientError) as e:
        raise translate(e, "pricing", operation) from None

"""Amazon S3: requests to and Standard storage in general purpose buckets.

Scenario:
  buckets:  {NAME: {storage_gb: 0}}                                       S3 Standard, monthly average GB
  features: NAME: {s3: [{bucket: B, puts: 0, gets: 0}]}

Metering: every request is billed by its kind. PUT, COPY, POST and LIST are Tier 1 requests
(`Requests-Tier1`), GET, HEAD and all other billed requests Tier 2 (`Requests-Tier2`); `puts` and `gets`
count them per use. Storage is the bucket's average GB over the month (the bill's GB-months, from
TimedStorage-ByteHrs, 1 GB = 1024^3 bytes): a fixed cost of the bucket, declared by `fixed`, that no
feature causes; the engine shares it, like every fixed cost, over the features in proportion to their
other costs. Other storage classes, data transfer, retrievals and management features are not
modelled. Event notifications to Lambda, SQS, SNS or EventBridge cost nothing in S3; the target bills
its own units (event-driven-services.md section 5).

Prices (us-east-1, AWS Price List offer AmazonS3, productFamily "API Request" and "Storage"):
  Tier 1 requests  $0.005 per 1,000 ($0.000005 per request; the Price List's unit is "Requests")
  Tier 2 requests  $0.0004 per 1,000 ($0.0000004 per request)
  Standard storage (volumeType "Standard") $0.023 per GB-month for the first 50 TB, $0.022 for the
                   next 450 TB, $0.021 over 500 TB. The breakpoints are binary: the Price List's
                   beginRange/endRange are 0-51200, 51200-512000 and 512000-Inf GB-Mo.
Sources: event-driven-services.md section 5 and aws-pricing.md section 7 (rows read from the Price List);
the tiers and units as in the us-east-1 offer file AmazonS3 (SKU WP9ANXZGBYYSGJEA, version 20260728131000,
quoted in a public Price List emulator; the same three bands in an aws-pricing-mcp-server capture of
version 20260223232215). The book's source entry "PL-s3" names them.
Caveat: the Infracost pricing API's copy of the offer (read 2026-10-08) also lists Intelligent-Tiering's
object overhead (volumeType INTAAS3ObjectOverhead, $0.021 flat) under usage type TimedStorage-ByteHrs and
productFamily "Storage". A Component cannot filter on volumeType, so a Price List refresh from the live
offer may find Standard storage ambiguous (the trimmed test fixture has no such product).
Free tier: S3's free offer is a legacy 12-month one, not an Always Free allowance (event-driven-services.md
section 0; aws-pricing.md section 0.1: every such offer has expired by now). It is not modelled: free_tier
on or off bills the same.

Quotas: S3 takes at least 3,500 PUT/COPY/POST/DELETE and 5,500 GET/HEAD requests per second per
partitioned prefix, and scales by partitioning busy prefixes further (S3 User Guide, "Best practices
design patterns: optimizing Amazon S3 performance",
https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html). The model has no
prefixes, so it checks each bucket against one prefix's rate: a floor, where a bucket beyond it needs
its keys spread over prefixes (and S3 time to partition), not a hard limit. `puts` includes LIST, which
that write rate does not name, so the write check errs on the safe side.
"""

from __future__ import annotations

from dataclasses import dataclass

from pricing.service import Component, Quota, amount, ref

NAME = "s3"
TITLE = "Amazon S3"
ORDER = 90
BILL_NAMES = ("simplestorageservice",)  # Cost Explorer's "Amazon Simple Storage Service"

SECTION = "buckets"


@dataclass(frozen=True)
class Resource:
    """A bucket: the GB it stores."""

    storage_gb: float = amount(0.0, help="Average GB stored in S3 Standard over the month, billed to the bucket")


USE = "s3"


@dataclass(frozen=True)
class Use:
    """Requests one use makes on a bucket."""

    bucket: str = ref("buckets", "bucket")
    puts: float = amount(0.0, help="PUT, COPY, POST and LIST requests per use ($0.005 per 1,000)")
    gets: float = amount(0.0, help="GET, HEAD and all other requests per use ($0.0004 per 1,000)")


def use(u: Use, bucket: Resource, s) -> dict[str, float]:
    return {f"{NAME}.requests.tier1": u.puts, f"{NAME}.requests.tier2": u.gets}


def fixed(bucket: Resource, s) -> dict[str, float]:
    """The bucket's storage, a monthly quantity no feature causes (the engine shares it over all features)."""
    return {f"{NAME}.storage_gb_month.standard": bucket.storage_gb} if bucket.storage_gb else {}


OFFER = "AmazonS3"
COMPONENTS = (
    Component(
        f"{NAME}.requests.tier1",
        "requests_tier1",
        "PUT, COPY, POST, LIST requests",
        "request",
        OFFER,
        "Requests-Tier1",
        "API Request",
    ),
    Component(
        f"{NAME}.requests.tier2",
        "requests_tier2",
        "GET and all other requests",
        "request",
        OFFER,
        "Requests-Tier2",
        "API Request",
    ),
    Component(
        f"{NAME}.storage_gb_month.standard",
        "standard_storage",
        "Storage (S3 Standard)",
        "GB-month",
        OFFER,
        "TimedStorage-ByteHrs",
        "Storage",
    ),
)

QUOTAS = (
    Quota(
        "s3_write_requests_per_second",
        3500,
        "requests/s",
        "PUT/COPY/POST/DELETE requests per second per bucket (one partitioned prefix; S3 adds prefixes)",
        per_use=lambda u, b: u.puts,
        scope="resource",
        title="S3 write request rate",
        noun="bucket",
    ),
    Quota(
        "s3_read_requests_per_second",
        5500,
        "requests/s",
        "GET/HEAD requests per second per bucket (one partitioned prefix; S3 adds prefixes)",
        per_use=lambda u, b: u.gets,
        scope="resource",
        title="S3 read request rate",
        noun="bucket",
    ),
)

"""Amazon SNS: publishes to standard topics and their deliveries by protocol.

Scenario:
  topics:   {NAME: {type: standard}}                                     standard (default) | fifo
  features: NAME: {sns: [{topic: T, publishes: 1, message_kb: 1,
                          deliveries: {sqs: 0, lambda: 0, https: 0, email: 0}}]}   deliveries per publish

Metering: every started 64 KB of a publish's payload is one billed request (a 256 KB publish is 4), and
every started 64 KB of a delivered notification is one billed delivery (a 256 KB notification to one HTTP/S
endpoint is 4 deliveries). A delivery is per matching subscription, so `deliveries` is the fan-out after
filter policies, retries included if you know them.
Sources: publishes, the SNS FAQ (https://aws.amazon.com/sns/faqs/, a TR-locale copy) [AWS-page]: "Each 64KB chunk of
published data is billed as 1 request. For example, a single API call with a 256KB payload will be billed as
four requests." Deliveries, the SNS pricing page (https://aws.amazon.com/sns/pricing/) as transcribed in
third-party notes and cost calculators that cite it [3P, the page itself not read]: "Each 64KB chunk of
delivered data is billed as 1 request. For example, a single notification with a 256KB payload will be
billed as four deliveries." A payload is at most 256 KiB, or 1 MiB with the topic's MaximumMessageSize
(SNS Developer Guide, "Publishing large messages").

Prices (us-east-1, Price List offer AmazonSNS, book source PL-events): standard-topic requests $0.50 per
million (usage type Requests-Tier1) after 1M free a month; HTTP/S deliveries $0.60 per million
(DeliveryAttempts-HTTP) after 100,000 free; email deliveries $2.00 per 100,000 (DeliveryAttempts-SMTP) after
1,000 free. The free parts are Always Free: the Price List states them as $0 first bands of the regional
products, and AWS's free-tier reference lists SNS among the Always Free offers (book source sns-free).
Deliveries to SQS and Lambda (DeliveryAttempts-SQS, -LAMBDA) are free (PL-events): $0 components, so that
the review maps their usage types.
FIFO topics: no published FIFO price was found (only a third party's "$0.30 per million" publishes, and no
payload-per-GB rate), so the book has none and a scenario with a FIFO topic stops with the book's
"no price for sns requests_fifo" error rather than bill it as standard.

Quotas: the Publish API quota is per account and Region, counting messages of Publish and PublishBatch on
standard and FIFO topics together: 30,000 messages per second in us-east-1 (9,000 in us-west-2 and
eu-west-1, 1,500 or 300 elsewhere). Source: AWS General Reference, "Amazon Simple Notification Service
endpoints and quotas". A FIFO topic takes 300 messages per second: the SNS features page
(https://aws.amazon.com/sns/features/, "up to 300 messages per second or 10 MB per second per FIFO topic");
the General Reference now gives 300 per message group and 3,000 per topic when FifoThroughputScope is
Topic, so a topic spread over many message groups may raise it with `quotas:`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pricing.lines import blocks, used
from pricing.service import Component, Quota, amount, bill, choice, counts, ref

NAME = "sns"
TITLE = "Amazon SNS"
ORDER = 75
BILL_NAMES = ("simplenotificationservice", "sns")  # Cost Explorer's "Amazon Simple Notification Service"
CHUNK_KB = 64
PROTOCOLS = ("sqs", "lambda", "https", "email")

SECTION = "topics"


@dataclass(frozen=True)
class Resource:
    """A topic: standard or FIFO."""

    type: str = choice("standard", "fifo", help="FIFO topics: no FIFO price in the book; 300 publishes/s per topic")


USE = "sns"


@dataclass(frozen=True)
class Use:
    """What one use publishes to a topic, and the deliveries of each publish."""

    topic: str = ref("topics", "topic")
    publishes: float = amount(1.0, help="Messages published per use")
    message_kb: float = amount(1.0, high=1024, help="Payload per message; every 64 KB is one more request and delivery")
    deliveries: dict[str, float] = counts(*PROTOCOLS, help="Deliveries per publish, by protocol (after filters)")


def chunks(message_kb: float) -> int:
    """Billed requests per publish, and billed deliveries per notification: one per started 64 KB."""
    return blocks(message_kb, CHUNK_KB)


def use(u: Use, topic: Resource, s) -> dict[str, float]:
    n = u.publishes * chunks(u.message_kb)
    if topic.type == "fifo":
        return {f"{NAME}.requests.fifo": n}  # unpriced: lines() stops on it
    return {f"{NAME}.requests.standard": n} | {f"{NAME}.deliveries.{p}": n * u.deliveries[p] for p in PROTOCOLS}


OFFER = "AmazonSNS"
REQUESTS, DELIVERY = "API Request", "Message Delivery"
COMPONENTS = (
    Component(
        f"{NAME}.requests.standard",
        "requests",
        "Requests",
        "request",
        OFFER,
        "Requests-Tier1",
        REQUESTS,
        free="requests_free",
    ),
    Component(
        f"{NAME}.deliveries.https",
        "deliveries_http",
        "HTTP/S deliveries",
        "delivery",
        OFFER,
        "DeliveryAttempts-HTTP",
        DELIVERY,
        free="deliveries_http_free",
        price_list_units=("notification",),
    ),
    Component(
        f"{NAME}.deliveries.email",
        "deliveries_email",
        "Email deliveries",
        "delivery",
        OFFER,
        "DeliveryAttempts-SMTP",
        DELIVERY,
        free="deliveries_email_free",
        price_list_units=("notification",),
    ),
    Component(
        f"{NAME}.deliveries.sqs",
        "deliveries_sqs",
        "SQS deliveries",
        "delivery",
        OFFER,
        "DeliveryAttempts-SQS",
        DELIVERY,
        price_list_units=("notification",),
    ),
    Component(
        f"{NAME}.deliveries.lambda",
        "deliveries_lambda",
        "Lambda deliveries",
        "delivery",
        OFFER,
        "DeliveryAttempts-LAMBDA",
        DELIVERY,
        price_list_units=("notification",),
    ),
)


def lines(usage, prices) -> list:
    """The components' lines; a FIFO topic's publishes stop on the price the book does not have."""
    if used(np.asarray(usage[f"{NAME}.requests.fifo"], dtype=float)):
        prices.get(NAME, "requests_fifo")  # raises PriceError: no price for sns requests_fifo in <region>
    return bill(NAME, COMPONENTS, usage, prices)


QUOTAS = (
    Quota(
        "sns_publishes_per_second",
        30_000,
        "messages/s",
        "messages published per account and Region, Publish and PublishBatch, standard and FIFO topics "
        "(the us-east-1 default; 9,000 in us-west-2 and eu-west-1, 1,500 or 300 elsewhere)",
        per_use=lambda u, t: u.publishes,
        title="SNS publish rate",
    ),
    Quota(
        "sns_fifo_publishes_per_second",
        300,
        "messages/s",
        "messages published per FIFO topic (300 per message group)",
        per_use=lambda u, t: u.publishes,
        scope="resource",
        applies=lambda t: t.type == "fifo",
        title="SNS FIFO publish rate",
        noun="topic",
    ),
)


def drivers(feature, s, price: dict[str, float]) -> list[tuple[str, str, float, str, float]]:
    """64 KB chunking: the requests and deliveries a large message is billed beyond one each."""
    out = []
    for u in feature.uses.get(USE, ()):
        n = chunks(u.message_kb)
        if n == 1 or s.resources[SECTION][u.topic].type != "standard":
            continue
        why = f"a {u.message_kb:g} KB message is billed as {n} requests, and {n} deliveries per subscription"
        extra = u.publishes * (n - 1)
        meters = [(f"{NAME}.requests.standard", "request", extra)]
        meters += [(f"{NAME}.deliveries.{p}", "delivery", extra * u.deliveries[p]) for p in PROTOCOLS]
        for meter, unit, q in meters:
            if q > 0 and price.get(meter, 0.0) > 0:
                what = "requests" if unit == "request" else meter.rsplit(".", 1)[1] + " deliveries"
                out.append((f"64 KB chunks: {what} ({u.topic})", why, q, unit, q * price[meter]))
    return out

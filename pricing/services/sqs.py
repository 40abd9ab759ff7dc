"""Amazon SQS: requests to standard and FIFO queues.

Scenario:
  queues:   {NAME: {type: standard}}                                     standard (default) | fifo
  features: NAME: {sqs: [{queue: Q, messages: 1, message_kb: 1, batch_size: 1}]}

Metering: every API action is a request, and every started 64 KB of a request's payload is one more
(a 256 KB message is 4 requests). Each message is sent, received and deleted once: the send and the
receive carry the payload, the delete does not. A batch of up to 10 messages is one call whose payload
is the batch's, so per message: (2 x ceil(batch_size x message_kb / 64) + 1) / batch_size requests.
Empty receives of idle pollers are not modelled (give them as extra messages of 0 KB if you know them).
Source: https://aws.amazon.com/sqs/pricing/ (64 KB chunks; "API actions ... are billed as requests").

Prices: Standard $0.40 per million (first 100B a month, then $0.30, then $0.24 over 200B), FIFO $0.50
(then $0.40, $0.35 at the same breakpoints); the Always Free 1M requests a month is shared by both (split
in proportion to use). The Price List names the usage types Requests-RBP / Requests-FIFO-RBP in us-east-1
and <prefix>-Requests-Tier1 / -Requests-FIFO-Tier1 in other regions: both map to these meters.
Quota: a FIFO queue (without high throughput mode) takes 300 calls per second per API action; a
standard queue is "nearly unlimited". Source: SQS Developer Guide, "Quotas related to messages".
"""

from __future__ import annotations

from dataclasses import dataclass

from pricing.lines import blocks
from pricing.service import Component, Quota, amount, choice, ref

NAME = "sqs"
TITLE = "Amazon SQS"
ORDER = 70
BILL_NAMES = ("simplequeueservice", "sqs")  # Cost Explorer's "Amazon Simple Queue Service"
CHUNK_KB = 64
MAX_BATCH = 10
MAX_CALL_KB = 1024  # a message, and a batch's messages together, at most 1 MiB (SQS quotas: "Message size")

SECTION = "queues"


@dataclass(frozen=True)
class Resource:
    """A queue: standard or FIFO."""

    type: str = choice("standard", "fifo", help="FIFO queues cost more and take 300 calls/s per action")


USE = "sqs"


@dataclass(frozen=True)
class Use:
    """Messages one use sends through a queue, their size and batching."""

    queue: str = ref("queues", "queue")
    messages: float = amount(1.0, help="Messages sent per use (each is received and deleted once)")
    message_kb: float = amount(1.0, high=MAX_CALL_KB, help="Payload per message; every 64 KB of a call is one request")
    batch_size: float = amount(1.0, low=1, high=MAX_BATCH, integer=True, help="Messages per send/receive/delete call")

    def problem(self, given: set[str]) -> tuple[str, str] | None:
        batch_kb = self.batch_size * self.message_kb
        if batch_kb > MAX_CALL_KB + 1e-9:
            return (
                "batch_size",
                f"{self.batch_size:g} messages of {self.message_kb:g} KB make a {batch_kb:g} KB call; "
                f"a batch carries at most {MAX_CALL_KB} KB",
            )
        return None


def requests_per_message(message_kb: float, batch_size: float = 1) -> float:
    """Billed requests per message: send and receive carry the batch's payload in 64 KB chunks, delete is one."""
    chunks = blocks(batch_size * message_kb, CHUNK_KB)
    return (2 * chunks + 1) / batch_size


def use(u: Use, queue: Resource, s) -> dict[str, float]:
    return {f"{NAME}.requests.{queue.type}": u.messages * requests_per_message(u.message_kb, u.batch_size)}


OFFER, FAMILY = "AWSQueueService", "API Request"
COMPONENTS = (
    Component(
        f"{NAME}.requests.standard",
        "requests_standard",
        "Requests (Standard)",
        "request",
        OFFER,
        "Requests-RBP",
        FAMILY,
        free="requests_free",
        aliases=("Requests-Tier1",),
    ),
    Component(
        f"{NAME}.requests.fifo",
        "requests_fifo",
        "Requests (FIFO)",
        "request",
        OFFER,
        "Requests-FIFO-RBP",
        FAMILY,
        free="requests_free",
        aliases=("Requests-FIFO-Tier1",),
    ),
)

QUOTAS = (
    Quota(
        "sqs_fifo_calls_per_second",
        300,
        "calls/s",
        "SendMessage calls per FIFO queue (without high throughput mode)",
        per_use=lambda u, q: u.messages / u.batch_size,
        scope="resource",
        applies=lambda q: q.type == "fifo",
        title="SQS FIFO send rate",
        noun="queue",
    ),
)


def drivers(feature, s, price: dict[str, float]) -> list[tuple[str, str, float, str, float]]:
    """64 KB chunking: the requests a call is billed beyond one."""
    out = []
    for u in feature.uses.get(USE, ()):
        q = s.resources[SECTION][u.queue]
        meter = f"{NAME}.requests.{q.type}"
        chunks = blocks(u.batch_size * u.message_kb, CHUNK_KB)
        if chunks > 1:
            extra = u.messages * 2 * (chunks - 1) / u.batch_size
            out.append(
                (
                    f"64 KB request chunks ({u.queue})",
                    f"a {u.batch_size * u.message_kb:g} KB call is billed as {chunks} requests",
                    extra,
                    "request",
                    extra * price.get(meter, 0.0),
                )
            )
    return out

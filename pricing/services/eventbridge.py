"""Amazon EventBridge: custom events put on custom event buses.

Scenario:
  event_buses: {NAME: {}}                                                a custom event bus (no settings)
  features:    NAME: {eventbridge: [{bus: B, events: 1, event_kb: 1, entries_per_call: 1}]}

Metering: custom events are billed per event put on a bus, and every started 64 KB of an event's payload
is one more billed event (a 256 KB event is 4): ceil(event_kb / 64), at least 1, per event. Billing is per
event (PutEvents entry), not per call: batching entries into one PutEvents call lowers the calls, which the
PutEvents quota counts, and leaves the bill as it is. There is no free tier for custom events; events
that AWS services put on the default bus are ingested free and are not modelled here. Delivery to
other accounts ($1.00 per million, the page's worked example), Pipes, Scheduler, API destinations,
archive and replay, and schema discovery are not modelled.
Sources: https://aws.amazon.com/eventbridge/pricing/ ("each 64KB chunk of payload is billed as 1 event
(e.g. an event with a 256KB payload is billed as 4 events)"; AWS management events ingested free; read
via the CN copy, aws.amazon.com/cn/eventbridge/pricing); "charges are based on the number of events
published to EventBridge event buses" (https://repost.aws/knowledge-center/eventbridge-reduce-charges).

Prices: custom events $1.00 per million, one rate at every volume (the Price List rows quoted in
shared/reference/aws-pricing.md section 7 and 9.4: offer AWSEvents, productFamily "EventBridge", eventType
"Custom Event", usage type `USE1-Event-64K-Chunks`, prefixed even in us-east-1). The Price List unit
"64K-Chunks", operation PutEvents, and partner events sharing the usage type at the same price are as
third-party Price List filters and fixtures quote them (infracost-style `eventType`/`usagetype` filters).
Cost Explorer names the service "Amazon EventBridge"; older bills and the CUR say "CloudWatch Events".

Limits: a PutEvents entry is at most 256 KB, and the entries of one call together less than 256 KB; a
call carries 1 to 10 entries (EventBridge quotas page, "PutEvents entry size: Maximum 256KB"; PutEvents
API reference, Entries: 1 to 10 items). AWS announced 1 MB payloads for EventBridge event buses on
2026-01-29 (AWS Compute Blog, "More room to build: serverless services now support payloads up to
1 MB"), and a copy of the PutEvents API reference says the total must be less than 1MB; the quotas page
as read still says 256 KB, which is what the reader enforces (MAX_EVENT_KB).
Quota: "PutEvents throttle limit in transactions per second" (L-9B653E91), per account and Region across
all buses (re:Post QU5JzyVY7uRa-HWDgpmMtd-w), adjustable. Defaults by Region: 10,000 in us-east-1,
us-west-2, eu-west-1; 2,400 in us-east-2, eu-central-1, eu-south-2; 1,200 in us-west-1, ap-northeast-1,
ap-southeast-1, ap-southeast-2, eu-west-2; 600 in ap-east-1, ap-northeast-2, ap-south-1, ca-central-1,
eu-north-1, eu-west-3, sa-east-1; 400 in every other Region (https://docs.aws.amazon.com/eventbridge/
latest/userguide/eb-quota.html; the five levels as in awsdocs/amazon-eventbridge-user-guide eb-quota.md,
the Regions of each as in a markdown copy of the page). The Quota below carries them all
(PUTEVENTS_BY_REGION); `quotas: {eventbridge_putevents_calls_per_second: N}` sets a raised one.
"""

from __future__ import annotations

from dataclasses import dataclass

from pricing.lines import blocks
from pricing.service import Component, Quota, amount, ref

NAME = "eventbridge"
TITLE = "Amazon EventBridge"
ORDER = 80
# Cost Explorer's "Amazon EventBridge", older bills' "CloudWatch Events" (not "AmazonCloudWatch": logs)
BILL_NAMES = ("eventbridge", "cloudwatchevents")
CHUNK_KB = 64
MAX_EVENT_KB = 256  # PutEvents entry size, and the entries of one call together (quotas page)
MAX_ENTRIES = 10  # entries per PutEvents call (API reference)

SECTION = "event_buses"


@dataclass(frozen=True)
class Resource:
    """A custom event bus: nothing about it changes the price."""


USE = "eventbridge"


@dataclass(frozen=True)
class Use:
    """Custom events one use puts on a bus, their size and how many go in a call."""

    bus: str = ref("event_buses", "bus")
    events: float = amount(1.0, help="Custom events put on the bus per use (PutEvents entries)")
    event_kb: float = amount(1.0, high=MAX_EVENT_KB, help="Size of each event; every started 64 KB bills as one event")
    entries_per_call: float = amount(
        1.0, low=1, high=MAX_ENTRIES, integer=True, help="Events per PutEvents call: fewer calls, the same bill"
    )

    def problem(self, given: set[str]) -> tuple[str, str] | None:
        call_kb = self.entries_per_call * self.event_kb
        if call_kb > MAX_EVENT_KB + 1e-9:  # float noise: 10 x 25.6 KB is a full call, not over it
            return (
                "entries_per_call",
                f"{self.entries_per_call:g} entries of {self.event_kb:g} KB make a {call_kb:g} KB PutEvents call; "
                f"a call carries at most {MAX_EVENT_KB} KB",
            )
        return None


def billed_events(event_kb: float) -> int:
    """Billed events per event put on a bus: one per started 64 KB of its payload, at least one."""
    return blocks(event_kb, CHUNK_KB)


def use(u: Use, bus: Resource, s) -> dict[str, float]:
    return {f"{NAME}.events.custom": u.events * billed_events(u.event_kb)}


OFFER, FAMILY = "AWSEvents", "EventBridge"
COMPONENTS = (
    Component(
        f"{NAME}.events.custom",
        "events_custom",
        "Custom events",
        "event",
        OFFER,
        "Event-64K-Chunks",
        FAMILY,
        price_list_units=("64kchunk",),
    ),
)

# PutEvents transactions per second by Region (the quotas page; 400 in every Region not listed)
PUTEVENTS_BY_REGION = tuple(
    (region, tps)
    for tps, regions in (
        (10_000, "us-east-1 us-west-2 eu-west-1"),
        (2_400, "us-east-2 eu-central-1 eu-south-2"),
        (1_200, "us-west-1 ap-northeast-1 ap-southeast-1 ap-southeast-2 eu-west-2"),
        (600, "ap-east-1 ap-northeast-2 ap-south-1 ca-central-1 eu-north-1 eu-west-3 sa-east-1"),
    )
    for region in regions.split()
)

QUOTAS = (
    Quota(
        "eventbridge_putevents_calls_per_second",
        400,
        "calls/s",
        "PutEvents calls per account and Region, all buses together",
        per_use=lambda u, bus: u.events / u.entries_per_call,
        by_region=PUTEVENTS_BY_REGION,
        title="EventBridge PutEvents rate",
    ),
)


def drivers(feature, s, price: dict[str, float]) -> list[tuple[str, str, float, str, float]]:
    """64 KB chunking: the events an event is billed as beyond one."""
    out = []
    meter = f"{NAME}.events.custom"
    for u in feature.uses.get(USE, ()):
        chunks = billed_events(u.event_kb)
        if chunks > 1:
            extra = u.events * (chunks - 1)
            out.append(
                (
                    f"64 KB event chunks ({u.bus})",
                    f"a {u.event_kb:g} KB event is billed as {chunks} events",
                    extra,
                    "event",
                    extra * price.get(meter, 0.0),
                )
            )
    return out

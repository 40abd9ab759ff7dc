"""What every service module declares, and the one billing loop over its price components.

A service module (pricing/services/<name>.py) holds, top to bottom: what a scenario may say about the
service (its resource section and per-use key, as dataclasses whose fields carry their ranges), how
one use turns into metered quantities, its price components (book key, unit, Price List filter, free
allowance, the bill's usage type), its quotas, and what the Features editor shows. The registry
(pricing/services/__init__.py) finds the modules; the scenario reader and writer, the engine, the
bill of materials, the review, the Price List refresh, Cost Explorer and the capacity model iterate
over it and name no service.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from pricing.lines import Line, Prices, Usage, free_then_tiered, used

MAX_AMOUNT = 1e12  # as the scenario reader's bound: no count, size or price in a real workload comes near it


@dataclass(frozen=True)
class Component:
    """One priced quantity: a meter of the model, its price in the book and its line on the bill."""

    meter: str  # the usage quantity: "sqs.requests.standard"
    price: str  # the book's component: "requests_standard"
    name: str  # as on the AWS pricing page: "Requests (Standard)"
    unit: str  # the book's unit: "request"
    offer: str  # Price List service code: "AWSQueueService"
    usage_type: str  # the bill's usage type, region prefix left out: "Requests-RBP"
    family: str | None = None  # the Price List productFamily, where products of several families match
    free: str | None = None  # the book's Always Free allowance (region "global"); components naming one share it
    hourly: bool = False  # billed per hour: a longer month bills more of it
    also_billed_as: tuple[str, ...] = ()  # further usage types priced like this meter
    aliases: tuple[str, ...] = ()  # the same usage type's name in some regions (SQS: Requests-Tier1 outside us-east-1)
    price_list_units: tuple[str, ...] = ()  # Price List units accepted besides `unit`, lowercase, no punctuation


def bill(service: str, components: tuple[Component, ...], usage: Usage, prices: Prices) -> list[Line]:
    """Cost lines of a service: each component's quantity, its free part first, then the volume tiers.

    An allowance several components name (Lambda's 1M free requests over x86_64 and arm64) is split
    between them in proportion to their quantities: the expected split when usage accrues evenly
    through the month, whichever meter the bill happens to apply it to first.
    """
    out: list[Line] = []
    pools: dict[str, np.ndarray] = {}
    for c in components:
        if c.free:
            pools[c.free] = pools.get(c.free, 0.0) + np.asarray(usage[c.meter], dtype=float)
    for c in components:
        q = np.asarray(usage[c.meter], dtype=float)
        if not used(q):
            continue
        free: np.ndarray | float = 0.0
        if c.free:
            allowance = prices.allowance(service, c.free)
            total = pools[c.free]
            share = np.divide(q, total, out=np.zeros_like(total), where=total > 0)
            free = allowance * share
        new, _ = free_then_tiered(prices, service, c.price, q, c.name, c.unit, c.meter, free)
        out += new
    return out


# ---------------------------------------------------------------- the scenario's schema, declared on fields


def amount(default: float = 0.0, low: float = 0.0, high: float = MAX_AMOUNT, integer: bool = False, help: str = ""):
    """A number field: the reader checks it against [low, high] (and wholeness), the editor shows `help`."""
    return dataclasses.field(
        default=default, metadata={"kind": "number", "low": low, "high": high, "integer": integer, "help": help}
    )


def choice(default: str, *choices: str, help: str = ""):
    return dataclasses.field(default=default, metadata={"kind": "choice", "choices": (default, *choices), "help": help})


def counts(*keys: str, help: str = ""):
    """A mapping of fixed keys to numbers (SNS deliveries per protocol); keys left out are 0."""
    return dataclasses.field(
        default_factory=lambda: dict.fromkeys(keys, 0.0), metadata={"kind": "counts", "keys": keys, "help": help}
    )


def ref(section: str, what: str):
    """The name of a resource of `section`; may be left out when the scenario defines exactly one."""
    return dataclasses.field(default="", metadata={"kind": "ref", "section": section, "what": what})


def spec(f: dataclasses.Field) -> dict[str, Any]:
    return dict(f.metadata) or {"kind": "number", "low": 0.0, "high": MAX_AMOUNT, "integer": False, "help": ""}


@dataclass(frozen=True)
class Sized:
    """Capacity sized to the load at every user count and billed per hour (DynamoDB auto scaling, Lambda
    provisioned concurrency `auto`): max(minimum, ceil(peak units per second / target)) units, for `hours`
    a month."""

    meter: str
    per_use: dict[str, float]  # feature -> units of load per use
    minimum: float
    target: float  # the utilisation the capacity is sized for
    peak: float  # peak-to-average of the load
    hours: float  # hours a month the capacity is billed
    per_unit_hour: float = 1.0  # meter quantity one unit bills an hour: 1 unit-hour; GB-seconds of an environment

    def units(self, load_per_month):
        """Capacity units for a month's load (a number or an array of them)."""
        rate = np.asarray(load_per_month, dtype=float) * self.peak / (self.hours * 3600)
        return np.maximum(self.minimum, np.ceil(rate / self.target - 1e-9))

    def quantity(self, load_per_month):
        """What the sized capacity puts on its meter in a month."""
        return self.units(load_per_month) * self.hours * self.per_unit_hour


@dataclass(frozen=True)
class Quota:
    """A throughput limit: per-second peak of `per_use(use, resource)` against `default` (raised by `quotas:`).

    `scope` is "account" (all of the service's resources together) or "resource" (each on its own)."""

    limit: str
    default: float
    unit: str
    what: str
    per_use: Any  # (use, resource) -> amount per use of a feature
    scope: str = "account"
    applies: Any = None  # (resource) -> bool: a quota of only some resources (FIFO queues)
    by_region: tuple[tuple[str, float], ...] = ()  # defaults that differ by region: (("us-east-2", 2400), ...)
    title: str = ""  # its name for people: "SQS FIFO send rate" (the capacity tables show it beside `limit`)
    noun: str = ""  # what one resource of a per-resource quota is: "queue" (reads "queue orders")

    def default_in(self, region: str) -> float:
        return dict(self.by_region).get(region, self.default)

"""Amazon DynamoDB: on-demand request units, provisioned capacity and storage.

Meters, per table class c (standard, standard_ia):
  dynamodb.read_request_units.c           RRU of on-demand tables
  dynamodb.write_request_units.c          WRU of on-demand tables (GSI writes included)
  dynamodb.read_capacity_unit_hours.c     provisioned RCU x hours
  dynamodb.write_capacity_unit_hours.c    provisioned WCU x hours
  dynamodb.storage_gb_month.c             GB-months stored (1 GB = 1024^3 bytes)

Unit rules: a write is 1 WRU per 1 KB of item (rounded up), doubled when transactional; a read is
1 RRU per 4 KB (rounded up), half when eventually consistent, double when transactional; every
write also writes each GSI it updates, at 1x even in a transaction. Always Free: 25 GB-months of
Standard storage and the first 18,600 RCU-hours and WCU-hours of Standard provisioned capacity
(25 units x 744 hours), across all tables.
"""

from __future__ import annotations

from pricing.lines import Line, Prices, Usage, blocks, free_then_tiered

SERVICE = "dynamodb"
TABLE_CLASSES = ("standard", "standard_ia")
CONSISTENCY_FACTOR = {"eventual": 0.5, "strong": 1.0, "transactional": 2.0}

_COMPONENTS = (  # meter, unit, name
    ("read_request_units", "RRU", "Read request units"),
    ("write_request_units", "WRU", "Write request units"),
    ("read_capacity_unit_hours", "RCU-hour", "Read capacity unit-hours"),
    ("write_capacity_unit_hours", "WCU-hour", "Write capacity unit-hours"),
    ("storage_gb_month", "GB-month", "Storage"),
)
_PRICE_COMPONENT = {"storage_gb_month": "storage"}


def read_units(reads: float, item_kb: float, consistency: str = "eventual") -> float:
    # A read of a missing or tiny item still costs one 4 KB unit.
    return reads * blocks(item_kb, 4) * CONSISTENCY_FACTOR[consistency]


def write_units(writes: float, item_kb: float, transactional: bool = False) -> float:
    """Units on the base table only; see gsi_write_units for the indexes."""
    return writes * blocks(item_kb, 1) * (2 if transactional else 1)


def gsi_write_units(writes: float, item_kb: float, gsis: float) -> float:
    return writes * gsis * blocks(item_kb, 1)


def lines(usage: Usage, prices: Prices) -> list[Line]:
    out: list[Line] = []
    for c in TABLE_CLASSES:
        for meter, unit, name in _COMPONENTS:
            q = usage[f"{SERVICE}.{meter}.{c}"]
            component = f"{_PRICE_COMPONENT.get(meter, meter)}_{c}"
            has_free = c == "standard" and meter not in ("read_request_units", "write_request_units")
            free = prices.allowance(SERVICE, f"{component}_free") if has_free else 0.0
            label = name if c == "standard" else f"{name} (Standard-IA)"
            new, _ = free_then_tiered(prices, SERVICE, component, q, label, unit, f"{SERVICE}.{meter}.{c}", free)
            out += new
    return out

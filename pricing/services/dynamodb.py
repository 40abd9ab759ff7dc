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

from dataclasses import dataclass

from pricing.lines import blocks
from pricing.service import Component, Sized

NAME = SERVICE = "dynamodb"
TITLE = "Amazon DynamoDB"
ORDER = 40
TABLE_CLASSES = ("standard", "standard_ia")
CONSISTENCY_FACTOR = {"eventual": 0.5, "strong": 1.0, "transactional": 2.0}


def read_units(reads: float, item_kb: float, consistency: str = "eventual") -> float:
    # A read of a missing or tiny item still costs one 4 KB unit.
    return reads * blocks(item_kb, 4) * CONSISTENCY_FACTOR[consistency]


def write_units(writes: float, item_kb: float, transactional: bool = False) -> float:
    """Units on the base table only; see gsi_write_units for the indexes."""
    return writes * blocks(item_kb, 1) * (2 if transactional else 1)


def gsi_write_units(writes: float, item_kb: float, gsis: float) -> float:
    return writes * gsis * blocks(item_kb, 1)


OFFER = "AmazonDynamoDB"
_KINDS = (  # meter, price component, unit, name, usage type, productFamily, free in Standard, hourly
    (
        "read_request_units",
        "read_request_units",
        "RRU",
        "Read request units",
        "ReadRequestUnits",
        "Amazon DynamoDB PayPerRequest Throughput",
        False,
        False,
    ),
    (
        "write_request_units",
        "write_request_units",
        "WRU",
        "Write request units",
        "WriteRequestUnits",
        "Amazon DynamoDB PayPerRequest Throughput",
        False,
        False,
    ),
    (
        "read_capacity_unit_hours",
        "read_capacity_unit_hours",
        "RCU-hour",
        "Read capacity unit-hours",
        "ReadCapacityUnit-Hrs",
        "Provisioned IOPS",
        True,
        True,
    ),
    (
        "write_capacity_unit_hours",
        "write_capacity_unit_hours",
        "WCU-hour",
        "Write capacity unit-hours",
        "WriteCapacityUnit-Hrs",
        "Provisioned IOPS",
        True,
        True,
    ),
    ("storage_gb_month", "storage", "GB-month", "Storage", "TimedStorage-ByteHrs", "Database Storage", True, False),
)
COMPONENTS = tuple(
    Component(
        meter=f"{SERVICE}.{meter}.{c}",
        price=f"{component}_{c}",
        name=name if c == "standard" else f"{name} (Standard-IA)",
        unit=unit,
        offer=OFFER,
        usage_type=usage_type if c == "standard" else f"IA-{usage_type}",
        family=family,
        free=f"{component}_{c}_free" if free and c == "standard" else None,
        hourly=hourly,
    )
    for c in TABLE_CLASSES
    for meter, component, unit, name, usage_type, family, free, hourly in _KINDS
)


# ---------------------------------------------------------------- metering


@dataclass(frozen=True)
class Units:
    """Request units of one operation per use: the one place they are worked out (billing, capacity,
    designs and the review all read them from here)."""

    read: float  # RRU
    write: float  # WRU on the table itself
    gsi: float  # WRU on its global secondary indexes


def units_of(table, op) -> Units:
    if op.reads is not None:
        return Units(read_units(op.reads, op.item_kb, op.consistency), 0.0, 0.0)
    gsis = table.gsis if op.gsis is None else op.gsis
    return Units(
        0.0, write_units(op.writes, op.item_kb, op.transactional), gsi_write_units(op.writes, op.item_kb, gsis)
    )


def monthly_units(s, uses: dict[str, float]) -> dict[str, Units]:
    """Request units per month by table, at `uses` per feature."""
    out = {name: [0.0, 0.0, 0.0] for name in s.tables}
    for fname, f in s.features.items():
        for op in f.dynamodb:
            u = units_of(s.tables[op.table], op)
            acc = out[op.table]
            acc[0] += uses[fname] * u.read
            acc[1] += uses[fname] * u.write
            acc[2] += uses[fname] * u.gsi
    return {name: Units(*acc) for name, acc in out.items()}


def op_units(table, op) -> tuple[str, float]:
    """The meter and request units of one operation per use on an on-demand table, GSI writes included."""
    u = units_of(table, op)
    if op.reads is not None:
        return f"{SERVICE}.read_request_units.{table.table_class}", u.read
    return f"{SERVICE}.write_request_units.{table.table_class}", u.write + u.gsi


def per_use(feature, s) -> dict[str, float]:
    row: dict[str, float] = {}
    for op in feature.dynamodb:
        table = s.tables[op.table]
        if table.capacity == "provisioned":
            continue  # served by the provisioned capacity, billed per hour as a fixed cost
        meter, units = op_units(table, op)
        row[meter] = row.get(meter, 0.0) + units
    return row


def per_use_by_resource(feature, s) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for op in feature.dynamodb:
        table = s.tables[op.table]
        if table.capacity == "provisioned":
            continue
        meter, units = op_units(table, op)
        row = out.setdefault(op.table, {})
        row[meter] = row.get(meter, 0.0) + units
    return out


def fixed_all(s) -> dict[str, float]:
    """Storage and the fixed provisioned capacity of every table, whoever uses it."""
    out: dict[str, float] = {}
    for t in s.tables.values():
        for key, q in (
            (f"{SERVICE}.storage_gb_month.{t.table_class}", t.storage_gb),
            (
                f"{SERVICE}.read_capacity_unit_hours.{t.table_class}",
                0 if t.auto_read else t.read_capacity * s.hours_per_month,
            ),
            (
                f"{SERVICE}.write_capacity_unit_hours.{t.table_class}",
                0 if t.auto_write else t.write_capacity * s.hours_per_month,
            ),
        ):
            if q:
                out[key] = out.get(key, 0.0) + q
    return out


def _load(u: Units, kind: str) -> float:
    return u.read if kind == "read" else u.write + u.gsi


def sized(s) -> list[Sized]:
    """Auto-scaled provisioned capacity (`read_capacity: auto`): RCU sized to the table's reads, WCU to its writes
    and its GSIs' (each GSI is provisioned and scaled like its table; their units are counted together)."""
    out = []
    for name, t in s.tables.items():
        for kind in ("read", "write"):
            if t.capacity != "provisioned" or not t.auto(kind):
                continue
            load = {
                f: sum(_load(units_of(t, op), kind) for op in feat.dynamodb if op.table == name)
                for f, feat in s.features.items()
            }
            meter = f"{SERVICE}.{kind}_capacity_unit_hours.{t.table_class}"
            peak = t.peak_to_average or s.peak_to_average
            out.append(Sized(meter, load, t.minimum, t.target_utilization, peak, s.hours_per_month))
    return out


def drivers(feature, s, price: dict[str, float]) -> list[tuple[str, str, float, str, float]]:
    """GSI write amplification and item-size rounding of each operation."""
    out = []
    for op in feature.dynamodb:
        table = s.tables[op.table]
        on_demand = table.capacity == "on_demand"
        c = table.table_class
        if op.writes is not None:
            wru = price.get(f"{SERVICE}.write_request_units.{c}", 0.0) if on_demand else 0.0
            units = blocks(op.item_kb, 1)
            gsis = table.gsis if op.gsis is None else op.gsis
            gsi_units = units_of(table, op).gsi
            out.append(
                (
                    f"GSI write amplification ({op.table})",
                    f"every write also writes {gsis:g} global secondary index(es)"
                    + ("" if on_demand else "; served by provisioned capacity"),
                    gsi_units,
                    "WRU",
                    gsi_units * wru,
                )
            )
            waste = op.writes * (units - op.item_kb) * ((2 if op.transactional else 1) + gsis)
            out.append(
                (
                    f"Item-size rounding, writes ({op.table})",
                    f"a {op.item_kb:g} KB item is billed as {units} KB of 1 KB write units",
                    waste,
                    "WRU",
                    waste * wru,
                )
            )
        else:
            rru = price.get(f"{SERVICE}.read_request_units.{c}", 0.0) if on_demand else 0.0
            units = blocks(op.item_kb, 4)
            waste = op.reads * (units - op.item_kb / 4) * CONSISTENCY_FACTOR[op.consistency]
            out.append(
                (
                    f"Item-size rounding, reads ({op.table})",
                    f"a {op.item_kb:g} KB read is billed as {units} x 4 KB read units",
                    waste,
                    "RRU",
                    waste * rru,
                )
            )
    return out

"""A month's bill from a Cost and Usage Report: CUR 2.0 or FOCUS 1.2 Parquet, on DuckDB or on Athena.

One SQL query per report: the month's lines grouped by the keys asked for and the line type, summed in the engine
(the rows never come into Python; only the groups do). The same query text runs on DuckDB (embedded, over local
files: no server, no AWS cost) and on Athena (through boto3, `athena_query`), apart from a few functions.

The format is recognised from the columns (either engine):

    CUR 2.0 (Data Exports COST_AND_USAGE_REPORT)   FOCUS 1.2 (FOCUS_1_2_AWS)
    line_item_usage_account_id                    SubAccountId                  account
    line_item_product_code                        x_ServiceCode (ServiceName)   service ("AWSLambda")
    line_item_usage_type                          x_UsageType                   usage_type ("USE1-Lambda-GB-Second")
    line_item_resource_id                         ResourceId                    resource
    line_item_usage_amount                        ConsumedQuantity              usage_amount (usage lines only)
    line_item_unblended_cost                      BilledCost                    unblended_cost
    (by line type, below)                         EffectiveCost                 effective_cost
    line_item_line_item_type                      ChargeCategory                line type
    resource_tags (map)                           Tags (map, or JSON text)      tag:KEY
    bill_billing_period_start_date                BillingPeriodStart            the month
    (else line_item_usage_start_date)             (else ChargePeriodStart)      (or BILLING_PERIOD=YYYY-MM)

CUR 2.0's effective (amortised) cost by line type, as AWS amortises (Cost Explorer's AmortizedCost; the CUDOS
dashboards' formula): SavingsPlanCoveredUsage savings_plan_savings_plan_effective_cost; SavingsPlanNegation and
SavingsPlanUpfrontFee 0 (the negation offsets the covered lines' on-demand cost, the upfront fee is amortised into
their effective cost); SavingsPlanRecurringFee the unused commitment (savings_plan_total_commitment_to_date -
savings_plan_used_commitment); DiscountedUsage reservation_effective_cost; RIFee the unused reservation
(reservation_unused_amortized_upfront_fee_for_billing_period + reservation_unused_recurring_fee); a Fee line of a
reservation (reservation_reservation_a_r_n set: its upfront fee) 0; every other line (Usage, Credit, Tax, Refund...)
its unblended cost. A line type whose column the files lack is an error naming it, never a silent zero.

Tags: `tag:KEY` reads KEY, else `user_KEY` (CUR 2.0 writes user-defined tags so), else `user:KEY`.
The month: the BILLING_PERIOD=YYYY-MM folder where the files have one (Data Exports' layout; DuckDB reads it as a
hive partition and skips the other months' files), else the billing period start column.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from errors import UnitcostError
from models.review import parse_month

GROUP_KEYS = ("account", "service", "usage_type", "resource")
DEFAULT_GROUP_BY = ("account", "service", "usage_type")
CUR_USAGE_TYPES = ("Usage", "DiscountedUsage", "SavingsPlanCoveredUsage")  # lines whose quantity is usage
PERIOD_PARTITION = "billing_period"  # Data Exports' BILLING_PERIOD=YYYY-MM folders (names compared lowercase)
TAG_PREFIXES = ("", "user_", "user:")


class CurError(UnitcostError):
    """A bill that cannot be read: no such path, not Parquet, a month with no lines, columns missing, Athena.
    (Its own type, apart from usage.errors.UsageError: reading a bill is not an import.)"""

    def __init__(self, message: str, permission: str | None = None):
        super().__init__(message)
        self.permission = permission  # the IAM action that was denied, when that is the problem


# ---------------------------------------------------------------- formats


@dataclass(frozen=True)
class Format:
    name: str
    required: dict[str, tuple[str, ...]]  # role -> column names (the first one present is used)
    optional: dict[str, str]
    usage_lines: tuple[str, ...]  # line types whose quantity is usage


CUR2 = Format(
    "CUR 2.0",
    required={
        "account": ("line_item_usage_account_id",),
        "service": ("line_item_product_code",),
        "usage_type": ("line_item_usage_type",),
        "usage_amount": ("line_item_usage_amount",),
        "unblended": ("line_item_unblended_cost",),
        "line_type": ("line_item_line_item_type",),
        "period": ("bill_billing_period_start_date", "line_item_usage_start_date"),
    },
    optional={
        "resource": "line_item_resource_id",
        "tags": "resource_tags",
        "unit": "pricing_unit",
        "sp_effective": "savings_plan_savings_plan_effective_cost",
        "sp_commitment": "savings_plan_total_commitment_to_date",
        "sp_used": "savings_plan_used_commitment",
        "ri_effective": "reservation_effective_cost",
        "ri_unused_upfront": "reservation_unused_amortized_upfront_fee_for_billing_period",
        "ri_unused_recurring": "reservation_unused_recurring_fee",
        "ri_arn": "reservation_reservation_a_r_n",
    },
    usage_lines=CUR_USAGE_TYPES,
)
FOCUS = Format(
    "FOCUS 1.2",
    required={
        "account": ("SubAccountId",),
        "service": ("x_ServiceCode", "ServiceName"),
        "usage_amount": ("ConsumedQuantity",),
        "unblended": ("BilledCost",),
        "effective": ("EffectiveCost",),
        "line_type": ("ChargeCategory",),
        "period": ("BillingPeriodStart", "ChargePeriodStart"),
    },
    # x_UsageType is an AWS extension column, not FOCUS: without it usage_type is null (and so is meter)
    optional={"resource": "ResourceId", "tags": "Tags", "unit": "ConsumedUnit", "usage_type": "x_UsageType"},
    usage_lines=("Usage",),
)
# The CUR 2.0 line types whose effective cost needs an optional column (all of them present).
NEEDS = {
    "SavingsPlanCoveredUsage": ("sp_effective",),
    "SavingsPlanRecurringFee": ("sp_commitment", "sp_used"),
    "DiscountedUsage": ("ri_effective",),
    "RIFee": ("ri_unused_upfront", "ri_unused_recurring"),
}


def detect(columns: dict[str, str], source: str) -> Format:
    """CUR 2.0 or FOCUS 1.2, from the column names (lowercase -> type)."""
    if any(c.startswith("line_item_") for c in columns):
        return CUR2
    if {"billedcost", "effectivecost", "chargecategory"} & set(columns):
        return FOCUS
    raise CurError(
        f"{source}: neither CUR 2.0 columns (line_item_...) nor FOCUS 1.2 ones (BilledCost, EffectiveCost, "
        f"ChargeCategory); it has {_few(columns)}"
    )


def _few(names, limit: int = 8) -> str:
    names = list(names)
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "") or "none"


# ---------------------------------------------------------------- group-by keys


@dataclass(frozen=True)
class Key:
    name: str  # account | service | usage_type | resource | tag:KEY (and unit, for the review)
    tag: str | None = None
    optional: bool = False  # null where the source lacks its column, instead of an error


def parse_group_by(text: str | None) -> list[Key]:
    """'account,service,tag:feature' -> keys, in order, each once."""
    if text is None:
        return [Key(k) for k in DEFAULT_GROUP_BY]
    keys: list[Key] = []
    for part in (p.strip() for p in text.split(",")):
        if part.startswith("tag:") and part[4:].strip():
            key = Key(f"tag:{part[4:].strip()}", part[4:].strip())
        elif part in GROUP_KEYS:
            key = Key(part)
        else:
            raise CurError(
                f"--group-by: {part!r} is not one of {', '.join(GROUP_KEYS)} or tag:KEY (comma-separated)",
            )
        if key not in keys:
            keys.append(key)
    if not keys:
        raise CurError("--group-by needs at least one key")
    return keys


# ---------------------------------------------------------------- the query


@dataclass
class Plan:
    """The query of one report and what reading its answer needs."""

    sql: str
    format: Format
    keys: list[Key]
    missing: set[str]  # optional roles the source lacks
    columns: list[str]  # the source columns the query reads
    partitioned: bool  # the month is a partition: only its files are read


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def build(
    columns: dict[str, str],
    source_sql: str,
    source: str,
    month: str,
    keys: list[Key],
    dialect: str,
    tag: tuple[str, str] | None = None,
    accounts: tuple[str, ...] = (),
) -> Plan:
    """The one SQL query: month's lines grouped by `keys` and line type. `columns`: the source's column names
    (any case: both engines compare them case-blind) -> type; `dialect`: duckdb | athena; `tag`: (KEY, VALUE),
    only the lines carrying that tag; `accounts`: only these usage accounts (none: all)."""
    start, end = parse_month(month)
    real = {c.lower(): c for c in columns}
    types = {c.lower(): t.lower() for c, t in columns.items()}
    fmt = detect(types, source)
    col: dict[str, str] = {}
    lacking = []
    partitioned = PERIOD_PARTITION in real
    for role, names in fmt.required.items():
        found = next((n for n in names if n.lower() in real), None)
        if found is None and not (role == "period" and partitioned):
            lacking.append(" or ".join(names))
        elif found:
            col[role] = real[found.lower()]
    for role, name in fmt.optional.items():
        if name.lower() in real:
            col[role] = real[name.lower()]
    for k in keys:
        role = "tags" if k.tag is not None else k.name
        if role in ("resource", "tags") and role not in col and not k.optional:
            lacking.append(fmt.optional[role] + f" (for --group-by {k.name})")
    if tag and "tags" not in col:
        lacking.append(fmt.optional["tags"] + f" (for --tag {tag[0]}={tag[1]})")
    if lacking:
        raise CurError(f"{source}: {fmt.name} columns missing: {', '.join(lacking)}")
    read: list[str] = []

    def c(role: str) -> str:
        if col[role] not in read:
            read.append(col[role])
        return _ident(col[role])

    def num(role: str) -> str:
        return f"TRY_CAST({c(role)} AS DOUBLE)" if role in col else "CAST(NULL AS DOUBLE)"

    def key_sql(k: Key) -> str:
        if k.tag is None:
            return c(k.name) if k.name in col else "CAST(NULL AS VARCHAR)"  # `unit`, or an optional key
        if "tags" not in col:
            return "CAST(NULL AS VARCHAR)"
        tags, kind = c("tags"), types[col["tags"].lower()]
        if kind.startswith("map"):
            get = "element_at({}, {})" if dialect == "athena" else "map_extract_value({}, {})"
            keys_of = [_lit(p + k.tag) for p in TAG_PREFIXES]
        else:  # JSON text (FOCUS Tags in some exports), or a struct (a table whose tags were flattened): as JSON
            if kind.startswith(("struct", "row")):
                tags = f"json_format(CAST({tags} AS JSON))" if dialect == "athena" else f"to_json({tags})"
            get = "json_extract_scalar({}, {})" if dialect == "athena" else "json_extract_string({}, {})"
            keys_of = [_lit(_json_path(p + k.tag)) for p in TAG_PREFIXES]
        # an empty value is no tag (CUR writes '' where a resource lacks an activated tag): the next spelling, else null
        return "coalesce(" + ", ".join(f"nullif({get.format(tags, key)}, '')" for key in keys_of) + ")"

    lt = c("line_type")
    unblended = f"TRY_CAST({c('unblended')} AS DOUBLE)"
    if fmt is FOCUS:
        effective = f"TRY_CAST({c('effective')} AS DOUBLE)"
    else:
        fee = (
            f" WHEN {lt} = 'Fee' AND coalesce({c('ri_arn')}, '') <> '' THEN 0" if "ri_arn" in col else ""
        )  # a reservation's upfront fee: amortised into its DiscountedUsage lines
        effective = (
            f"CASE WHEN {lt} = 'SavingsPlanCoveredUsage' THEN {num('sp_effective')}"
            f" WHEN {lt} IN ('SavingsPlanNegation', 'SavingsPlanUpfrontFee') THEN 0"
            f" WHEN {lt} = 'SavingsPlanRecurringFee' THEN {num('sp_commitment')} - {num('sp_used')}"
            f" WHEN {lt} = 'DiscountedUsage' THEN {num('ri_effective')}"
            f" WHEN {lt} = 'RIFee' THEN {num('ri_unused_upfront')} + {num('ri_unused_recurring')}"
            f"{fee} ELSE {unblended} END"
        )
    usage_lines = ", ".join(_lit(t) for t in fmt.usage_lines)
    usage = f"CASE WHEN {lt} IN ({usage_lines}) THEN TRY_CAST({c('usage_amount')} AS DOUBLE) ELSE 0 END"
    total = "sum" if dialect == "athena" else "fsum"  # DuckDB's fsum: exact summation of doubles
    select = [f"{key_sql(k)} AS k{i}" for i, k in enumerate(keys)]
    select += [
        f"{lt} AS line_type",
        "count(*) AS lines",
        f"{total}({usage}) AS usage_amount",
        f"{total}({unblended}) AS unblended_cost",
        f"{total}({effective}) AS effective_cost",
        f"sum(CASE WHEN ({effective}) IS NULL THEN 1 ELSE 0 END) AS no_effective",
    ]
    if partitioned:
        where = f"{_ident(real[PERIOD_PARTITION])} = {_lit(month)}"
    else:
        period, kind = c("period"), types[col["period"].lower()]
        if kind.startswith(("varchar", "string", "char")):
            where = f"substr({period}, 1, 7) = {_lit(month)}"
        elif kind.startswith(("timestamp", "date")):
            where = f"{period} >= TIMESTAMP '{start} 00:00:00' AND {period} < TIMESTAMP '{end} 00:00:00'"
        else:
            raise CurError(f"{source}: {col['period']} is of type {kind}, not a timestamp")
    if tag:
        where += f" AND {key_sql(Key('tag:' + tag[0], tag[0]))} = {_lit(tag[1])}"
    if accounts:
        where += f" AND {c('account')} IN ({', '.join(_lit(a) for a in parse_accounts(accounts))})"
    groups = ", ".join(str(i + 1) for i in range(len(keys) + 1))
    sql = f"SELECT {', '.join(select)} FROM {source_sql} WHERE {where} GROUP BY {groups}"
    return Plan(sql, fmt, keys, set(fmt.optional) - set(col), read, partitioned)


def parse_accounts(ids) -> tuple[str, ...]:
    """--account values: 12-digit AWS account ids, each once, in order."""
    out: list[str] = []
    for a in ids:
        a = str(a).strip()
        if not re.fullmatch(r"\d{12}", a):
            raise CurError(f"--account needs a 12-digit AWS account id, got {a!r}")
        if a not in out:
            out.append(a)
    return tuple(out)


def _json_path(key: str) -> str:
    return '$."' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


# ---------------------------------------------------------------- the answer


@dataclass
class Actuals:
    month: str
    engine: str  # duckdb | athena
    source: str
    format: str
    keys: list[str]
    rows: list[dict]
    total_unblended: float
    total_effective: float
    line_types: dict[str, float]
    lines: int  # bill lines read
    sql: str
    athena: dict | None = None  # query id, bytes scanned, cost
    messages: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        out = {
            "month": self.month,
            "engine": self.engine,
            "source": self.source,
            "rows": self.rows,
            "total_unblended": self.total_unblended,
            "total_effective": self.total_effective,
            "line_types": self.line_types,
            "format": self.format,
            "group_by": self.keys,
            "lines": self.lines,
            "sql": self.sql,
        }
        if self.athena is not None:
            out["athena"] = self.athena
        return out


def _money(x: float) -> float:
    """A sum as it is: fsum (exact summation of the bill's doubles), not rounded (+ 0.0: no -0.0)."""
    return x + 0.0


def summarise(plan: Plan, result: list[tuple], month: str, engine: str, source: str) -> Actuals:
    """The report from the query's groups (keys..., line type, lines, usage, unblended, effective, no_effective)."""
    from usage.costexplorer import meter_of, meter_of_usage_type

    n = len(plan.keys)
    groups: dict[tuple, list[list[float]]] = {}
    line_types: dict[str, list[float]] = {}
    lines = 0
    for r in result:
        keys, (line_type, count, usage, unblended, effective, no_effective) = tuple(r[:n]), r[n:]
        count, no_effective = int(count or 0), int(no_effective or 0)
        lines += count
        line_type = line_type if line_type is not None else "(none)"
        for role in NEEDS.get(line_type, ()) if plan.format is CUR2 else ():
            if role in plan.missing:
                raise CurError(
                    f"{source}: {count} {line_type} line(s) in {month} but no {plan.format.optional[role]} column: "
                    "their effective cost is unknown"
                )
        if no_effective:
            raise CurError(
                f"{source}: {no_effective} {line_type} line(s) in {month} have no numeric effective cost "
                "(an empty cost column)"
            )
        g = groups.setdefault(keys, [[], [], []])
        for acc, x in zip(g, (usage, unblended, effective)):
            acc.append(float(x or 0.0))
        line_types.setdefault(line_type, []).append(float(unblended or 0.0))
    if not lines:
        raise CurError(f"{source}: no bill lines for {month}")
    rows = []
    for keys, (usage, unblended, effective) in groups.items():
        named = dict(zip((k.name for k in plan.keys), keys))
        row = {
            "account": named.get("account"),
            "service": named.get("service"),
            "usage_type": named.get("usage_type"),
            "usage_amount": math.fsum(usage),
            "unblended_cost": _money(math.fsum(unblended)),
            "effective_cost": _money(math.fsum(effective)),
        }
        row |= {k: v for k, v in named.items() if k not in row}
        service, usage_type = named.get("service"), named.get("usage_type")
        if not usage_type:
            row["meter"] = None
        else:  # grouped without the service: the one meter the usage type names, if only one
            row["meter"] = meter_of(service, usage_type) if service else meter_of_usage_type(usage_type)
        rows.append(row)
    rows.sort(key=lambda r: (-r["unblended_cost"], [str(r.get(k.name)) for k in plan.keys]))
    return Actuals(
        month=month,
        engine=engine,
        source=source,
        format=plan.format.name,
        keys=[k.name for k in plan.keys],
        rows=rows,
        total_unblended=_money(math.fsum(x for g in groups.values() for x in g[1])),
        total_effective=_money(math.fsum(x for g in groups.values() for x in g[2])),
        line_types={t: _money(math.fsum(v)) for t, v in sorted(line_types.items())},
        lines=lines,
        sql=plan.sql,
        messages=_notes(plan),
    )


def _notes(plan: Plan) -> list[str]:
    if plan.format is FOCUS and "usage_type" in plan.missing:
        return ["FOCUS file without x_UsageType (an AWS extension column): usage_type and meter are null."]
    return []


# ---------------------------------------------------------------- DuckDB over local Parquet


def _parquet_source(path: str) -> tuple[str, str]:
    """(the read_parquet call, the source named for people) of a file or a folder of Parquet files."""
    p = Path(path)
    if not p.exists():
        raise CurError(f"{path}: no such file or folder")
    if p.is_dir():
        if not any(f.is_file() for f in p.rglob("*.parquet")):
            raise CurError(f"{path}: no Parquet files (*.parquet) in this folder")
        glob = str(p / "**" / "*.parquet")
    else:
        glob = str(p)
    return f"read_parquet({_lit(glob)}, hive_partitioning = true, union_by_name = true)", str(path)


def duckdb_actuals(path: str, month: str, keys: list[Key]) -> Actuals:
    """The month of the CUR or FOCUS Parquet at `path` (a file, or a folder read recursively), on DuckDB."""
    plan, result, source = _duckdb_query(path, month, keys)
    return summarise(plan, result, month, "duckdb", source)


def _duckdb_query(path: str, month: str, keys: list[Key], tag: tuple[str, str] | None = None, accounts=()):
    """(the plan, its result rows, the source's name) of the one query over the Parquet at `path`."""
    import duckdb

    parse_month(month)
    source_sql, source = _parquet_source(path)
    con = duckdb.connect()
    try:
        # no progress bar: it would write into stdout (the --json object); timestamps with a zone compare in UTC
        con.execute("SET enable_progress_bar = false")
        con.execute("SET TimeZone = 'UTC'")
        try:
            described = con.execute(f"DESCRIBE SELECT * FROM {source_sql}").fetchall()
        except duckdb.Error as e:
            raise CurError(f"{path}: not readable as Parquet ({_duck_message(e)})") from None
        columns = {name: kind for name, kind, *_ in described}
        plan = build(columns, source_sql, source, month, keys, "duckdb", tag, tuple(accounts))
        try:
            result = con.execute(plan.sql).fetchall()
        except duckdb.Error as e:
            raise CurError(f"{path}: the query failed: {_duck_message(e)}") from None
    finally:
        con.close()
    return plan, result, source


REVIEW_KEYS = (
    Key("service"),
    Key("usage_type"),
    Key("unit"),
    Key("tag:feature", "feature", optional=True),
    Key("tag:tenant", "tenant", optional=True),
    Key("resource", optional=True),
)


def review_bill(
    path: str | None,
    month: str,
    region: str,
    custom: list[str] = (),
    tag: str | None = None,
    accounts=(),
    athena: dict | None = None,
):
    """The month's bill for the review (models.review.Bill), from the CUR as Cost Explorer gives it: usage lines
    (Usage, DiscountedUsage, SavingsPlanCoveredUsage; FOCUS: ChargeCategory Usage) by service and usage type at
    their unblended cost, every other line type (Savings Plan negation and fees, credits, tax...) a record of its
    own, each line classified against the scenario's region and services as Cost Explorer's are; and the usage
    lines' cost by their `feature` and `tenant` tags (Bill.tagged), in the same one query. `accounts`: only these
    usage accounts' lines (none: every account in the bill). `athena`: run the query on Athena instead of DuckDB
    over `path`: {"athena": client, "glue": client, "table": DB.TABLE, "output": s3://..., "workgroup": W|None,
    "sleep"?, "say"?}."""
    from models.review import Bill, BilledLine
    from usage.costexplorer import classify, parse_tag

    keys = list(REVIEW_KEYS)
    accounts = parse_accounts(accounts)
    scanned = None
    if athena is not None:
        plan, result, source, scanned = _athena_query(
            month=month, keys=keys, tag=parse_tag(tag), accounts=accounts, **athena
        )
        path = source
    else:
        plan, result, source = _duckdb_query(path, month, keys, parse_tag(tag), accounts)
    if not sum(int(r[7] or 0) for r in result):
        raise CurError(
            f"{source}: no bill lines for {month}"
            + (f" with the tag {tag}" if tag else "")
            + (f" in account(s) {', '.join(accounts)}" if accounts else "")
        )
    groups: dict[tuple[str, str], list] = {}
    other: dict[str, list[float]] = {}
    tagged: dict[tuple, list[float]] = {}
    negations: dict[tuple[str, str], list[float]] = {}
    fee: list[list[float]] = [[], []]  # SavingsPlanRecurringFee: commitment (unblended), unused (effective)
    by_resource: dict[tuple[str, str, str], list[float]] = {}
    for service, usage_type, unit, feature, tenant, resource, line_type, _, usage, unblended, effective, _ in result:
        if line_type == "SavingsPlanNegation":
            negations.setdefault((service or "", usage_type or ""), []).append(float(unblended or 0.0))
        if line_type == "SavingsPlanRecurringFee":
            fee[0].append(float(unblended or 0.0))
            fee[1].append(float(effective or 0.0))
        if line_type in plan.format.usage_lines:
            g = groups.setdefault((service or "", usage_type or ""), [[], [], unit or ""])
            g[0].append(float(usage or 0.0))
            g[1].append(float(unblended or 0.0))
            g[2] = g[2] or unit or ""
            if feature or tenant:
                tagged.setdefault((service or "", usage_type or "", feature, tenant), []).append(float(unblended or 0))
            if resource and not feature:  # a feature tag says whose it is; else the resource's users share it
                by_resource.setdefault((service or "", usage_type or "", resource), []).append(float(unblended or 0))
        else:
            other.setdefault(line_type or "(none)", []).append(float(unblended or 0.0))
    lines = []
    for (service, usage_type), (usage, cost, unit) in sorted(groups.items()):
        quantity, cost = math.fsum(usage), math.fsum(cost)
        if quantity == 0 and cost == 0:
            continue
        meter, why = classify(service, usage_type, region, list(custom))
        lines.append(BilledLine(service, usage_type, quantity, unit, cost, meter, why))
    records = {t: math.fsum(v) for t, v in sorted(other.items())}
    meters = {(b.service, b.usage_type): b.meter for b in lines}
    by_tag = [
        {"meter": meters.get((sv, ut)), "feature": f, "tenant": t, "cost": math.fsum(c)}
        for (sv, ut, f, t), c in sorted(tagged.items(), key=lambda kv: [str(x) for x in kv[0]])
    ]
    resource_lines = [
        {"meter": meters.get((sv, ut)), "resource": r, "cost": math.fsum(c)}
        for (sv, ut, r), c in sorted(by_resource.items())
        if meters.get((sv, ut))
    ]
    by_meter: dict[str, list[float]] = {}
    for (service, usage_type), amounts in negations.items():
        meter, _ = classify(service, usage_type, region, list(custom))
        if meter is not None:
            by_meter.setdefault(meter, []).append(math.fsum(amounts))
    where = (
        f"{plan.format.name} at {path}"
        + (f", tag {tag}" if tag else "")
        + (f", account(s) {', '.join(accounts)}" if accounts else "")
    )
    if scanned is None:
        note = f"Bill from the {where}: one DuckDB query over the files, no AWS charge."
    else:
        note = (
            f"Bill from the {where}: one Athena query, {scanned / 2**20:,.1f} MB scanned, "
            f"${athena_cost_usd(scanned):.6f} ($5 per TB, 10 MB minimum)."
        )
    return Bill(
        month=month,
        lines=lines,
        other={t: a for t, a in records.items() if round(a, 2) != 0},
        source=where,
        notes=[note],
        tagged=by_tag,
        negations={m: math.fsum(v) for m, v in sorted(by_meter.items())},
        by_resource=resource_lines,
        commitment_usd=math.fsum(fee[0]) if fee[0] else None,
        commitment_used_usd=math.fsum(fee[0]) - math.fsum(fee[1]) if fee[0] else None,
    )


def _duck_message(e: Exception) -> str:
    return str(e).splitlines()[0] if str(e) else type(e).__name__


# ---------------------------------------------------------------- Athena

ATHENA_USD_PER_TB = 5.0  # $5 per TB scanned (aws.amazon.com/athena/pricing; shared/reference/cur-and-focus.md 5)
ATHENA_MIN_BYTES = 10 * 2**20  # 10 MB minimum per query, bytes rounded up to the MB
TB = 2**40
POLL_FIRST_S, POLL_FACTOR, POLL_MAX_S = 0.25, 2.0, 5.0  # backoff between GetQueryExecution calls
MAX_WAIT_S = 30 * 60  # Athena's DML timeout is 30 minutes by default
ATHENA_PERMISSIONS = {
    ("glue", "GetTable"): "glue:GetTable",
    ("athena", "StartQueryExecution"): "athena:StartQueryExecution",
    ("athena", "GetQueryExecution"): "athena:GetQueryExecution",
    ("athena", "GetQueryResults"): "athena:GetQueryResults",
}
_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


def athena_cost_usd(scanned_bytes: int) -> float:
    """What Athena bills a query: bytes rounded up to the MB, at least 10 MB, at $5 per TB."""
    billed = max(math.ceil(scanned_bytes / 2**20) * 2**20, ATHENA_MIN_BYTES)
    return billed / TB * ATHENA_USD_PER_TB


def parse_table(text: str) -> tuple[str, str]:
    db, sep, table = (text or "").partition(".")
    if not sep or not _NAME.match(db) or not _NAME.match(table):
        raise CurError(f"--athena-table needs DATABASE.TABLE (letters, digits, _ and -), got {text!r}")
    return db, table


def _translate(e: Exception, service: str, operation: str) -> CurError:
    import botocore.exceptions as bexc

    from usage import aws

    action = ATHENA_PERMISSIONS.get((service, operation), f"{service}:{operation}")
    if aws.is_access_denied(e):
        return CurError(f"access denied: {operation} needs the IAM permission {action}", permission=action)
    if isinstance(e, bexc.ClientError) and aws.error_code(e) == "EntityNotFoundException":
        return CurError(f"{service} {operation}: {aws.one_line(e.response.get('Error', {}).get('Message', ''))}")
    err = aws.translate(e, service, operation)
    return CurError(err.message, permission=err.permission)


def table_columns(glue, db: str, table: str) -> dict[str, str]:
    """The table's columns and partition keys (name -> type), from the Glue Data Catalog Athena uses."""
    try:
        t = glue.get_table(DatabaseName=db, Name=table)["Table"]
    except Exception as e:
        raise _translate(e, "glue", "GetTable") from None
    cols = t.get("StorageDescriptor", {}).get("Columns", []) + t.get("PartitionKeys", [])
    return {c["Name"]: c.get("Type", "string") for c in cols}


def athena_actuals(
    athena,
    glue,
    table: str,
    output: str,
    month: str,
    keys: list[Key],
    workgroup: str | None = None,
    sleep=time.sleep,
    say=lambda text: None,
) -> Actuals:
    """The month on Athena: the same query, one execution, polled with backoff, its results paged."""
    plan, result, source, info = _athena_query(
        athena, glue, table, output, month, keys, workgroup, sleep, say, info=True
    )
    out = summarise(plan, result, month, "athena", source)
    out.athena = info
    return out


def _athena_query(
    athena,
    glue,
    table: str,
    output: str,
    month: str,
    keys: list[Key],
    workgroup: str | None = None,
    sleep=time.sleep,
    say=lambda text: None,
    tag: tuple[str, str] | None = None,
    accounts=(),
    info: bool = False,
):
    """(plan, result rows, source, bytes scanned, or with `info` the query's id/polls/bytes/cost) on Athena."""
    parse_month(month)
    db, name = parse_table(table)
    if not re.match(r"^s3://[^/]+", output or ""):
        raise CurError(f"--athena-output needs s3://BUCKET/PREFIX, got {output!r}")
    source = f"Athena {db}.{name}"
    columns = table_columns(glue, db, name)
    plan = build(columns, f"{_ident(db)}.{_ident(name)}", source, month, keys, "athena", tag, tuple(accounts))
    scope = f"the {PERIOD_PARTITION} = '{month}' partition" if plan.partitioned else "every partition"
    say(
        f"Athena gives no estimate before a query runs: it reads {len(plan.columns)} column(s) of {db}.{name} "
        f"over {scope} and bills ${ATHENA_USD_PER_TB:g} per TB scanned (10 MB minimum)."
    )
    request = {
        "QueryString": plan.sql,
        "QueryExecutionContext": {"Database": db},
        "ResultConfiguration": {"OutputLocation": output},
    }
    if workgroup:
        request["WorkGroup"] = workgroup
    try:
        qid = athena.start_query_execution(**request)["QueryExecutionId"]
    except Exception as e:
        raise _translate(e, "athena", "StartQueryExecution") from None
    execution, polls = _wait(athena, qid, sleep)
    stats = execution.get("Statistics", {})
    scanned = int(stats.get("DataScannedInBytes", 0) or 0)
    result = _results(athena, qid)
    if not info:
        return plan, result, source, scanned
    return (
        plan,
        result,
        source,
        {
            "query_execution_id": qid,
            "polls": polls,
            "data_scanned_bytes": scanned,
            "cost_usd": athena_cost_usd(scanned),
            "engine_ms": int(stats.get("EngineExecutionTimeInMillis", 0) or 0),
        },
    )


def _wait(athena, qid: str, sleep) -> tuple[dict, int]:
    delay, waited, polls = POLL_FIRST_S, 0.0, 0
    while True:
        try:
            execution = athena.get_query_execution(QueryExecutionId=qid)["QueryExecution"]
        except Exception as e:
            raise _translate(e, "athena", "GetQueryExecution") from None
        polls += 1
        status = execution.get("Status", {})
        state = status.get("State")
        if state == "SUCCEEDED":
            return execution, polls
        if state in ("FAILED", "CANCELLED"):
            from usage.errors import one_line

            reason = status.get("StateChangeReason") or status.get("AthenaError", {}).get("ErrorMessage") or ""
            raise CurError(f"Athena query {qid} {state.lower()}: {one_line(reason) or 'no reason given'}")
        if waited >= MAX_WAIT_S:
            raise CurError(f"Athena query {qid} still {state} after {MAX_WAIT_S / 60:.0f} minutes; not waiting longer")
        sleep(delay)
        waited += delay
        delay = min(delay * POLL_FACTOR, POLL_MAX_S)


def _results(athena, qid: str) -> list[tuple]:
    """Every page of the results, the header row dropped, values as Python numbers where they are numbers."""
    rows: list[tuple] = []
    token, first = None, True
    while True:
        kwargs = {"QueryExecutionId": qid, "MaxResults": 1000, **({"NextToken": token} if token else {})}
        try:
            page = athena.get_query_results(**kwargs)
        except Exception as e:
            raise _translate(e, "athena", "GetQueryResults") from None
        data = page.get("ResultSet", {}).get("Rows", [])
        if first and data:
            data = data[1:]  # a SELECT's first row is the column names
        first = False
        for r in data:
            values = [d.get("VarCharValue") for d in r.get("Data", [])]
            rows.append(tuple(values))
        token = page.get("NextToken")
        if not token:
            break
    # keys stay text; the six aggregates at the end are numbers
    return [(*r[:-6], r[-6], *(_number(x) for x in r[-5:])) for r in rows]


def _number(text: str | None) -> float | None:
    if text is None or text == "":
        return None
    try:
        return float(text)
    except ValueError:
        raise CurError(f"Athena returned {text!r} where a number was expected") from None

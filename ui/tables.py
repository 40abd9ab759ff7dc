"""Tables of an estimate as pandas DataFrames: what the pages show and what the CSV downloads hold.

Column names carry their units ("cost (USD/month)", "cost per use (USD)", "margin (%)"), so a CSV
reads on its own; each table declares the kind of its number columns (ui/format.py), from which the app
and the HTML report pick a display format. Percentages are 0..100.
No streamlit here: these are pure functions, tested without a browser.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd

from models.bom import Bom
from models.capacity import limit_name
from models.designs import Comparison, MemoryChoice
from models.editing import RangeRow, TierRow, number
from models.engine import Estimate
from models.report import quantity
from models.scenario import ScenarioError
from models.tiers import Curve, TierEconomics
from pricing.service import spec
from ui.format import COUNT, PERCENT, PERCENT_FINE, RATE, USD, USD_PER_USE, USD_PER_USER, USERS, declare

COST = "cost (USD/month)"
PER_USE = "cost per use (USD)"
PER_USER = "cost per user (USD)"
USES_PREFIX = "uses/user: "
# What the Always Free allowances save: the free lines' quantity at the first paid tier's price.
FREE_SAVED = "saved by the free tier (USD/month)"


def template_frame(reading) -> pd.DataFrame:
    """What `init` read from a template (models.template.Reading): each value, the scenario key it went to and
    the template line it came from."""
    rows = pd.DataFrame(
        [
            {
                "resource": r.resource,
                "type": r.type,
                "scenario key": r.key,
                "value": str(r.value),
                "template line": f"{Path(reading.source).name}:{r.line}" if r.line else "",
                "note": r.note,
            }
            for r in reading.rows
        ],
        columns=["resource", "type", "scenario key", "value", "template line", "note"],
    )
    return declare(rows, {})  # text only


def _pct(part: float, whole: float) -> float | None:
    return 100 * part / whole if whole else None


def lines_frame(e: Estimate) -> pd.DataFrame:
    df = pd.DataFrame(
        [
            {
                "service": x.service,
                "component": x.component,
                "quantity": x.quantity,
                "unit": x.unit,
                "unit price (USD)": x.unit_price,
                COST: x.cost,
            }
            for x in e.lines
        ],
        columns=["service", "component", "quantity", "unit", "unit price (USD)", COST],
    )
    return declare(df, {"quantity": COUNT, "unit price (USD)": USD_PER_USE, COST: USD})


def services_frame(e: Estimate) -> pd.DataFrame:
    """Every service with a cost, or with usage the Always Free tier covers (at $0), and what that saved."""
    saved = e.free_tier_benefit
    rows = [
        {"service": s, COST: c, "share (%)": _pct(c, e.total), FREE_SAVED: saved.get(s, 0.0)}
        for s, c in e.services.items()
        if c or saved.get(s)
    ]
    df = pd.DataFrame(rows, columns=["service", COST, "share (%)", FREE_SAVED])
    df = df.sort_values([COST, FREE_SAVED], ascending=False, kind="stable")
    return declare(df, {COST: USD, "share (%)": PERCENT, FREE_SAVED: USD})


def features_frame(e: Estimate) -> pd.DataFrame:
    rows = [
        {
            "feature": f.name,
            "uses/month": f.uses,
            COST: f.cost,
            PER_USE: f.cost_per_use,
            "share (%)": _pct(f.cost, e.total),
        }
        for f in e.features
    ]
    df = pd.DataFrame(rows, columns=["feature", "uses/month", COST, PER_USE, "share (%)"])
    return declare(df, {"uses/month": COUNT, COST: USD, PER_USE: USD_PER_USE, "share (%)": PERCENT})


# Short headers for the tiers table, so that all ten columns show at 1440 px (the full names are the help)
TIER_LABELS = {
    "price (USD/user)": "price",
    "revenue (USD/month)": "revenue",
    COST: "cost",
    PER_USER: "cost/user",
    "margin (USD/month)": "margin",
    "margin (%)": "margin %",
    "break-even price (USD/user)": "break-even",
    "price for target margin (USD/user)": "price at target",
}


def tiers_frame(tiers: list[TierEconomics]) -> pd.DataFrame:
    kinds = {
        "users": USERS,
        "price (USD/user)": USD_PER_USER,
        "revenue (USD/month)": USD,
        COST: USD,
        PER_USER: USD_PER_USER,
        "margin (USD/month)": USD,
        "margin (%)": PERCENT,
        "break-even price (USD/user)": USD_PER_USER,
        "price for target margin (USD/user)": USD_PER_USER,
    }
    rows = [
        {
            "tier": t.name,
            "users": t.users,
            "price (USD/user)": t.price,
            "revenue (USD/month)": t.revenue,
            COST: t.cost,
            PER_USER: t.cost_per_user,
            "margin (USD/month)": t.margin,
            "margin (%)": None if t.margin_pct is None else 100 * t.margin_pct,
            "break-even price (USD/user)": t.break_even_price,
            "price for target margin (USD/user)": t.target_price,
        }
        for t in tiers
    ]
    return declare(pd.DataFrame(rows, columns=["tier", *kinds]), kinds)


# ---------------------------------------------------------------- tier editor


def tier_editor_frame(rows: list[TierRow], features: list[str]) -> pd.DataFrame:
    """The editable tiers table: tier, users, price and uses per user of each feature."""
    columns = ["tier", "users", "price (USD/user)", *(USES_PREFIX + f for f in features)]
    data = [[r.name, float(r.users), float(r.price), *(float(r.uses.get(f, 0.0)) for f in features)] for r in rows]
    df = pd.DataFrame(data, columns=columns)
    df["tier"] = df["tier"].astype(object)
    for c in columns[1:]:
        df[c] = df[c].astype("float64")
    return editable(df)


def tiers_from_editor(df: pd.DataFrame, features: list[str]) -> list[TierRow]:
    """Rows of the edited table back to tiers. A row left completely empty (just added) is skipped;
    an empty number is 0."""
    out = []
    for i, rec in enumerate(df.to_dict("records"), start=1):
        values = list(rec.values())
        if all(_blank(v) for v in values):
            continue
        name = "" if _blank(rec.get("tier")) else str(rec["tier"]).strip()
        try:
            out.append(
                TierRow(
                    name=name,
                    users=number(rec.get("users")),
                    price=number(rec.get("price (USD/user)")),
                    uses={f: number(rec.get(USES_PREFIX + f)) for f in features},
                )
            )
        except ScenarioError as e:
            raise ScenarioError(f"row {i}: {e.message}", source="tiers table") from None
    return out


def _blank(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip())


NULLABLE = {"float64": "Float64", "bool": "boolean"}


def editable(df: pd.DataFrame) -> pd.DataFrame:
    """An editor's table in nullable dtypes. A row added in the browser arrives with blank (None) cells, which a
    float64 or bool column cannot hold: pandas warns today and will refuse, and Streamlit then drops the row."""
    return df.astype({c: NULLABLE[str(t)] for c, t in df.dtypes.items() if str(t) in NULLABLE})


def records(df: pd.DataFrame) -> list[tuple]:
    """A table's content as plain, comparable values (NaN as None), to tell whether an edit changed it."""
    return [tuple(None if _blank(v) else v for v in row) for row in df.itertuples(index=False, name=None)]


# ---------------------------------------------------------------- features


BOM_KINDS = {
    "unit price (USD)": USD_PER_USE,
    "list cost per use (USD)": USD_PER_USE,
    PER_USE: USD_PER_USE,
    "share (%)": PERCENT,
}


def bom_frame(bom: Bom, feature: str) -> pd.DataFrame:
    lines, _ = bom.of(feature)
    total = sum(b.cost_per_use for b in lines)
    rows = [
        {
            "service": b.service,
            "component": b.component,
            "quantity per use": b.quantity_per_use,
            "unit": b.unit,
            "unit price (USD)": b.unit_price,
            "list cost per use (USD)": b.list_cost_per_use,
            PER_USE: b.cost_per_use,
            "share (%)": _pct(b.cost_per_use, total),
        }
        for b in lines
    ]
    df = pd.DataFrame(
        rows,
        columns=[
            "service",
            "component",
            "quantity per use",
            "unit",
            "unit price (USD)",
            "list cost per use (USD)",
            PER_USE,
            "share (%)",
        ],
    )
    return declare(df, BOM_KINDS)


def bom_all_frame(bom: Bom) -> pd.DataFrame:
    """Every feature's bill of materials in one table (for the CSV download)."""
    frames = [bom_frame(bom, f).assign(feature=f) for f in bom.features]
    if not frames:
        return pd.DataFrame()
    df = pd.concat(frames, ignore_index=True)
    return declare(df[["feature", *[c for c in df.columns if c != "feature"]]], BOM_KINDS)


def drivers_frame(bom: Bom, feature: str) -> pd.DataFrame:
    _, drivers = bom.of(feature)
    columns = ["driver", "list cost per use (USD)", "share of list cost (%)", "quantity per use", "unit", "why"]
    rows = [
        {
            "driver": d.name,
            "list cost per use (USD)": d.list_cost_per_use,
            "share of list cost (%)": 100 * d.share,
            "quantity per use": d.quantity_per_use,
            "unit": d.unit,
            "why": d.explanation,
        }
        for d in drivers
    ]
    return declare(
        pd.DataFrame(rows, columns=columns), {"list cost per use (USD)": USD_PER_USE, "share of list cost (%)": PERCENT}
    )


# ---------------------------------------------------------------- footprint editors


def invocations_frame(invocations: dict[str, float]) -> pd.DataFrame:
    df = pd.DataFrame([[f, float(n)] for f, n in invocations.items()], columns=["function", "invocations"])
    df["function"] = df["function"].astype(object)
    return editable(df.astype({"invocations": "float64"}))


def counts_from_frame(df: pd.DataFrame, name_col: str, count_col: str, what: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for i, rec in enumerate(df.to_dict("records"), start=1):
        if _blank(rec.get(name_col)) and _blank(rec.get(count_col)):
            continue
        if _blank(rec.get(name_col)):
            raise ScenarioError(f"row {i} needs a {what}", source=f"{what} table")
        name = str(rec[name_col])
        out[name] = out.get(name, 0.0) + number(rec.get(count_col))
    return out


def services_use_frame(services: dict[str, float]) -> pd.DataFrame:
    df = pd.DataFrame([[s, float(n)] for s, n in services.items()], columns=["service", "units"])
    df["service"] = df["service"].astype(object)
    return editable(df.astype({"units": "float64"}))


OPS_COLUMNS = ["table", "operation", "count", "item_kb", "consistency", "transactional", "gsis", "hot_key_share"]


def ops_frame(ops: list[dict]) -> pd.DataFrame:
    """DynamoDB operations of one use (format-1 dicts) as an editable table."""
    rows = []
    for op in ops:
        kind = "reads" if "reads" in op else "writes"
        rows.append(
            {
                "table": op["table"],
                "operation": kind,
                "count": float(op[kind]),
                "item_kb": float(op.get("item_kb", 1)),
                "consistency": op.get("consistency", "eventual") if kind == "reads" else None,
                "transactional": bool(op.get("transactional", False)),
                "gsis": float(op["gsis"]) if op.get("gsis") is not None else None,
                "hot_key_share": float(op["hot_key_share"]) if op.get("hot_key_share") is not None else None,
            }
        )
    df = pd.DataFrame(rows, columns=OPS_COLUMNS)
    for c in ("table", "operation", "consistency"):
        df[c] = df[c].astype(object)
    return editable(
        df.astype(
            {
                "count": "float64",
                "item_kb": "float64",
                "gsis": "float64",
                "hot_key_share": "float64",
                "transactional": "bool",
            }
        )
    )


def ops_from_frame(df: pd.DataFrame) -> list[dict]:
    ops = []
    for i, rec in enumerate(df.to_dict("records"), start=1):
        if all(_blank(rec.get(c)) for c in ("table", "operation", "count")):
            continue
        if _blank(rec.get("table")):
            raise ScenarioError(f"DynamoDB row {i} needs a table", source="DynamoDB operations")
        kind = "writes" if rec.get("operation") == "writes" else "reads"
        op: dict = {
            "table": str(rec["table"]),
            kind: number(rec.get("count")),
            "item_kb": number(rec.get("item_kb"), 1.0),
        }
        if kind == "reads":
            op["consistency"] = "eventual" if _blank(rec.get("consistency")) else str(rec["consistency"])
        else:
            if bool(rec.get("transactional")) and not _blank(rec.get("transactional")):
                op["transactional"] = True
            if not _blank(rec.get("gsis")):
                op["gsis"] = number(rec.get("gsis"))
        if not _blank(rec.get("hot_key_share")):  # capacity: kept through edits of other columns
            op["hot_key_share"] = number(rec.get("hot_key_share"))
        ops.append(op)
    return ops


# ---------------------------------------------------------------- curves and comparisons


def curve_frame(c: Curve) -> pd.DataFrame:
    df = pd.DataFrame({"users": c.users, "total (USD/month)": c.total, PER_USER: c.cost_per_user})
    return declare(df, {"users": USERS, "total (USD/month)": USD, PER_USER: USD_PER_USER})


def comparison_frames(cmp: Comparison) -> dict[str, pd.DataFrame]:
    """Side-by-side tables per service, feature and tier: one column per variant and, for every variant
    after the first, its difference from the first (USD/month)."""
    names = cmp.names
    first = names[0]

    def with_deltas(df: pd.DataFrame, value_kinds: dict[str, str]) -> pd.DataFrame:
        kinds = {f"{n}: {c}": k for n in names for c, k in value_kinds.items()}
        for n in names[1:]:
            for c, k in value_kinds.items():
                df[f"{n} - {first}: {c}"] = df[f"{n}: {c}"] - df[f"{first}: {c}"]
                kinds[f"{n} - {first}: {c}"] = k
        return declare(df, kinds)

    services = sorted({s for e in cmp.estimates for s, c in e.services.items() if c})
    sv = pd.DataFrame({"service": [*services, "total"]})
    for n, e in zip(names, cmp.estimates):
        sv[f"{n}: {COST}"] = [*(e.services.get(s, 0.0) for s in services), e.total]
    sv = with_deltas(sv, {COST: USD})

    feats = list(dict.fromkeys(f.name for e in cmp.estimates for f in e.features))
    fv = pd.DataFrame({"feature": feats})
    for n, e in zip(names, cmp.estimates):
        by = {f.name: f for f in e.features}
        fv[f"{n}: {COST}"] = [by[f].cost if f in by else np.nan for f in feats]
        fv[f"{n}: {PER_USE}"] = [by[f].cost_per_use if f in by else np.nan for f in feats]
    fv = with_deltas(fv, {COST: USD, PER_USE: USD_PER_USE})

    tiers = list(dict.fromkeys(t.name for e in cmp.estimates for t in e.tiers))
    tv = pd.DataFrame({"tier": tiers})
    for n, e in zip(names, cmp.estimates):
        by = {t.name: t for t in e.tiers}
        tv[f"{n}: {COST}"] = [by[t].cost if t in by else np.nan for t in tiers]
        tv[f"{n}: margin (USD/month)"] = [by[t].margin if t in by else np.nan for t in tiers]
    tv = with_deltas(tv, {COST: USD, "margin (USD/month)": USD})
    return {"services": sv, "features": fv, "tiers": tv}


def comparison_curves_frame(cmp: Comparison) -> pd.DataFrame:
    df = pd.DataFrame({"users": cmp.users})
    over = cmp.over_limit
    for v, (n, t) in enumerate(zip(cmp.names, cmp.totals)):
        df[f"{n}: total (USD/month)"] = t
        df[f"{n}: over a limit"] = over[v]  # the design cannot serve that many users
    return declare(df, {"users": USERS} | {f"{n}: total (USD/month)": USD for n in cmp.names})


def crossovers_frame(cmp: Comparison) -> pd.DataFrame:
    rows = [
        {
            "variants": f"{c.a} / {c.b}",
            "users": c.users,
            "total (USD/month)": c.total,
            "cheaper below": c.cheaper_below,
            "cheaper above": c.b if c.cheaper_below == c.a else c.a,
            "note": c.note,
        }
        for c in cmp.crossovers
    ]
    columns = ["variants", "users", "total (USD/month)", "cheaper below", "cheaper above", "note"]
    df = pd.DataFrame(rows, columns=columns)
    return declare(df, {"users": USERS, "total (USD/month)": USD})


def memory_frame(c: MemoryChoice) -> pd.DataFrame:
    """Each memory tried for one function: its duration and the scenario's monthly total."""
    now = c.totals[c.current_mb]  # the current memory is always tried (and within the timeout)
    rows = [
        {
            "memory (MB)": m,
            "duration (ms)": c.durations_ms[m],
            "total (USD/month)": total,
            "vs now (USD/month)": total - now,
            "note": "cheapest" if m == c.memory_mb else ("now" if m == c.current_mb else ""),
        }
        for m, total in c.totals.items()
    ]
    columns = ["memory (MB)", "duration (ms)", "total (USD/month)", "vs now (USD/month)", "note"]
    kinds = {"memory (MB)": COUNT, "duration (ms)": RATE, "total (USD/month)": USD, "vs now (USD/month)": USD}
    return declare(pd.DataFrame(rows, columns=columns), kinds)


def build_footprint(
    invocations: pd.DataFrame,
    websocket: dict | None,
    http: dict | None,
    ops: pd.DataFrame | None,
    services: pd.DataFrame | None,
) -> dict:
    """A feature's footprint (format-1 data) from the Features page editors. A WebSocket or HTTP use with
    nothing in it is left out."""
    out: dict = {}
    inv = counts_from_frame(invocations, "function", "invocations", "function")
    if inv:
        out["lambda"] = inv
    if websocket and any(websocket.get(k) for k in ("messages", "connection_minutes", "connects")):
        out["websocket"] = {k: v for k, v in websocket.items() if v is not None}
    if http and http.get("requests"):
        out["http"] = {k: v for k, v in http.items() if v is not None}
    if ops is not None:
        dynamodb = ops_from_frame(ops)
        if dynamodb:
            out["dynamodb"] = dynamodb
    if services is not None:
        units = counts_from_frame(services, "service", "units", "service")
        if units:
            out["services"] = units
    return out


def use_columns(sv) -> list[tuple[str, dict]]:
    """The editable columns of a registry service's uses: (column, field spec); a counts field gives one
    column per key ("deliveries.sqs")."""
    out = []
    for f in dataclasses.fields(sv.use_type):
        m = spec(f)
        if m["kind"] == "counts":
            out += [(f"{f.name}.{k}", {**m, "kind": "number", "low": 0.0, "high": None}) for k in m["keys"]]
        else:
            out.append((f.name, m))
    return out


def uses_frame(sv, uses: list[dict]) -> pd.DataFrame:
    """One feature's uses of a registry service (format-1 dicts) as an editable table, defaults filled in."""
    defaults = {
        f.name: (f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default)
        for f in dataclasses.fields(sv.use_type)
    }
    rows = []
    for u in uses:
        row = {}
        for col, m in use_columns(sv):
            name, _, key = col.partition(".")
            v = u.get(name, defaults[name])
            v = (v or {}).get(key, 0.0) if key else v
            row[col] = float(v) if m["kind"] == "number" and v is not None else v
        rows.append(row)
    columns = [c for c, _ in use_columns(sv)]
    df = pd.DataFrame(rows, columns=columns)
    return editable(df.astype({c: ("float64" if m["kind"] == "number" else object) for c, m in use_columns(sv)}))


def uses_from_frame(sv, df: pd.DataFrame) -> list[dict]:
    """The uses of an edited table, as format-1 dicts; blank rows are dropped, blank cells take the defaults."""
    out = []
    for rec in df.to_dict("records"):
        if all(_blank(v) for v in rec.values()):
            continue
        use: dict = {}
        for col, m in use_columns(sv):
            v = rec.get(col)
            if _blank(v):
                continue
            name, _, key = col.partition(".")
            v = number(v) if m["kind"] == "number" else str(v)
            if key:
                use.setdefault(name, {})[key] = v
            else:
                use[name] = v
        out.append(use)
    return out


# ---------------------------------------------------------------- capacity


def capacity_frame(e: Estimate) -> pd.DataFrame:
    """Every limit at today's peak, its name for people beside its identifier: utilization in %, and the
    users (all tiers) at which it is reached."""
    rows = [
        {
            "name": limit_name(c.limit, c.resource),
            "limit": c.limit,
            "resource": c.resource,
            "peak": c.peak,
            "quota": c.quota,
            "utilization %": None if c.utilization is None else 100 * c.utilization,
            "users at limit": None if c.users_at_limit is None else round(c.users_at_limit),
            "unit": c.unit,
            "note": c.note,
        }
        for c in e.capacity
    ]
    kinds = {"peak": RATE, "quota": COUNT, "utilization %": PERCENT_FINE, "users at limit": USERS}
    columns = ["name", "limit", "resource", "peak", "quota", "utilization %", "users at limit", "unit", "note"]
    return declare(pd.DataFrame(rows, columns=columns), kinds)


# ---------------------------------------------------------------- price book


def price_rows_frame(rows: list[dict]) -> pd.DataFrame:
    """The book's rows as people read them: a tier's begin and end with thousands separators, the last
    tier's end (the Price List's "Inf") as "no limit"; prices stay the published strings."""

    def bound(text: str) -> str:
        x = float(text)
        return "no limit" if math.isinf(x) else quantity(x)

    df = pd.DataFrame(rows)
    if not df.empty:
        df["begin"], df["end"] = df["begin"].map(bound), df["end"].map(bound)
    return df


# ---------------------------------------------------------------- ranges (the Tiers and Features editors)

RANGE_COLUMNS = ["input", "low", "mode", "high"]


def ranges_frame(rows: list[RangeRow]) -> pd.DataFrame:
    """The editable ranges table: the number's path, its low, mode (blank: uniform) and high."""
    df = pd.DataFrame([[r.path, r.low, r.mode, r.high] for r in rows], columns=RANGE_COLUMNS)
    df["input"] = df["input"].astype(object)
    for c in RANGE_COLUMNS[1:]:
        df[c] = df[c].astype("float64")
    return editable(df)


def ranges_from_frame(df: pd.DataFrame) -> list[RangeRow]:
    """Rows of the edited ranges table; a row left empty is skipped, a blank mode makes the range uniform, a blank
    low or high is an error naming the row."""
    out = []
    for i, rec in enumerate(df.to_dict("records"), start=1):
        if all(_blank(v) for v in rec.values()):
            continue
        if _blank(rec.get("low")) or _blank(rec.get("high")):
            raise ScenarioError(f"row {i}: a range needs a low and a high", source="ranges table")
        path = "" if _blank(rec.get("input")) else str(rec["input"])
        mode = None if _blank(rec.get("mode")) else number(rec["mode"])
        out.append(RangeRow(path, number(rec["low"]), mode, number(rec["high"])))
    return out

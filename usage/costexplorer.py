"""The month's bill from Cost Explorer (`ce:GetCostAndUsage`), mapped onto the model's meters.

Two requests per month, both MONTHLY, UnblendedCost (+ UsageQuantity for the first), following NextPageToken:
  1. usage records grouped by SERVICE and USAGE_TYPE: cost and quantity per usage type;
  2. all records grouped by RECORD_TYPE: credits, refunds, tax, Savings Plan negation and fees.
With `--tag K=V` both are filtered by that cost-allocation tag (it must be activated in the Billing console).

Every Cost Explorer request is billed ($0.01, pages included), so the raw responses are kept in the history
database, keyed by account, month and tag, and a later review of the same month reads them from there;
`refresh=True` asks again (a month still in progress changes every day).

Usage types are matched to the model's meters by suffix: the region prefix (`USE1-`, `EU-`, `APN1-`;
none for some us-east-1 types; `Global-` for free-tier records) is stripped, and a prefix naming another
region than the scenario's makes the line "outside the model". The named per-unit services of a scenario
(comprehend, translate...) match the Cost Explorer service whose name contains theirs.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from functools import cache

import botocore.exceptions as bexc

from models.review import Bill, BilledLine, also_billed_as, parse_month, usage_types
from pricing.services import registry
from usage import aws
from usage.errors import UsageError

USD_PER_REQUEST = 0.01
USAGE_RECORD_TYPES = ("Usage", "DiscountedUsage", "SavingsPlanCoveredUsage")
MAX_PAGES = 200

# Region -> the usage-type prefixes AWS bills it under ("" = no prefix, us-east-1 only).
REGION_PREFIXES: dict[str, tuple[str, ...]] = {
    "us-east-1": ("", "USE1"),
    "us-east-2": ("USE2",),
    "us-west-1": ("USW1",),
    "us-west-2": ("USW2",),
    "ca-central-1": ("CAN1",),
    "sa-east-1": ("SAE1",),
    "eu-west-1": ("EU", "EUW1"),
    "eu-west-2": ("EUW2",),
    "eu-west-3": ("EUW3",),
    "eu-central-1": ("EUC1",),
    "eu-central-2": ("EUC2",),
    "eu-north-1": ("EUN1",),
    "eu-south-1": ("EUS1",),
    "eu-south-2": ("EUS2",),
    "ap-northeast-1": ("APN1",),
    "ap-northeast-2": ("APN2",),
    "ap-northeast-3": ("APN3",),
    "ap-southeast-1": ("APS1",),
    "ap-southeast-2": ("APS2",),
    "ap-south-1": ("APS3",),
    "ap-southeast-3": ("APS4",),
    "ap-south-2": ("APS5",),
    "ap-southeast-4": ("APS6",),
    "ap-east-1": ("APE1",),
    "af-south-1": ("AFS1",),
    "me-south-1": ("MES1",),
    "me-central-1": ("MEC1",),
    "il-central-1": ("ILC1",),
    "us-gov-east-1": ("UGE1",),
    "us-gov-west-1": ("UGW1",),
}
_PREFIX_REGION = {p: r for r, ps in REGION_PREFIXES.items() for p in ps if p}
_REGION_TOKEN = re.compile(r"^(?:[A-Z]{2,4}\d{0,2}|Global)$")


def _suffixes(service: str) -> list[tuple[str, str]]:
    """(usage type suffix, meter) of the registry's services that the bill's `service` names, longest suffix
    first. Cost Explorer names a service in words ("Amazon API Gateway": each service module's BILL_NAMES are
    parts of the normalised name, "apigateway"); a Cost and Usage Report by its product code ("AWSLambda"), the
    Price List offer code each component carries."""
    return _suffixes_in(registry(), service)


@cache  # per registry: a test that adds a service module clears the registry's cache, and so this one's key
def _suffixes_in(services: tuple, service: str) -> list[tuple[str, str]]:
    name = _norm(service)
    meters = {
        c.meter for sv in services for c in sv.components if c.offer == service or any(k in name for k in sv.bill_names)
    }
    pairs = [(u, m) for m, u in usage_types().items() if m in meters]
    pairs += [(u, m) for u, m in also_billed_as().items() if m in meters]
    return sorted(pairs, key=lambda p: -len(p[0]))  # IA-ReadRequestUnits before ReadRequestUnits


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _region_ok(prefix: str, region: str) -> tuple[bool, str]:
    if prefix == "Global" or prefix in REGION_PREFIXES.get(region, ()):
        return True, ""
    where = _PREFIX_REGION.get(prefix, "us-east-1" if prefix == "" else f"prefix {prefix}")
    return False, f"another region ({where}); the scenario is in {region}"


def _match(service: str, usage_type: str) -> tuple[str, str] | None:
    """(meter, region prefix) of a bill line whose usage type ends in one of the service's suffixes."""
    for suffix, meter in _suffixes(service):
        if usage_type == suffix or usage_type.endswith("-" + suffix):
            prefix = usage_type[: -len(suffix)].rstrip("-")
            if prefix and not _REGION_TOKEN.match(prefix):
                continue  # Lambda-Edge-Request is not Request
            return meter, prefix
    return None


def meter_of(service: str, usage_type: str) -> str | None:
    """The model's meter a bill line is on, in whichever region (the region prefix stripped), else None:
    `meter_of("AWSLambda", "USE1-Lambda-GB-Second")` is "lambda.duration_gb_s.x86_64"."""
    found = _match(service, usage_type)
    return found[0] if found else None


def meter_of_usage_type(usage_type: str) -> str | None:
    """The meter of a usage type whose service is not known (a bill grouped by usage type alone): the one meter
    any of the registry's offers maps it to, else None (a usage type two services share names no meter)."""
    offers = {c.offer for sv in registry() for c in sv.components if c.offer}
    found = {m for offer in offers if (m := meter_of(offer, usage_type))}
    return found.pop() if len(found) == 1 else None


def classify(service: str, usage_type: str, region: str, custom: list[str] = ()) -> tuple[str | None, str]:
    """The model's meter a Cost Explorer line is billed on, or (None, why it is outside the model)."""
    name = _norm(service)
    if _suffixes(service):
        found = _match(service, usage_type)
        if found is None:
            return None, f"{service} {usage_type} is not in the model"
        meter, prefix = found
        ok, why = _region_ok(prefix, region)
        return (meter, "") if ok else (None, f"{service} {usage_type}: {why}")
    for c in custom:
        tokens = {_norm(c)} | {_norm(t) for t in re.split(r"[-_ ./]", c) if len(t) >= 4}
        if any(t and t in name for t in tokens):
            head = usage_type.split("-", 1)[0] if "-" in usage_type else ""
            if head and _REGION_TOKEN.match(head) and head != "Global" and head in _PREFIX_REGION:
                ok, why = _region_ok(head, region)
                if not ok:
                    return None, f"{service} {usage_type}: {why}"
            return f"custom.{c}", ""
    return None, f"{service} is not in the scenario"


def parse_tag(tag: str | None) -> tuple[str, str] | None:
    if tag is None:
        return None
    key, sep, value = tag.partition("=")
    if not sep or not key.strip():
        raise UsageError(f"--tag needs KEY=VALUE, got {tag!r}")
    return key.strip(), value.strip()


def requests_for(month: str, tag: str | None) -> dict[str, dict]:
    """The two GetCostAndUsage requests of a month (without page tokens)."""
    start, end = parse_month(month)
    period = {"Start": start.isoformat(), "End": end.isoformat()}
    usage = {"Dimensions": {"Key": "RECORD_TYPE", "Values": list(USAGE_RECORD_TYPES)}}
    kv = parse_tag(tag)
    tag_filter = {"Tags": {"Key": kv[0], "Values": [kv[1]], "MatchOptions": ["EQUALS"]}} if kv else None
    return {
        "usage": {
            "TimePeriod": period,
            "Granularity": "MONTHLY",
            "Metrics": ["UnblendedCost", "UsageQuantity"],
            "GroupBy": [{"Type": "DIMENSION", "Key": "SERVICE"}, {"Type": "DIMENSION", "Key": "USAGE_TYPE"}],
            "Filter": {"And": [usage, tag_filter]} if tag_filter else usage,
        },
        "records": {
            "TimePeriod": period,
            "Granularity": "MONTHLY",
            "Metrics": ["UnblendedCost"],
            "GroupBy": [{"Type": "DIMENSION", "Key": "RECORD_TYPE"}],
            **({"Filter": tag_filter} if tag_filter else {}),
        },
    }


def _pages(ce, request: dict) -> list[dict]:
    pages: list[dict] = []
    token, tokens = None, set()
    while len(pages) < MAX_PAGES:
        kwargs = dict(request, **({"NextPageToken": token} if token else {}))
        try:
            page = ce.get_cost_and_usage(**kwargs)
        except (bexc.ClientError, bexc.BotoCoreError) as e:
            raise _translate(e) from None
        _check_page(page, request["Metrics"])
        pages.append({k: v for k, v in page.items() if k != "ResponseMetadata"})
        token = page.get("NextPageToken")
        if not token:
            return pages
        aws.check_new_token(token, tokens, "ce", "GetCostAndUsage")
    raise UsageError(f"Cost Explorer returned more than {MAX_PAGES} pages; narrow the review with --tag")


def _check_page(page: dict, metrics: list[str]) -> None:
    """What `parse` reads, checked before the page is kept (and cached): botocore has checked the types, and
    aws.RESPONSE_NEEDS that ResultsByTime and each period's start are there."""
    problem = None
    for result in page["ResultsByTime"]:
        for g in result.get("Groups", []):
            if not g.get("Keys"):
                problem = "has a group without Keys"
            for m in metrics:
                try:
                    amount = float(g.get("Metrics", {}).get(m, {})["Amount"])
                except (KeyError, ValueError):
                    amount = math.nan
                if not math.isfinite(amount):
                    problem = f"has a group ({', '.join(g.get('Keys', []))}) without a numeric {m}"
            if problem:
                break
    if problem:
        raise UsageError(
            f"ce GetCostAndUsage: the response {aws.one_line(problem)}; check AWS_ENDPOINT_URL and any proxy on the "
            "way, or try again later"
        )


def _translate(e: Exception) -> UsageError:
    code = aws.error_code(e)
    message = e.response.get("Error", {}).get("Message", "") if isinstance(e, bexc.ClientError) else ""
    if aws.is_access_denied(e) and "not enabled" in message.lower():
        return UsageError(
            "Cost Explorer is not enabled for this account: enable it in the Billing console "
            "(its data appears within 24 hours)",
            permission="ce:GetCostAndUsage",
        )
    if code == "DataUnavailableException":
        return UsageError("Cost Explorer has no data for this month yet (or it is older than Cost Explorer keeps)")
    if code == "BillExpirationException":
        return UsageError("Cost Explorer no longer has this month (it keeps about 13 months)")
    return aws.translate(e, "ce", "GetCostAndUsage")


def account_id(session) -> str:
    """The account the credentials belong to (sts:GetCallerIdentity needs no permission), with one quick try,
    so a dead endpoint or bad credentials fail in a second rather than after the retries."""
    try:
        account = aws.client(session, "sts", probe=True).get_caller_identity()["Account"]
    except (bexc.ClientError, bexc.BotoCoreError) as e:
        raise aws.translate(e, "sts", "GetCallerIdentity") from None
    if not re.fullmatch(r"\d{12}", account):  # the key of the cache: a wrong one would mix accounts
        raise UsageError(
            f"sts GetCallerIdentity: the response has the account {aws.one_line(account)!r}, not 12 digits; "
            "check AWS_ENDPOINT_URL and any proxy on the way, or try again later"
        )
    return account


def cache_key(account: str, month: str, tag: str | None) -> str:
    return f"ce/v1/{account}/{month}/{tag or ''}"


def fetch_raw(session, month: str, tag: str | None) -> dict:
    """Both requests of the month, every page, as returned (the JSON kept in the cache)."""
    ce = session.client("ce", region_name="us-east-1", config=aws.RETRY_CONFIG)  # Cost Explorer is global
    raw = {name: _pages(ce, req) for name, req in requests_for(month, tag).items()}
    raw["requests"] = len(raw["usage"]) + len(raw["records"])
    raw["fetched_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    return raw


def parse(raw: dict, month: str, region: str, custom: list[str] = (), source: str = "") -> Bill:
    """A Bill from the raw responses, each usage line classified against the scenario's region and services."""
    groups: dict[tuple[str, str], list] = {}
    estimated = False
    for page in raw.get("usage", []):
        for result in page.get("ResultsByTime", []):
            estimated |= bool(result.get("Estimated"))
            for g in result.get("Groups", []):
                keys = g.get("Keys", [])
                service, usage_type = (keys + ["", ""])[:2]
                metrics = g.get("Metrics", {})
                cost = _amount(metrics.get("UnblendedCost"))
                quantity = _amount(metrics.get("UsageQuantity"))
                unit = (metrics.get("UsageQuantity") or {}).get("Unit", "")
                entry = groups.setdefault((service, usage_type), [0.0, 0.0, unit])
                entry[0] += quantity
                entry[1] += cost
    lines = []
    for (service, usage_type), (quantity, cost, unit) in sorted(groups.items()):
        if quantity == 0 and cost == 0:
            continue
        meter, why = classify(service, usage_type, region, list(custom))
        lines.append(BilledLine(service, usage_type, quantity, unit, cost, meter, why))
    records: dict[str, float] = {}
    for page in raw.get("records", []):
        for result in page.get("ResultsByTime", []):
            estimated |= bool(result.get("Estimated"))
            for g in result.get("Groups", []):
                record = (g.get("Keys") or [""])[0]
                records[record] = records.get(record, 0.0) + _amount(g.get("Metrics", {}).get("UnblendedCost"))
    notes = []
    usage_total = sum(records.get(r, 0.0) for r in USAGE_RECORD_TYPES)
    lines_total = sum(ln.cost for ln in lines)
    if records and abs(usage_total - lines_total) >= 0.01:
        notes.append(
            f"Cost Explorer's usage records add up to ${usage_total:,.2f} by record type but "
            f"${lines_total:,.2f} by usage type; the rows show the usage types."
        )
    other = {r: a for r, a in records.items() if r not in USAGE_RECORD_TYPES and round(a, 2) != 0}
    return Bill(
        month=month,
        lines=lines,
        other=other,
        estimated=estimated,
        source=source,
        requests=int(raw.get("requests", 0)),
        fetched_at=raw.get("fetched_at", ""),
        notes=notes,
    )


def _amount(metric: dict | None) -> float:
    try:
        return float((metric or {}).get("Amount", 0) or 0)
    except (TypeError, ValueError):
        return 0.0


def get_bill(
    session,
    month: str,
    region: str,
    custom: list[str] = (),
    tag: str | None = None,
    history=None,
    refresh: bool = False,
) -> Bill:
    """The month's bill: from the history database's cache when it has it, else from Cost Explorer."""
    account = account_id(session)
    key = cache_key(account, month, tag)
    where = f"account {account}" + (f", tag {tag}" if tag else "")
    cached = None if (refresh or history is None) else history.cache_get(key)
    if cached is not None:
        bill = parse(cached, month, region, custom, source=f"Cost Explorer, {where}")
        bill.cached, bill.requests = True, 0
        bill.notes.append(
            f"Cost Explorer figures from the cache (fetched {cached.get('fetched_at', '?')}); no "
            "charge. Refresh to ask again ($0.01 per request)."
        )
        return bill
    raw = fetch_raw(session, month, tag)
    bill = parse(raw, month, region, custom, source=f"Cost Explorer, {where}")
    cost = raw["requests"] * USD_PER_REQUEST
    note = f"Cost Explorer: {raw['requests']} request(s) made, ${cost:.2f} ($0.01 each)"
    if history is not None:
        history.cache_put(key, raw, estimated=bill.estimated)
        note += "; kept in the history database, so the next review of this month costs nothing"
    bill.notes.append(note + ".")
    return bill

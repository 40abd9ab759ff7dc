"""A monthly review as one call, for the CLI and the app: the bill (Cost Explorer, cached), the metered usage
(a CloudWatch import of that calendar month), the user count, the reconciliation, and the save to history.

Reads only. AWS calls: sts:GetCallerIdentity (needs no permission), ce:GetCostAndUsage, and the import's calls
(discovery and cloudwatch:GetMetricData); usage/iam-policy-review.json grants exactly these.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, time

import botocore.exceptions as bexc

from models.history import History, ReviewRecord
from models.review import Metered, Review, ReviewError, parse_month, reconcile
from models.scenario import Scenario, to_yaml
from pricing.book import PriceBook
from usage import aws, costexplorer
from usage.errors import UsageError
from usage.observed import ObservedUsage

# Every AWS operation a review calls (besides sts:GetCallerIdentity, which needs no permission): the bill, and
# the import's calls for a tag or the whole region (a review does not select by stack).
PERMISSIONS: dict[tuple[str, str], str] = {
    ("ce", "GetCostAndUsage"): "ce:GetCostAndUsage",
    **{k: v for k, v in aws.PERMISSIONS.items() if k != ("cloudformation", "ListStackResources")},
}
NO_PERMISSION_NEEDED = {("sts", "GetCallerIdentity")}
USER_STATS = ("Maximum", "Average", "Sum", "Minimum", "SampleCount")


@dataclass
class ReviewRun:
    review: Review
    bill_json: dict
    metered_json: dict | None
    review_id: int | None = None
    history_path: str | None = None
    messages: list[str] = field(default_factory=list)  # what the run cost and where it came from


def metered_from_observed(obs: ObservedUsage, monthly: bool = False) -> Metered:
    """The import's figures on the model's meters. `monthly=False` takes the observed totals as they are (a
    review reads exactly the calendar month); `monthly=True` takes the import's monthly normalisation."""
    q: dict[str, float] = defaultdict(float)
    invocations: dict[str, float] = defaultdict(float)
    gsi: dict[str, float] = defaultdict(float)
    connects = 0.0

    def f(u) -> float:
        return u.factor if monthly else 1.0

    for u in obs.functions.values():
        a = u.config.architecture
        calls = u.invocations * f(u)
        q[f"lambda.requests.{a}"] += calls
        invocations[a] += calls
        seconds = u.duration_ms_sum * f(u) / 1000
        q[f"lambda.duration_gb_s.{a}"] += seconds * u.config.memory_mb / 1024
        extra_mb = u.config.ephemeral_storage_mb - 512
        if extra_mb > 0:
            q[f"lambda.ephemeral_gb_s.{a}"] += seconds * extra_mb / 1024
    for u in obs.websockets.values():
        q["websocket.messages"] += u.messages * f(u)
        connects += u.connects * f(u)
    for u in obs.tables.values():
        c = u.config.table_class
        if u.config.capacity == "provisioned":  # the current table's hours: from its creation hour on
            hours = obs.hours_per_month if monthly else u.coverage.hours_observed
            q[f"dynamodb.read_capacity_unit_hours.{c}"] += u.config.read_capacity * hours
            q[f"dynamodb.write_capacity_unit_hours.{c}"] += u.config.write_capacity * hours
        else:
            q[f"dynamodb.read_request_units.{c}"] += (u.read_units + sum(u.gsi_read_units.values())) * f(u)
            q[f"dynamodb.write_request_units.{c}"] += (u.write_units + sum(u.gsi_write_units.values())) * f(u)
            gsi[f"dynamodb.write_request_units.{c}"] += sum(u.gsi_write_units.values()) * f(u)
        q[f"dynamodb.storage_gb_month.{c}"] += u.storage_gb
    for name, s in obs.services.items():
        q[f"custom.{name}"] += s.units * (s.factor if monthly else 1.0)
    notes = []
    if obs.tables:
        notes.append("DynamoDB storage is the tables' size when read, not the month's average.")
    if any(u.config.provisioned_concurrency for u in obs.functions.values()):
        notes.append("Provisioned concurrency: its duration is not split out of the Duration metric here.")
    for kind, name, cov in obs.no_data():
        notes.append(f"No CloudWatch data for {kind} {name} {'since its creation' if cov.created else 'in the month'}.")
    for kind, name, cov in obs.partial():
        notes.append(f"Partial CloudWatch data for {kind} {name}: {cov.describe()}.")
    for m in obs.missing:
        notes.append(f"Not imported: {m.what}: {m.reason}" + (f" (needs {m.permission})" if m.permission else ""))
    notes += [f"CloudWatch: {n}" for n in obs.notes]
    return Metered(
        quantities=dict(q),
        source=obs.source,
        connects=connects if obs.websockets else None,
        gsi_write_units=dict(gsi),
        invocations=dict(invocations),
        notes=notes,
    )


def _month_window(month: str, now: datetime):
    from usage.metrics import Window

    start, end = parse_month(month)
    start_dt = datetime.combine(start, time(), UTC)
    end_dt = min(datetime.combine(end, time(), UTC), now.replace(minute=0, second=0, microsecond=0))
    return Window(start=start_dt, end=end_dt)


def import_month(session, month: str, tag: str | None, now: datetime) -> tuple[Metered | None, list[str]]:
    """A CloudWatch import of exactly the calendar month (so far, for the current month)."""
    from usage import discovery, metrics
    from usage.inventory import Selector
    from usage.observed import observe

    kv = costexplorer.parse_tag(tag)
    selector = Selector("tag", kv[0], kv[1]) if kv else Selector()
    win = _month_window(month, now)
    if win.hours < 1:
        return None, ["CloudWatch: the month has not started; nothing metered."]
    discovery.probe(session)
    inv = discovery.discover(session, selector)
    if inv.is_empty():
        denied = sorted({m.permission for m in inv.missing if m.permission})
        why = f"access denied ({', '.join(denied)})" if denied else f"nothing matches {selector.describe()}"
        return None, [f"CloudWatch: no resources imported: {why}; the metered column is empty."]
    queries = metrics.build_queries(inv)
    series, stats = metrics.fetch(aws.client(session, "cloudwatch"), queries, win)
    obs = observe(inv, series, win, win.hours, source=f"CloudWatch, {selector.describe()}, {month}")
    obs.notes += [p for p in stats.problems]
    cost = (
        f"CloudWatch import: {stats.metrics_requested} metrics in {stats.calls} GetMetricData call(s), "
        f"${stats.cost_usd:.5f} ($0.01 per 1,000 metrics)."
    )
    return metered_from_observed(obs), [cost]


def parse_users_metric(spec: str) -> tuple[str, str, str]:
    """'NAMESPACE:METRIC[:STAT]' -> (namespace, metric, stat); the stat defaults to Maximum."""
    parts = spec.split(":")
    stat = "Maximum"
    if len(parts) >= 3 and (parts[-1] in USER_STATS or parts[-1].startswith("p")):
        stat = parts.pop()
    if len(parts) < 2 or not parts[-1] or not ":".join(parts[:-1]):
        raise UsageError(f"--users-metric needs NAMESPACE:METRIC[:STAT], got {spec!r}")
    return ":".join(parts[:-1]), parts[-1], stat


def users_from_metric(session, spec: str, dimensions: list[str], month: str, now: datetime) -> float:
    """The month's user count from a CloudWatch metric the user names (one value over the whole month)."""
    namespace, metric, stat = parse_users_metric(spec)
    dims = []
    for d in dimensions:
        k, sep, v = d.partition("=")
        if not sep or not k:
            raise UsageError(f"--users-dimension needs NAME=VALUE, got {d!r}")
        dims.append({"Name": k, "Value": v})
    win = _month_window(month, now)
    period = max(3600, int((win.end - win.start).total_seconds()) // 3600 * 3600)
    query = {
        "Id": "users",
        "ReturnData": True,
        "MetricStat": {
            "Metric": {"Namespace": namespace, "MetricName": metric, "Dimensions": dims},
            "Period": period,
            "Stat": stat,
        },
    }
    try:
        page = aws.client(session, "cloudwatch").get_metric_data(
            MetricDataQueries=[query], StartTime=win.start, EndTime=win.end, ScanBy="TimestampAscending"
        )
    except (bexc.ClientError, bexc.BotoCoreError) as e:
        raise aws.translate(e, "cloudwatch", "GetMetricData") from None
    values = [v for r in page.get("MetricDataResults", []) for v in r.get("Values", [])]
    if not values:
        raise UsageError(
            f"the metric {namespace} {metric} ({stat}) has no datapoints in {month}; give the user count with --users N"
        )
    value = sum(values) if stat in ("Sum", "SampleCount") else max(values)
    if value <= 0:
        raise UsageError(f"the metric {namespace} {metric} ({stat}) is {value:g} for {month}; give --users N")
    return float(value)


def check_month(month: str, today: datetime) -> bool:
    """Raises when the month has not started; True when it is still in progress."""
    start, end = parse_month(month)
    if start > today.date():
        raise ReviewError(f"{month} has not started yet (today is {today:%Y-%m-%d})")
    return end > today.date()


def run_review(
    scenario: Scenario,
    month: str,
    *,
    scenario_yaml: str | None = None,
    tag: str | None = None,
    users: float | None = None,
    users_metric: str | None = None,
    users_dimensions: list[str] = (),
    demo: bool = False,
    history: History | None = None,
    save: bool = True,
    refresh: bool = False,
    metrics: bool = True,
    profile: str | None = None,
    region: str | None = None,
    notes: str = "",
    now: datetime | None = None,
    book: PriceBook | None = None,
    cur: str | None = None,
    accounts: list[str] = (),
    athena_table: str | None = None,
    athena_output: str | None = None,
    athena_workgroup: str | None = None,
) -> ReviewRun:
    """Fetch, reconcile and save a review. Raises UsageError / ReviewError / HistoryError with one sentence.
    `cur`: the bill from a Cost and Usage Report (CUR 2.0 / FOCUS 1.2 Parquet, a file or folder) instead of Cost
    Explorer; AWS is then called only for the CloudWatch import and a users metric. `athena_table` (with
    `athena_output`, `athena_workgroup`): the same bill from a CUR table on Athena (one query). `accounts`: only
    these usage accounts' lines of the CUR (the reconciliation of those accounts; none: the whole bill)."""
    now = now or datetime.now(UTC)
    parse_month(month)
    if users is not None and users <= 0:
        raise ReviewError("the user count must be a positive number")
    costexplorer.parse_tag(tag)
    custom = list(scenario.services)
    messages: list[str] = []
    if demo:
        from usage import review_demo

        bill = costexplorer.parse(
            review_demo.raw_bill(month),
            month,
            scenario.region,
            custom,
            source="demo account (Cost Explorer-shaped figures)",
        )
        metered = review_demo.metered(month) if metrics else None
        users_source = "entered" if users else "demo account"
        users = users or review_demo.users(month)
        messages.append("Demo account: generated figures, no AWS calls, no charge.")
    else:
        in_progress = check_month(month, now)
        session = None
        if cur and athena_table:
            raise ReviewError("give the bill as --cur PATH or --athena-table DB.TABLE, not both")
        if (athena_output or athena_workgroup) and not athena_table:
            raise ReviewError("--athena-output and --athena-workgroup go with --athena-table")
        if accounts and not (cur or athena_table):
            raise ReviewError("--account filters a CUR bill: give --cur PATH or --athena-table DB.TABLE with it")
        if cur:
            from usage.cur import review_bill

            bill = review_bill(cur, month, scenario.region, custom, tag=tag, accounts=accounts)
        elif athena_table:
            from usage.cur import review_bill

            if not athena_output:
                raise ReviewError(
                    "--athena-table needs --athena-output s3://BUCKET/PREFIX (where Athena writes results)"
                )
            session = aws.make_session(profile, region or scenario.region)
            query = {
                "athena": aws.client(session, "athena"),
                "glue": aws.client(session, "glue"),
                "table": athena_table,
                "output": athena_output,
                "workgroup": athena_workgroup,
                "say": messages.append,
            }
            bill = review_bill(None, month, scenario.region, custom, tag=tag, accounts=accounts, athena=query)
        else:
            session = aws.make_session(profile, region or scenario.region)
            bill = costexplorer.get_bill(
                session, month, scenario.region, custom, tag=tag, history=history, refresh=refresh
            )
        if in_progress:
            bill.notes.append(
                f"{month} is still in progress: the bill and the metered usage are month to date, "
                "the model is a whole month."
            )
        messages += [n for n in bill.notes if n.startswith(("Cost Explorer", "Bill from"))]
        metered = None
        if metrics:
            try:
                session = session or aws.make_session(profile, region or scenario.region)
                metered, cost_notes = import_month(session, month, tag, now)
                messages += cost_notes
                if metered is None:
                    bill.notes += cost_notes
            except UsageError as e:
                bill.notes.append(f"CloudWatch import failed ({e.message}); the metered column is empty.")
        users_source = "entered" if users else ""
        if users is None and users_metric:
            session = session or aws.make_session(profile, region or scenario.region)
            users = users_from_metric(session, users_metric, list(users_dimensions), month, now)
            users_source = f"CloudWatch metric {users_metric}"
    review = reconcile(scenario, bill, metered, users=users, users_source=users_source, book=book, tag=tag)
    bill_json, metered_json = bill.to_json(), metered.to_json() if metered else None
    run = ReviewRun(review, bill_json, metered_json, messages=messages)
    if history is not None and save:
        record = ReviewRecord(
            month=month,
            scenario_name=scenario.name,
            scenario_yaml=scenario_yaml or to_yaml(scenario),
            review=review,
            bill=bill_json,
            usage=metered_json,
            notes=notes,
            tag=tag,
        )
        run.review_id = history.save(record)
        run.history_path = str(history.path)
        messages.append(f"Saved as review #{run.review_id} in {history.path}.")
    return run

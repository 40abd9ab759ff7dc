"""CloudWatch metrics for the discovered resources, fetched in one batched GetMetricData flow.

All queries of the import go out together: as many per call as CloudWatch allows (500 queries, 100,800
datapoints), following NextToken. Never one call per metric per resource. Each series comes back as an
hourly numpy array over the window, NaN where CloudWatch had no datapoint.

GetMetricData is billed $0.01 per 1,000 metrics requested (no free tier), so the import states what it will
cost before it runs and what it did cost after.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from usage.errors import UsageError
from usage.inventory import Inventory

PERIOD_S = 3600  # hourly: CloudWatch keeps 1-hour data for 455 days, so any --days up to that fits
MAX_DAYS = 455
MAX_QUERIES_PER_CALL = 500
MAX_DATAPOINTS_PER_CALL = 100_800
USD_PER_1000_METRICS = 0.01

LAMBDA_METRICS = (
    ("Invocations", "Sum"),
    ("Duration", "Sum"),
    ("ConcurrentExecutions", "Maximum"),
    ("Throttles", "Sum"),
    ("Errors", "Sum"),
)
TABLE_METRICS = (
    ("ConsumedReadCapacityUnits", "Sum"),
    ("ConsumedWriteCapacityUnits", "Sum"),
    ("ReadThrottleEvents", "Sum"),
    ("WriteThrottleEvents", "Sum"),
)
GSI_METRICS = (("ConsumedReadCapacityUnits", "Sum"), ("ConsumedWriteCapacityUnits", "Sum"))


@dataclass(frozen=True)
class Window:
    start: datetime  # aligned to the hour, UTC
    end: datetime
    period_s: int = PERIOD_S

    @property
    def hours(self) -> int:
        return int((self.end - self.start).total_seconds() // 3600)

    @property
    def points(self) -> int:
        return math.ceil((self.end - self.start).total_seconds() / self.period_s)


def window(days: int, now: datetime | None = None) -> Window:
    """The last `days` whole hours-aligned days up to the start of the current hour."""
    if not 1 <= days <= MAX_DAYS:
        raise UsageError(f"--days must be between 1 and {MAX_DAYS} (CloudWatch keeps hourly data 455 days)")
    end = (now or datetime.now(UTC)).astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return Window(start=end - timedelta(days=days), end=end)


@dataclass(frozen=True)
class Query:
    key: tuple  # (kind, name, metric): kind is function | pc | websocket | route | table | gsi
    namespace: str
    metric: str
    dimensions: tuple[tuple[str, str], ...]
    stat: str

    def request(self, query_id: str, period_s: int) -> dict:
        return {
            "Id": query_id,
            "ReturnData": True,
            "MetricStat": {
                "Metric": {
                    "Namespace": self.namespace,
                    "MetricName": self.metric,
                    "Dimensions": [{"Name": n, "Value": v} for n, v in self.dimensions],
                },
                "Period": period_s,
                "Stat": self.stat,
            },
        }


def build_queries(inv: Inventory) -> list[Query]:
    qs: list[Query] = []
    for fn in inv.functions.values():
        for metric, stat in LAMBDA_METRICS:
            qs.append(Query(("function", fn.name, metric), "AWS/Lambda", metric, (("FunctionName", fn.name),), stat))
        for qualifier in fn.provisioned_qualifiers:  # PC metrics exist per alias/version only
            qs.append(
                Query(
                    ("pc", (fn.name, qualifier), "ProvisionedConcurrencyInvocations"),
                    "AWS/Lambda",
                    "ProvisionedConcurrencyInvocations",
                    (("FunctionName", fn.name), ("Resource", f"{fn.name}:{qualifier}")),
                    "Sum",
                )
            )
    for api in inv.websockets.values():
        for metric in ("ConnectCount", "MessageCount"):
            qs.append(
                Query(("websocket", api.api_id, metric), "AWS/ApiGateway", metric, (("ApiId", api.api_id),), "Sum")
            )
        for stage, routes in api.detailed_routes.items():  # only where detailed metrics are on
            for route in routes:
                qs.append(
                    Query(
                        ("route", (api.api_id, stage, route), "MessageCount"),
                        "AWS/ApiGateway",
                        "MessageCount",
                        (("ApiId", api.api_id), ("Stage", stage), ("Route", route)),
                        "Sum",
                    )
                )
    for t in inv.tables.values():
        for metric, stat in TABLE_METRICS:
            qs.append(Query(("table", t.name, metric), "AWS/DynamoDB", metric, (("TableName", t.name),), stat))
        for index in t.gsis:
            for metric, stat in GSI_METRICS:
                qs.append(
                    Query(
                        ("gsi", (t.name, index), metric),
                        "AWS/DynamoDB",
                        metric,
                        (("TableName", t.name), ("GlobalSecondaryIndexName", index)),
                        stat,
                    )
                )
    return qs


def batch_size(win: Window) -> int:
    """Queries per call: at most 500, and few enough that a call's datapoints fit in one page.

    CloudWatch bills the metrics of every call, pages included, so a batch that needs four pages costs four
    times as much as four batches of a quarter of the size that need one page each.
    """
    return max(1, min(MAX_QUERIES_PER_CALL, MAX_DATAPOINTS_PER_CALL // max(1, win.points)))


@dataclass
class FetchStats:
    queries: int = 0
    batch_size: int = 0
    calls: int = 0
    metrics_requested: int = 0
    problems: list[str] = field(default_factory=list)  # per-query status other than Complete

    @property
    def cost_usd(self) -> float:
        return self.metrics_requested * USD_PER_1000_METRICS / 1000


def plan(queries: list[Query], win: Window) -> FetchStats:
    """What the fetch will request and cost, before it runs (one page per call expected)."""
    size = batch_size(win)
    calls = math.ceil(len(queries) / size) if queries else 0
    return FetchStats(queries=len(queries), batch_size=size, calls=calls, metrics_requested=len(queries))


def fetch(cw, queries: list[Query], win: Window) -> tuple[dict[tuple, np.ndarray], FetchStats]:
    """Hourly arrays by query key, and what the fetch requested."""
    # Imported here, not at the top: planning the queries (the demo account, the app's first page) needs no botocore
    import botocore.exceptions as bexc

    from usage import aws

    stats = FetchStats(queries=len(queries), batch_size=batch_size(win))
    series = {q.key: np.full(win.hours, np.nan) for q in queries}
    for first in range(0, len(queries), stats.batch_size):
        batch = queries[first : first + stats.batch_size]
        by_id = {f"q{first + i}": q for i, q in enumerate(batch)}
        requests = [q.request(qid, win.period_s) for qid, q in by_id.items()]
        token, tokens, answered = None, set(), set()
        while True:
            kwargs = {
                "MetricDataQueries": requests,
                "StartTime": win.start,
                "EndTime": win.end,
                "ScanBy": "TimestampAscending",
            }
            if token:
                kwargs["NextToken"] = token
            try:
                page = cw.get_metric_data(**kwargs)
            except (bexc.ClientError, bexc.BotoCoreError) as e:
                raise aws.translate(e, "cloudwatch", "GetMetricData") from None
            stats.calls += 1
            stats.metrics_requested += len(requests)  # billed per metric in every call, pages included
            for result in page["MetricDataResults"]:  # aws.RESPONSE_NEEDS: the key and each result's Id
                q = by_id.get(result["Id"])
                if q is None or len(result.get("Timestamps", [])) != len(result.get("Values", [])):
                    what = (
                        "a result for a query it was not asked"
                        if q is None
                        else "timestamps and values that differ in number"
                    )
                    raise _bad(f"has {what}")
                answered.add(result["Id"])
                _store(series[q.key], result, win)
                if result.get("StatusCode", "Complete") not in ("Complete", "PartialData"):
                    stats.problems.append(f"{_describe(q.key)}: {result['StatusCode']}")
            token = page.get("NextToken")
            if not token:
                break
            aws.check_new_token(token, tokens, "cloudwatch", "GetMetricData")
        # CloudWatch answers every query, with empty lists when there is no data: an answer for none is a
        # bad response (not a batch of quiet resources), an answer for some leaves the others unknown.
        if not answered:
            raise _bad(f"has no results for any of the {len(by_id)} metrics asked")
        stats.problems += [f"{_describe(q.key)}: no result" for qid, q in by_id.items() if qid not in answered]
    return series, stats


def _bad(problem: str) -> UsageError:
    return UsageError(
        f"cloudwatch GetMetricData: the response {problem}; check AWS_ENDPOINT_URL and any proxy on the way, "
        "or try again later"
    )


def _describe(key: tuple) -> str:
    kind, name, metric = key
    return f"{kind} {'/'.join(name) if isinstance(name, tuple) else name} {metric}"


def _store(values: np.ndarray, result: dict, win: Window) -> None:
    for ts, v in zip(result.get("Timestamps", []), result.get("Values", []), strict=True):
        i = int((ts.astimezone(UTC) - win.start).total_seconds() // win.period_s)
        if 0 <= i < len(values):
            values[i] = v

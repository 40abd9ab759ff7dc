"""The indexed GetMetricData used with moto in these tests gives what moto's own code gives."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import moto_fast_metrics
from moto.cloudwatch.models import CloudWatchBackend


def _query(i, namespace, name, dims, stat, period=3600, **extra):
    return {
        "Id": f"q{i}",
        "MetricStat": {
            "Metric": {
                "Namespace": namespace,
                "MetricName": name,
                "Dimensions": [{"Name": k, "Value": v} for k, v in dims],
            },
            "Period": period,
            "Stat": stat,
        },
        **extra,
    }


def test_same_results_as_moto_on_random_data():
    rnd = random.Random(7)
    backend = CloudWatchBackend("us-east-1", "123456789012")
    start = datetime(2026, 10, 1, tzinfo=UTC)
    names, fns = ["Invocations", "Duration"], ["a", "b"]
    data = []
    for _ in range(400):
        dims = [{"Name": "FunctionName", "Value": rnd.choice(fns)}]
        if rnd.random() < 0.2:
            dims.append({"Name": "Resource", "Value": "x"})
        data.append(
            {
                "MetricName": rnd.choice(names),
                "Dimensions": dims,
                "Value": rnd.randint(0, 100),
                "Timestamp": start + timedelta(minutes=rnd.randint(-120, 60 * 60)),
            }
        )
    backend.put_metric_data("AWS/Lambda", data[:300])
    backend.put_metric_data("Custom", data[300:])  # same names and dimensions, another namespace
    queries = [
        _query(i, ns, name, dims, stat, period)
        for i, (ns, name, dims, stat, period) in enumerate(
            (ns, name, dims, stat, period)
            for ns in ("AWS/Lambda", "Custom")
            for name in names
            for dims in ([("FunctionName", "a")], [("FunctionName", "b"), ("Resource", "x")], [])
            for stat in ("Sum", "Maximum", "SampleCount", "Average")
            for period in (3600, 86400)
        )
    ]
    queries.append(_query(len(queries), "AWS/Lambda", "Duration", [("FunctionName", "a")], "Sum", ReturnData=False))
    end = start + timedelta(days=2)
    for scan_by in ("TimestampAscending", "TimestampDescending"):
        stock = moto_fast_metrics.STOCK(backend, queries, start, end, scan_by)
        fast = moto_fast_metrics.fast_get_metric_data(backend, queries, start, end, scan_by)
        assert fast == stock
    assert sum(len(r["values"]) for r in stock) > 100  # the comparison covered real data

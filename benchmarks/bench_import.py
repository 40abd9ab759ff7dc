"""Benchmark: import of 200 Lambda functions, 20 tables and 5 WebSocket APIs over 30 days, against moto.

Prints the GetMetricData calls (and the bound they must respect), every AWS call by operation, and wall
times: in-process (discovery + metrics, scenario) and `cli.py import` as a subprocess.

    .venv/bin/python benchmarks/bench_import.py

moto runs in this process (ThreadedMotoServer on 127.0.0.1, selected by AWS_ENDPOINT_URL). Its own
GetMetricData scans every datapoint for every period of every query, which would take hours here, so the
indexed version from tests/usage/moto_fast_metrics.py (checked against moto's code by the tests) is used.
Metrics are seeded straight into moto's backend: 30 days hourly for the usage metrics.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "usage")]

import moto_fast_metrics  # noqa: E402
from usage_env import aws_test_env, import_command  # noqa: E402

FUNCTIONS, TABLES, APIS, DAYS = 200, 20, 5, 30


def seed(start: datetime) -> int:
    import numpy as np
    from moto.cloudwatch.models import cloudwatch_backends
    from usage_seed import create_function, create_table, create_websocket_api, role_arn

    role = role_arn()
    arns = [
        create_function(
            f"bench-fn-{i:03d}",
            role,
            memory_mb=128 * (1 + i % 8),
            architecture=("x86_64", "arm64")[i % 2],
            tags={"app": "bench"},
        )
        for i in range(FUNCTIONS)
    ]
    api_ids = [
        create_websocket_api(
            f"bench-ws-{i}",
            {"$connect": arns[i], "$disconnect": arns[i], "$default": arns[i + APIS]},
            tags={"app": "bench"},
        )
        for i in range(APIS)
    ]
    for i in range(TABLES):
        create_table(f"bench-table-{i:02d}", gsis=("byUser",) if i % 2 else (), tags={"app": "bench"})

    backend = cloudwatch_backends["123456789012"]["us-east-1"]
    naive_start = start.replace(tzinfo=None)  # moto's server keeps naive UTC times, as it parses them from requests
    hours = DAYS * 24
    cycle = 1 + 0.5 * np.sin(np.arange(hours) * 2 * np.pi / 24)
    n = 0

    def put(namespace: str, metric: str, dims: dict, per_hour: float) -> None:
        nonlocal n
        data = [
            {
                "MetricName": metric,
                "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
                "Timestamp": naive_start + timedelta(hours=h, minutes=30),
                "Value": float(round(per_hour * c)),
            }
            for h, c in enumerate(cycle)
        ]
        backend.put_metric_data(namespace, data)
        n += len(data)

    for i in range(FUNCTIONS):
        dims = {"FunctionName": f"bench-fn-{i:03d}"}
        put("AWS/Lambda", "Invocations", dims, 10 + i)
        put("AWS/Lambda", "Duration", dims, (10 + i) * 50)
    for api in api_ids:
        put("AWS/ApiGateway", "ConnectCount", {"ApiId": api}, 20)
        put("AWS/ApiGateway", "MessageCount", {"ApiId": api}, 400)
        put("AWS/ApiGateway", "MessageCount", {"ApiId": api, "Stage": "Prod", "Route": "$default"}, 100)
    for i in range(TABLES):
        for metric in ("ConsumedReadCapacityUnits", "ConsumedWriteCapacityUnits"):
            put("AWS/DynamoDB", metric, {"TableName": f"bench-table-{i:02d}"}, 30)
            if i % 2:
                put(
                    "AWS/DynamoDB",
                    metric,
                    {"TableName": f"bench-table-{i:02d}", "GlobalSecondaryIndexName": "byUser"},
                    30,
                )
    return n


def main() -> None:
    from moto.server import ThreadedMotoServer

    moto_fast_metrics.install()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    env = aws_test_env(endpoint)
    os.environ.update({k: v for k, v in env.items() if k.startswith("AWS_")})
    for k in ("AWS_PROFILE",):
        os.environ.pop(k, None)
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    try:
        end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        t0 = time.perf_counter()
        datapoints = seed(end - timedelta(days=DAYS))
        print(
            f"seeded {FUNCTIONS} functions, {TABLES} tables ({TABLES // 2} with a GSI), {APIS} WebSocket APIs, "
            f"{datapoints:,} datapoints in {time.perf_counter() - t0:.1f} s"
        )

        from usage import aws
        from usage.importer import import_usage
        from usage.inventory import Selector
        from usage.metrics import MAX_DATAPOINTS_PER_CALL, MAX_QUERIES_PER_CALL
        from usage.to_scenario import scenario_yaml

        calls: Counter = Counter()
        session = aws.make_session()
        session.events.register("before-call", lambda model, **_: calls.update([model.name]))
        marks = {}
        t0 = time.perf_counter()
        result = import_usage(
            Selector("tag", "app", "bench"),
            days=DAYS,
            session=session,
            on_plan=lambda p: marks.setdefault("discovered", time.perf_counter()),
        )
        t_import = time.perf_counter() - t0
        t1 = time.perf_counter()
        text = scenario_yaml(result.observed, users=10_000)
        t_yaml = time.perf_counter() - t1

        obs, f = result.observed, result.fetched
        points = result.observed.window.points
        pages_per_full_batch = math.ceil(min(MAX_QUERIES_PER_CALL, f.queries) * points / MAX_DATAPOINTS_PER_CALL)
        bound = math.ceil(f.queries / MAX_QUERIES_PER_CALL) * pages_per_full_batch
        print(
            f"imported {len(obs.functions)} functions, {len(obs.tables)} tables, {len(obs.websockets)} WebSocket "
            f"APIs; {f.queries} metric queries over {obs.window.hours} h ({points} hourly points each)"
        )
        print(
            f"GetMetricData calls: {calls['GetMetricData']} (import counted {f.calls}); batch size {f.batch_size} "
            f"= min(500, 100,800 datapoints / {points} points)"
        )
        print(
            f"  bound: ceil({f.queries}/500) = {math.ceil(f.queries / 500)} calls x {pages_per_full_batch} pages "
            f"per 500-query batch (100,800 datapoints per page) = {bound}; "
            f"{'OK' if calls['GetMetricData'] <= bound else 'EXCEEDED'}"
        )
        print(
            f"  metrics requested {f.metrics_requested:,}: import cost ${f.cost_usd:.4f} "
            f"(planned ${result.planned.cost_usd:.4f})"
        )
        print("AWS calls by operation: " + ", ".join(f"{k} {v}" for k, v in sorted(calls.items())))
        print(
            f"wall time in-process: discovery {marks['discovered'] - t0:.2f} s, metrics + normalising "
            f"{t_import - (marks['discovered'] - t0):.2f} s, scenario YAML {t_yaml:.3f} s "
            f"({len(text.splitlines()):,} lines)"
        )

        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            r = subprocess.run(
                [*import_command(), "--tag", "app=bench", "--users", "10000", "-o", f"{tmp}/bench.yaml"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
            )
            wall = time.perf_counter() - t0
            if r.returncode:
                raise SystemExit(f"cli import failed: {r.stderr}")
            print(
                f"wall time `{' '.join(Path(c).name for c in import_command())} --tag app=bench` "
                f"as a subprocess: {wall:.2f} s"
            )
    finally:
        server.stop()
        moto_fast_metrics.uninstall()


if __name__ == "__main__":
    main()

"""What moto lacks, through botocore's Stubber: provisioned concurrency, table and index sizes, provisioned
GSI capacity, GetMetricData pagination; and the batching of many queries."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import boto3
import numpy as np
import pytest
import yaml
from botocore.stub import ANY, Stubber

from usage import aws, discovery, metrics
from usage.inventory import FunctionConfig, Inventory, Selector
from usage.metrics import Window
from usage.observed import observe
from usage.to_scenario import scenario_dict

ARN = "arn:aws:lambda:us-east-1:123456789012:function"
GIB = 1024**3


@pytest.fixture
def stubbed(monkeypatch):
    """Stubbed clients handed to the import instead of real ones."""
    session = boto3.Session(region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    clients, stubs = {}, {}
    for service in ("lambda", "apigatewayv2", "dynamodb", "cloudwatch"):
        clients[service] = session.client(service, config=aws.RETRY_CONFIG)
        stubs[service] = Stubber(clients[service])
        stubs[service].activate()
    monkeypatch.setattr(aws, "client", lambda s, service, probe=False: clients[service])
    yield session, stubs
    for s in stubs.values():
        s.assert_no_pending_responses()


def test_provisioned_concurrency_sizes_and_provisioned_gsis(stubbed):
    session, st = stubbed
    st["lambda"].add_response(
        "list_functions",
        {
            "Functions": [
                {
                    "FunctionName": "chat",
                    "FunctionArn": f"{ARN}:chat",
                    "MemorySize": 1024,
                    "Architectures": ["arm64"],
                    "EphemeralStorage": {"Size": 2048},
                }
            ]
        },
        {},
    )
    st["lambda"].add_response(
        "list_provisioned_concurrency_configs",
        {
            "ProvisionedConcurrencyConfigs": [
                {
                    "FunctionArn": f"{ARN}:chat:live",
                    "Status": "READY",
                    "RequestedProvisionedConcurrentExecutions": 7,
                    "AllocatedProvisionedConcurrentExecutions": 7,
                }
            ],
            "NextMarker": "m2",
        },
        {"FunctionName": "chat"},
    )
    st["lambda"].add_response(
        "list_provisioned_concurrency_configs",
        {
            "ProvisionedConcurrencyConfigs": [
                {
                    "FunctionArn": f"{ARN}:chat:3",
                    "Status": "READY",
                    "RequestedProvisionedConcurrentExecutions": 2,
                    "AllocatedProvisionedConcurrentExecutions": 2,
                }
            ]
        },
        {"FunctionName": "chat", "Marker": "m2"},
    )
    st["apigatewayv2"].add_response("get_apis", {"Items": []}, {})
    st["dynamodb"].add_response("list_tables", {"TableNames": ["big"]}, {})
    throughput = {"ReadCapacityUnits": 100, "WriteCapacityUnits": 50}
    st["dynamodb"].add_response(
        "describe_table",
        {
            "Table": {
                "TableName": "big",
                "TableSizeBytes": 5 * GIB,
                "BillingModeSummary": {"BillingMode": "PROVISIONED"},
                "TableClassSummary": {"TableClass": "STANDARD_INFREQUENT_ACCESS"},
                "ProvisionedThroughput": throughput,
                "CreationDateTime": datetime(2020, 1, 1, tzinfo=UTC),
                "GlobalSecondaryIndexes": [
                    {
                        "IndexName": "byRoom",
                        "IndexSizeBytes": GIB,
                        "ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 5},
                    },
                    {"IndexName": "byUser", "IndexSizeBytes": GIB // 2, "ProvisionedThroughput": throughput},
                ],
            }
        },
        {"TableName": "big"},
    )
    inv = discovery.discover(session, Selector())
    fn = inv.functions["chat"]
    assert (fn.memory_mb, fn.architecture, fn.ephemeral_storage_mb) == (1024, "arm64", 2048)
    assert fn.provisioned_concurrency == 9 and fn.provisioned_qualifiers == ["live", "3"]
    t = inv.tables["big"]
    assert (t.capacity, t.table_class, t.read_capacity, t.write_capacity) == ("provisioned", "standard_ia", 210, 105)
    assert t.size_bytes == 6.5 * GIB and t.gsis == ["byRoom", "byUser"]

    queries = metrics.build_queries(inv)
    pc = [q for q in queries if q.metric == "ProvisionedConcurrencyInvocations"]
    assert [q.dimensions for q in pc] == [
        (("FunctionName", "chat"), ("Resource", "chat:live")),
        (("FunctionName", "chat"), ("Resource", "chat:3")),
    ]
    assert len(queries) == 5 + 2 + 4 + 2 * 2  # lambda, PC per alias, table, each GSI

    win = Window(datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 10, 31, tzinfo=UTC))
    series = {
        ("function", "chat", "Invocations"): np.full(720, 100.0),
        ("function", "chat", "Duration"): np.full(720, 5000.0),
        ("pc", ("chat", "live"), "ProvisionedConcurrencyInvocations"): np.full(720, 20.0),
        ("pc", ("chat", "3"), "ProvisionedConcurrencyInvocations"): np.full(720, 5.0),
    }
    sc = scenario_dict(observe(inv, series, win))
    assert sc["functions"]["chat"] == {
        "memory_mb": 1024,
        "architecture": "arm64",
        "duration_ms": 50,
        "ephemeral_storage_mb": 2048,
        "provisioned": {"concurrency": 9, "share": 0.25},
    }
    assert sc["tables"]["big"] == {
        "capacity": "provisioned",
        "table_class": "standard_ia",
        "storage_gb": 6.5,
        "gsis": 2,
        "read_capacity": 210,
        "write_capacity": 105,
    }


def test_provisioned_concurrency_denied_is_recorded_once(stubbed):
    session, st = stubbed
    st["lambda"].add_response(
        "list_functions",
        {"Functions": [{"FunctionName": n, "FunctionArn": f"{ARN}:{n}", "MemorySize": 128} for n in ("a", "b")]},
        {},
    )
    st["lambda"].add_client_error("list_provisioned_concurrency_configs", "AccessDeniedException", http_status_code=403)
    st["apigatewayv2"].add_response("get_apis", {"Items": []}, {})
    st["dynamodb"].add_response("list_tables", {"TableNames": []}, {})
    inv = discovery.discover(session, Selector())
    assert set(inv.functions) == {"a", "b"}
    assert [(m.what, m.permission) for m in inv.missing] == [
        ("provisioned concurrency of Lambda functions", "lambda:ListProvisionedConcurrencyConfigs")
    ]


def test_get_metric_data_follows_next_token_and_counts_what_it_requests(stubbed):
    _, st = stubbed
    win = Window(datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 10, 2, tzinfo=UTC))
    inv = Inventory(region="us-east-1", selector=Selector())
    inv.functions = {"f": FunctionConfig("f")}
    queries = metrics.build_queries(inv)
    hours = [win.start + timedelta(hours=h) for h in range(24)]
    page1 = {
        "MetricDataResults": [
            {"Id": "q0", "Timestamps": hours[:12], "Values": [1.0] * 12, "StatusCode": "PartialData"}
        ],
        "NextToken": "more",
    }
    page2 = {
        "MetricDataResults": [
            {"Id": "q0", "Timestamps": hours[12:], "Values": [2.0] * 12, "StatusCode": "Complete"},
            {"Id": "q1", "Timestamps": hours[3:4], "Values": [77.0], "StatusCode": "Complete"},
            {"Id": "q2", "Timestamps": [], "Values": [], "StatusCode": "Complete"},
            {"Id": "q4", "Timestamps": [], "Values": [], "StatusCode": "Forbidden"},
        ]
    }
    expected = {"MetricDataQueries": ANY, "StartTime": win.start, "EndTime": win.end, "ScanBy": "TimestampAscending"}
    st["cloudwatch"].add_response("get_metric_data", page1, expected)
    st["cloudwatch"].add_response("get_metric_data", page2, {**expected, "NextToken": "more"})
    series, stats = metrics.fetch(aws.client(None, "cloudwatch"), queries, win)
    inv_ = series[("function", "f", "Invocations")]
    assert inv_.tolist() == [1.0] * 12 + [2.0] * 12
    dur = series[("function", "f", "Duration")]
    assert dur[3] == 77 and np.isnan(dur).sum() == 23
    assert (stats.calls, stats.metrics_requested) == (2, 2 * len(queries))  # pages are billed again
    assert stats.cost_usd == pytest.approx(2 * len(queries) * 0.01 / 1000)
    assert stats.problems == ["function f Errors: Forbidden", "function f Throttles: no result"]


class RecordingCloudWatch:
    def __init__(self):
        self.calls: list[list[dict]] = []

    def get_metric_data(self, MetricDataQueries, StartTime, EndTime, ScanBy, NextToken=None):  # noqa: N803
        self.calls.append(MetricDataQueries)
        return {
            "MetricDataResults": [
                {"Id": q["Id"], "Timestamps": [StartTime], "Values": [1.0], "StatusCode": "Complete"}
                for q in MetricDataQueries
            ]
        }


@pytest.mark.parametrize(("days", "functions", "expected_batch"), [(30, 240, 140), (7, 240, 500), (1, 3, 500)])
def test_queries_are_batched_into_as_few_calls_as_the_limits_allow(days, functions, expected_batch):
    inv = Inventory(region="us-east-1", selector=Selector())
    inv.functions = {f"f{i}": FunctionConfig(f"f{i}") for i in range(functions)}
    queries = metrics.build_queries(inv)
    win = metrics.window(days, now=datetime(2026, 11, 27, 10, 42, tzinfo=UTC))
    assert win.end == datetime(2026, 11, 27, 10, tzinfo=UTC) and win.hours == 24 * days
    cw = RecordingCloudWatch()
    series, stats = metrics.fetch(cw, queries, win)
    assert stats.batch_size == expected_batch
    assert expected_batch * win.points <= metrics.MAX_DATAPOINTS_PER_CALL or expected_batch == 500
    assert len(cw.calls) == stats.calls == math.ceil(len(queries) / expected_batch) == metrics.plan(queries, win).calls
    assert all(len(c) <= 500 for c in cw.calls)
    ids = [q["Id"] for c in cw.calls for q in c]
    assert len(ids) == len(set(ids)) == len(queries)
    assert all(a[0] == 1.0 for a in series.values())


def test_days_out_of_range():
    for days in (0, 456):
        with pytest.raises(aws.UsageError, match="--days must be between 1 and 455"):
            metrics.window(days)


def test_scenario_yaml_with_provisioned_concurrency_is_valid():
    """A provisioned-concurrency function and a provisioned table pass the project's validator."""
    import models.scenario as models

    inv = Inventory(region="us-east-1", selector=Selector())
    inv.functions = {
        "chat": FunctionConfig("chat", memory_mb=1024, provisioned_concurrency=3, provisioned_qualifiers=["live"])
    }
    win = Window(datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 10, 31, tzinfo=UTC))
    obs = observe(
        inv,
        {
            ("function", "chat", "Invocations"): np.full(720, 10.0),
            ("function", "chat", "Duration"): np.full(720, 333.0),
        },
        win,
    )
    from usage.to_scenario import scenario_yaml

    text = scenario_yaml(obs, users=10)
    s = models.loads(text)
    assert s.functions["chat"].provisioned.concurrency == 3
    assert yaml.safe_load(text)["functions"]["chat"]["provisioned"] == {"concurrency": 3}  # share unknown: default

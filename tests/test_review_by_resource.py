"""The review from a CUR splits a line of one function or table by the model's per-feature use of THAT resource
(each service's per_use_by_resource, through the registry); lines without a resource the model knows fall back to
the per-meter share.

Scenario below: `send` writes 1 item to `items` and calls `api`; `read` writes 3 to `items`, 1 to `logs`, calls
`api` and `worker`. Per meter (WriteRequestUnits) send puts 1 WRU a use, read 4: the meter's share is 1/5 : 4/5.
Bill (October 2026, no feature tags):
    WriteRequestUnits on arn:...:table/items  $4.00  -> items only: send 1 : read 3 -> send 1.00, read 3.00
    WriteRequestUnits on table/logs           $1.00  -> only read writes it         -> read 1.00
    WriteRequestUnits, no resource            $5.00  -> per meter 1/5 : 4/5         -> send 1.00, read 4.00
    Request on arn:...:function:worker        $0.50  -> only read calls it          -> read 0.50
send 1.00 + 1.00 = $2.00 (of which resource-level 1.00); read 3.00 + 1.00 + 4.00 + 0.50 = $8.50 (resource 4.50).
Uses: 1,000 users x 1,000 each = 1,000,000 of each: send $0.000002 a use, read $0.0000085.
"""

from __future__ import annotations

import pytest

from models.review import resource_of
from models.scenario import loads
from tests import cur_bills as cb
from tests.test_review_cur import NOW
from usage import review_run

YAML = """
name: Split test
region: us-east-1
free_tier: false
hours_per_month: 744
functions:
  api: {memory_mb: 512, architecture: x86_64, duration_ms: 100}
  worker: {memory_mb: 512, architecture: x86_64, duration_ms: 100}
tables:
  items: {storage_gb: 1}
  logs: {storage_gb: 1}
features:
  send:
    lambda: {api: 1}
    dynamodb:
      - {table: items, writes: 1, item_kb: 1}
  read:
    lambda: {api: 1, worker: 1}
    dynamodb:
      - {table: items, writes: 3, item_kb: 1}
      - {table: logs, writes: 1, item_kb: 1}
tiers:
  pro: {users: 1000, price: 5, uses: {send: 1000, read: 1000}}
"""
TABLE = "arn:aws:dynamodb:us-east-1:111111111111:table/"
LINES = [
    cb.cur_line(cb.A, "AmazonDynamoDB", "WriteRequestUnits", "Usage", 4_000_000, 4.00, resource=TABLE + "items"),
    cb.cur_line(cb.A, "AmazonDynamoDB", "WriteRequestUnits", "Usage", 1_000_000, 1.00, resource="table/logs"),
    cb.cur_line(cb.A, "AmazonDynamoDB", "WriteRequestUnits", "Usage", 5_000_000, 5.00),
    cb.cur_line(cb.A, "AWSLambda", "Request", "Usage", 2_500_000, 0.50, resource=cb.FN + "worker"),
]


def test_resource_lines_are_split_by_the_use_of_that_resource(tmp_path):
    cb.write(tmp_path / "BILLING_PERIOD=2026-10" / "a.parquet", LINES)
    s = loads(YAML, source="test")
    r = review_run.run_review(s, "2026-10", metrics=False, history=None, now=NOW, cur=str(tmp_path)).review
    features = {f["name"]: f for f in r.unit_costs["features"]}
    assert features["send"]["billed_cost"] == pytest.approx(2.00, abs=1e-9)
    assert features["read"]["billed_cost"] == pytest.approx(8.50, abs=1e-9)
    assert (features["send"]["resource_cost"], features["read"]["resource_cost"]) == (1.00, 4.50)
    assert features["read"]["cost_per_use"] == pytest.approx(8.50 / 1e6)
    assert any(n.startswith("Resource-level lines: $5.50") for n in r.notes)


def test_a_resource_id_is_matched_by_name_or_arn_suffix():
    names = {"chat", "items", "a-chat"}
    assert resource_of("arn:aws:lambda:us-east-1:1:function:chat", names) == "chat"
    assert resource_of("arn:aws:lambda:us-east-1:1:function:a-chat", names) == "a-chat"
    assert resource_of("arn:aws:dynamodb:us-east-1:1:table/items", names) == "items"
    assert resource_of("items", names) == "items"
    assert resource_of("arn:aws:dynamodb:us-east-1:1:table/itemsx", names) is None
    assert resource_of("i-0123", names) is None

"""`review --cur` over a bill with two accounts, filtered by `--account ID`, and `review --athena-table`: the same
review from the same bill on Athena (moto in server mode, the answer being what DuckDB computes for the same
query over the same lines, as in tests/test_actuals_athena.py).

The bill is tests/test_review_cur.py's LINES (October 2026). Account B = 222222222222 has two usage lines:
DynamoDB WriteRequestUnits 3,750,000 at $2.34375 (-> $2.34 to the cent) and S3 TimedStorage-ByteHrs 100 at $2.30;
no records. So --account B bills 2.34 + 2.30 = $4.64, and account A the rest: 11.97 - 4.64 = $7.33 (A's
WriteRequestUnits 2.50; both accounts' 2.50 + 2.34375 = 4.84375 -> 4.84 = 2.50 + 2.34, so the split adds up to
the cent).
"""

from __future__ import annotations

import os
import subprocess
import sys

import boto3
import duckdb
import pytest

from models.scenario import loads
from tests import cur_bills as cb
from tests.test_actuals_athena import as_athena_rows, glue_columns
from tests.test_review_cur import LINES, NOW, ROOT, SCENARIO, _comparable, _post, aws_test_env, bill_folder
from usage import cur, review_run
from usage.cur import CurError, review_bill

__all__ = ["bill_folder"]  # a fixture; `moto` comes from conftest.py
REVIEW_KEYS = list(cur.REVIEW_KEYS)


def test_account_filter_keeps_that_accounts_lines(bill_folder):
    bill = review_bill(str(bill_folder), "2026-10", "us-east-1", accounts=[cb.B])
    assert sorted((b.service, b.usage_type, b.quantity, b.cost) for b in bill.lines) == [
        ("AmazonDynamoDB", "WriteRequestUnits", 3_750_000, 2.34375),
        ("AmazonS3", "TimedStorage-ByteHrs", 100, 2.30),
    ]
    assert bill.other == {} and bill.source == f"CUR 2.0 at {bill_folder}, account(s) {cb.B}"
    a = review_bill(str(bill_folder), "2026-10", "us-east-1", accounts=[cb.A, cb.A])
    assert ("AmazonS3", "TimedStorage-ByteHrs") not in {(b.service, b.usage_type) for b in a.lines}
    assert a.other["Credit"] == pytest.approx(-5.00) and a.other["Tax"] == pytest.approx(1.20)
    with pytest.raises(CurError, match=r"--account needs a 12-digit AWS account id, got '1234'"):
        review_bill(str(bill_folder), "2026-10", "us-east-1", accounts=["1234"])
    with pytest.raises(CurError, match="no bill lines for 2026-10 in account\\(s\\) 333333333333"):
        review_bill(str(bill_folder), "2026-10", "us-east-1", accounts=["333333333333"])


def _review(tmp_path, *args) -> subprocess.CompletedProcess:
    env = dict(aws_test_env(None))
    cmd = [sys.executable, str(ROOT / "cli.py"), "review", "--month", "2026-10", "--scenario", str(SCENARIO)]
    cmd += ["--no-metrics", "--no-save", "--history", str(tmp_path / "h.sqlite3"), *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env)


def test_review_per_account_on_the_command_line(bill_folder, tmp_path):
    import json

    totals = {}
    for account in (cb.A, cb.B):
        r = _review(tmp_path, "--cur", str(bill_folder), "--account", account, "--json")
        assert r.returncode == 0, r.stderr
        d = json.loads(r.stdout)
        assert d["bill_source"].endswith(f"account(s) {account}")
        totals[account] = d["total_billed"]
    assert totals == pytest.approx({cb.A: 7.33, cb.B: 4.64}, abs=1e-9)
    both = json.loads(
        _review(tmp_path, "--cur", str(bill_folder), "--account", cb.A, "--account", cb.B, "--json").stdout
    )
    assert both["total_billed"] == pytest.approx(11.97, abs=1e-9)
    for args, message in (
        (["--account", cb.A], "error: --account filters a CUR bill: give --cur PATH or --athena-table DB.TABLE"),
        (["--cur", str(bill_folder), "--account", "x"], "error: --account needs a 12-digit AWS account id, got 'x'"),
        (["--cur", str(bill_folder), "--athena-table", "a.b"], "error: give the bill as --cur PATH or --athena-table"),
        (["--athena-table", "a.b"], "error: --athena-table needs --athena-output s3://BUCKET/PREFIX"),
        (["--cur", str(bill_folder), "--athena-output", "s3://x/"], "error: --athena-output and --athena-workgroup"),
    ):
        r = _review(tmp_path, *args)
        assert r.returncode == 2 and r.stderr.startswith(message) and r.stderr.count("\n") == 1, (args, r.stderr)


def _answer(tmp_path, accounts=()) -> list[tuple]:
    """What Athena returns for the review's query: DuckDB's answer to the same query over the same lines."""
    f = cb.write(tmp_path / "ath" / "BILLING_PERIOD=2026-10" / "a.parquet", LINES)
    source = f"read_parquet('{f}', hive_partitioning = true)"
    con = duckdb.connect()
    columns = {n: t for n, t, *_ in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
    plan = cur.build(columns, source, "test", "2026-10", REVIEW_KEYS, "duckdb", accounts=accounts)
    rows = con.execute(plan.sql).fetchall()
    con.close()
    return rows


@pytest.mark.parametrize("accounts", [(), (cb.B,)])
def test_review_from_athena_equals_the_review_from_local_files(moto, bill_folder, monkeypatch, tmp_path, accounts):
    for k in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(k)
    for k, v in aws_test_env(moto).items():
        if k.startswith("AWS_"):
            monkeypatch.setenv(k, v)
    _post(f"{moto}/moto-api/reset", {})
    glue = boto3.client("glue", region_name="us-east-1")
    glue.create_database(DatabaseInput={"Name": "cur"})
    glue.create_table(
        DatabaseName="cur",
        TableInput={
            "Name": "cur2",
            "StorageDescriptor": {"Columns": glue_columns(), "Location": "s3://cur-bucket/data/"},
            "PartitionKeys": [{"Name": "billing_period", "Type": "string"}],
        },
    )
    rows = as_athena_rows(_answer(tmp_path, accounts), len(REVIEW_KEYS))
    _post(f"{moto}/moto-api/static/athena/query-results", {"results": [{"rows": rows, "column_info": []}]})
    s = loads(SCENARIO.read_text(), source=str(SCENARIO))
    kw = {"metrics": False, "history": None, "now": NOW, "accounts": list(accounts)}
    local = review_run.run_review(s, "2026-10", cur=str(bill_folder), **kw).review.to_json()
    on_athena = review_run.run_review(
        s, "2026-10", athena_table="cur.cur2", athena_output="s3://athena-results/unitcost/", **kw
    )
    review = on_athena.review.to_json()
    assert _comparable(review) == _comparable(local)
    assert review["total_billed"] == pytest.approx(4.64 if accounts else 11.97, abs=1e-9)
    assert review["bill_source"].startswith("CUR 2.0 at Athena cur.cur2")
    # one query, the month's partition, and the account filter in the SQL when asked
    athena = boto3.client("athena", region_name="us-east-1")
    ids = athena.list_query_executions()["QueryExecutionIds"]
    assert len(ids) == 1
    sql = athena.get_query_execution(QueryExecutionId=ids[0])["QueryExecution"]["Query"]
    assert "\"billing_period\" = '2026-10'" in sql
    assert (f"\"line_item_usage_account_id\" IN ('{cb.B}')" in sql) == bool(accounts)
    assert any("one Athena query" in m and "MB scanned" in m for m in on_athena.messages)

"""`cli.py actuals --athena-table` against moto in server mode (a ThreadedMotoServer on 127.0.0.1 selected by
AWS_ENDPOINT_URL): the table's columns in moto's Glue catalog, the query's answer set through moto's API
(POST /moto-api/static/athena/query-results), the execution held QUEUED and RUNNING for a few polls by moto's
state manager. botocore's Stubber stands in where moto cannot go: a failed or cancelled query, a denied
permission, a table that does not exist, and a non-zero DataScannedInBytes (moto always reports 0).

The answer moto returns is what DuckDB computes for the same query over the same lines (tests/cur_bills.py,
October 2026), so the Athena report must be the DuckDB report: total unblended 23.8836, effective 11.8836 (the
hand computation is in tests/test_actuals.py).

Cost of a scan: bytes rounded up to the MB, at least 10 MB, $5 per TB (2^40 bytes):
    0 bytes (moto)         -> 10 MB = 10 x 2^20 / 2^40 x $5 = $0.0000476837
    2,500,000,000,000 bytes -> ceil(2.5e12 / 2^20) = 2,384,186 MB -> 2,384,186 / 2^20 x $5 = $11.368684768676758
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import boto3
import duckdb
import pytest
from botocore.stub import Stubber

from tests import cur_bills as cb
from usage import cur

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "usage"))
from usage_env import aws_test_env  # noqa: E402

DB, TABLE = "cur", "cur2"
OUTPUT = "s3://athena-results/unitcost/"
GLUE_TYPES = {"VARCHAR": "string", "DOUBLE": "double", "TIMESTAMP": "timestamp"}
GLUE_TYPES["MAP(VARCHAR, VARCHAR)"] = "map<string,string>"


def _post(url: str, body: dict) -> None:
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    urllib.request.urlopen(req, timeout=10).read()


def glue_columns() -> list[dict]:
    """The CUR 2.0 table as a Data Exports Athena setup has it (period start kept as a column too)."""
    return [{"Name": c, "Type": GLUE_TYPES[t]} for c, t in cb.CUR_COLUMNS.items()]


def athena_answer(tmp_path: Path, keys: list[cur.Key]) -> list[tuple]:
    """What Athena would return for the query: the same query run by DuckDB over the same lines."""
    f = cb.write(tmp_path / "BILLING_PERIOD=2026-10" / "a.parquet", cb.CUR_OCTOBER)
    source = f"read_parquet('{f}', hive_partitioning = true)"
    con = duckdb.connect()
    columns = {n: t for n, t, *_ in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
    plan = cur.build(columns, source, "test", "2026-10", keys, "duckdb")
    rows = con.execute(plan.sql).fetchall()
    con.close()
    return rows


def as_athena_rows(rows: list[tuple], n_keys: int) -> list[dict]:
    header = [f"k{i}" for i in range(n_keys)] + ["line_type", "lines", "usage_amount", "unblended_cost"]
    header += ["effective_cost", "no_effective"]
    out = [{"Data": [{"VarCharValue": h} for h in header]}]
    for r in rows:
        out.append({"Data": [{} if v is None else {"VarCharValue": str(v)} for v in r]})
    return out


@pytest.fixture
def account(moto, monkeypatch, tmp_path):
    """A fresh moto: the Glue table (partitioned by billing_period), the answer queued, executions slowed down."""
    for k in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(k)
    for k, v in aws_test_env(moto).items():
        if k.startswith("AWS_"):
            monkeypatch.setenv(k, v)
    _post(f"{moto}/moto-api/reset", {})
    glue = boto3.client("glue", region_name="us-east-1")
    glue.create_database(DatabaseInput={"Name": DB})
    glue.create_table(
        DatabaseName=DB,
        TableInput={
            "Name": TABLE,
            "StorageDescriptor": {"Columns": glue_columns(), "Location": "s3://cur-bucket/unitcost/data/"},
            "PartitionKeys": [{"Name": "billing_period", "Type": "string"}],
        },
    )
    keys = cur.parse_group_by(None)
    answer = athena_answer(tmp_path, keys)
    _post(
        f"{moto}/moto-api/static/athena/query-results",
        {"results": [{"rows": as_athena_rows(answer, len(keys)), "column_info": []}]},
    )
    # manual progression: the execution moves on every 2nd GetQueryExecution, so it is seen running a while
    _post(
        f"{moto}/moto-api/state-manager/set-transition",
        {"model_name": "athena::execution", "transition": {"progression": "manual", "times": 2}},
    )
    yield moto
    _post(f"{moto}/moto-api/state-manager/unset-transition", {"model_name": "athena::execution"})


def test_athena_runs_one_query_polls_with_backoff_and_reports_the_scan(account, tmp_path):
    athena = boto3.client("athena", region_name="us-east-1")
    glue = boto3.client("glue", region_name="us-east-1")
    slept: list[float] = []
    said: list[str] = []
    out = cur.athena_actuals(
        athena, glue, f"{DB}.{TABLE}", OUTPUT, "2026-10", cur.parse_group_by(None), sleep=slept.append, say=said.append
    )
    # one execution, and the SQL moto recorded is the plan's: the month's partition, only the columns it needs
    ids = athena.list_query_executions()["QueryExecutionIds"]
    assert ids == [out.athena["query_execution_id"]]
    sent = athena.get_query_execution(QueryExecutionId=ids[0])["QueryExecution"]
    assert sent["Query"] == out.sql
    assert sent["QueryExecutionContext"]["Database"] == DB
    assert sent["ResultConfiguration"]["OutputLocation"].startswith(OUTPUT)
    assert f'FROM "{DB}"."{TABLE}" WHERE "billing_period" = \'2026-10\' GROUP BY 1, 2, 3, 4' in out.sql
    assert "SELECT *" not in out.sql and "fsum" not in out.sql  # Athena sums with sum()
    # polling: moto's manual transitions (times=2) answer QUEUED/RUNNING three times, then SUCCEEDED:
    # 4 GetQueryExecution calls and 3 waits, each twice the one before
    assert out.athena["polls"] == 4
    assert slept == [0.25, 0.5, 1.0]
    assert said and "Athena gives no estimate before a query runs" in said[0]
    assert "the billing_period = '2026-10' partition" in said[0]
    # the scan: moto reports 0 bytes, billed as Athena's 10 MB minimum
    assert out.athena["data_scanned_bytes"] == 0
    assert out.athena["cost_usd"] == pytest.approx(10 * 2**20 / 2**40 * 5, rel=1e-12)
    assert out.athena["cost_usd"] == pytest.approx(0.0000476837, rel=1e-6)
    # the report is the DuckDB report of the same lines
    local = cur.duckdb_actuals(str(cb.write_cur_export(tmp_path / "export")), "2026-10", cur.parse_group_by(None))
    assert out.rows == local.rows
    assert (out.total_unblended, out.total_effective) == pytest.approx((23.8836, 11.8836), abs=1e-9)
    assert out.line_types == local.line_types
    assert out.engine == "athena" and out.source == f"Athena {DB}.{TABLE}"


def test_athena_through_the_cli(account):
    env = aws_test_env(account)
    cmd = [sys.executable, str(ROOT / "cli.py"), "actuals", "--athena-table", f"{DB}.{TABLE}"]
    cmd += ["--athena-output", OUTPUT, "--month", "2026-10"]
    r = subprocess.run([*cmd, "--json"], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert (d["engine"], d["month"]) == ("athena", "2026-10")
    assert d["total_unblended"] == pytest.approx(23.8836, abs=1e-9)
    assert d["athena"]["data_scanned_bytes"] == 0
    assert "Athena gives no estimate before a query runs" in r.stderr
    assert "0.0 MB scanned, $0.000048 ($5 per TB, 10 MB minimum)" in r.stderr


# ---------------------------------------------------------------- Stubber: what moto cannot produce


def _stubbed(columns: list[dict] | None = None):
    athena = boto3.client("athena", region_name="us-east-1")
    glue = boto3.client("glue", region_name="us-east-1")
    sa, sg = Stubber(athena), Stubber(glue)
    if columns is not None:
        sg.add_response(
            "get_table",
            {"Table": {"Name": TABLE, "StorageDescriptor": {"Columns": columns}, "PartitionKeys": []}},
            {"DatabaseName": DB, "Name": TABLE},
        )
    return athena, glue, sa, sg


def _execution(state: str, scanned: int = 0, reason: str | None = None) -> dict:
    status = {"State": state, "SubmissionDateTime": datetime(2026, 11, 2, tzinfo=UTC)}
    if reason:
        status["StateChangeReason"] = reason
    stats = {"DataScannedInBytes": scanned}
    return {"QueryExecution": {"QueryExecutionId": "q-1", "Status": status, "Statistics": stats}}


def _run(athena, glue, sa, sg, **kw):
    with sa, sg:
        return cur.athena_actuals(
            athena, glue, f"{DB}.{TABLE}", OUTPUT, "2026-10", cur.parse_group_by(kw.pop("group_by", None)),
            sleep=lambda s: None, **kw,
        )  # fmt: skip


def test_bytes_scanned_are_billed_to_the_mb_at_5_usd_per_tb(tmp_path):
    """No partition key: the month is read from bill_billing_period_start_date (every partition scanned).
    Two result pages; the first row of the first page is the header."""
    athena, glue, sa, sg = _stubbed(glue_columns())
    keys = cur.parse_group_by("service")
    answer = as_athena_rows(athena_answer(tmp_path, keys), 1)
    sa.add_response("start_query_execution", {"QueryExecutionId": "q-1"})
    sa.add_response("get_query_execution", _execution("RUNNING"), {"QueryExecutionId": "q-1"})
    sa.add_response("get_query_execution", _execution("SUCCEEDED", 2_500_000_000_000), {"QueryExecutionId": "q-1"})
    sa.add_response(
        "get_query_results",
        {"ResultSet": {"Rows": answer[:4]}, "NextToken": "t2"},
        {"QueryExecutionId": "q-1", "MaxResults": 1000},
    )
    sa.add_response(
        "get_query_results",
        {"ResultSet": {"Rows": answer[4:]}},
        {"QueryExecutionId": "q-1", "MaxResults": 1000, "NextToken": "t2"},
    )
    said = []
    out = _run(athena, glue, sa, sg, group_by="service", say=said.append)
    sa.assert_no_pending_responses()
    assert out.athena["cost_usd"] == pytest.approx(11.368684768676758, rel=1e-12)
    assert out.athena["data_scanned_bytes"] == 2_500_000_000_000
    assert "every partition" in said[0]
    assert "\"bill_billing_period_start_date\" >= TIMESTAMP '2026-10-01 00:00:00'" in out.sql
    assert out.total_unblended == pytest.approx(23.8836, abs=1e-9)
    services = {r["service"]: r["unblended_cost"] for r in out.rows}
    assert services["AmazonEC2"] == pytest.approx(7.7376, abs=1e-9)  # the row after the page break


@pytest.mark.parametrize(
    "state, reason, expected",
    [
        (
            "FAILED",
            "COLUMN_NOT_FOUND: line 1:8: Column 'line_item_usage_type' cannot be resolved",
            "Athena query q-1 failed: COLUMN_NOT_FOUND: line 1:8: Column 'line_item_usage_type' cannot be resolved",
        ),
        ("CANCELLED", None, "Athena query q-1 cancelled: no reason given"),
    ],
)
def test_a_failed_query_is_one_message(state, reason, expected):
    athena, glue, sa, sg = _stubbed(glue_columns())
    sa.add_response("start_query_execution", {"QueryExecutionId": "q-1"})
    sa.add_response("get_query_execution", _execution(state, reason=reason), {"QueryExecutionId": "q-1"})
    with pytest.raises(cur.CurError) as e:
        _run(athena, glue, sa, sg)
    assert str(e.value) == expected


def test_denied_permissions_are_named():
    athena, glue, sa, sg = _stubbed(glue_columns())
    sa.add_client_error("start_query_execution", "AccessDeniedException", "not authorized", 400)
    with pytest.raises(cur.CurError) as e:
        _run(athena, glue, sa, sg)
    assert str(e.value) == "access denied: StartQueryExecution needs the IAM permission athena:StartQueryExecution"
    assert e.value.permission == "athena:StartQueryExecution"
    athena, glue, sa, sg = _stubbed()
    sg.add_client_error("get_table", "AccessDeniedException", "no", 400)
    with pytest.raises(cur.CurError, match=r"^access denied: GetTable needs the IAM permission glue:GetTable$"):
        _run(athena, glue, sa, sg)


def test_a_table_that_is_not_there_or_not_a_bill():
    athena, glue, sa, sg = _stubbed()
    sg.add_client_error("get_table", "EntityNotFoundException", "Table cur2 not found.", 400)
    with pytest.raises(cur.CurError, match=r"^glue GetTable: Table cur2 not found\.$"):
        _run(athena, glue, sa, sg)
    athena, glue, sa, sg = _stubbed([{"Name": "line_item_usage_account_id", "Type": "string"}])
    with pytest.raises(cur.CurError, match=r"^Athena cur\.cur2: CUR 2\.0 columns missing: line_item_product_code"):
        _run(athena, glue, sa, sg)


def test_bad_athena_arguments_exit_2(capsys):
    import cli

    for args, text in (
        (["--athena-table", "nodot", "--athena-output", OUTPUT], "--athena-table needs DATABASE.TABLE"),
        (["--athena-table", "a.b"], "--athena-table needs --athena-output s3://BUCKET/PREFIX"),
        (["--athena-table", "a.b", "--athena-output", "/tmp/x"], "--athena-output needs s3://BUCKET/PREFIX"),
        (["--cur", "x", "--athena-output", OUTPUT], "go with --athena-table, not --cur"),
    ):
        assert cli.main(["actuals", "--month", "2026-10", *args]) == 2
        err = capsys.readouterr().err
        assert text in err and len(err.strip().splitlines()) == 1, (args, err)


def test_the_policy_grants_exactly_the_calls_made():
    """usage/iam-policy-actuals.json: the Athena and Glue actions of ATHENA_PERMISSIONS, nothing more (S3 for the
    bill and the results is the user's bucket names)."""
    policy = json.loads((ROOT / "usage" / "iam-policy-actuals.json").read_text())
    granted = {a for s in policy["Statement"] for a in s["Action"] if not a.startswith("s3:")}
    assert granted == set(cur.ATHENA_PERMISSIONS.values())


def test_athena_sql_reads_tags_with_element_at():
    """Athena (Trino) raises on map[key] for a missing key: tags are read with element_at, which gives null."""
    columns = {c["Name"]: c["Type"] for c in glue_columns()} | {"billing_period": "string"}
    plan = cur.build(columns, '"cur"."cur2"', "t", "2026-10", cur.parse_group_by("tag:feature"), "athena")
    assert (
        "coalesce(nullif(element_at(\"resource_tags\", 'feature'), ''), "
        "nullif(element_at(\"resource_tags\", 'user_feature'), ''), "
        "nullif(element_at(\"resource_tags\", 'user:feature'), '')) AS k0" in plan.sql
    )
    assert "map_extract_value" not in plan.sql and "fsum" not in plan.sql

"""Benchmark: `cli.py actuals` over a generated CUR 2.0 month of 10 million lines in Parquet.

Prints the generation (not counted), the whole `cli.py actuals` process's wall time and peak RSS for the default
grouping and for a tag grouping, each with its lines per second, next to a plain `SELECT count(*)` over the same
files (and a one-column fsum) through duckdb. The bound: at most 3 s per run, and memory bounded (the lines are never
all in Python: the engine groups them and only the groups come back).

    .venv/bin/python benchmarks/bench_actuals.py [LINES]

The month is written by DuckDB itself (COPY ... TO ... (FORMAT parquet)) into a temporary Data Exports layout,
data/BILLING_PERIOD=2026-10/, in several files as an export's chunks are: 40 accounts, 9 services, 27 usage
types, 200,000 resources, a resource_tags map (feature on 3 lines in 4, tenant on half), 1 line in 10 a
SavingsPlanCoveredUsage line with its SavingsPlanNegation, and a few credits and taxes.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOUND_S = 3.0
USAGE_TYPES = [
    ("AWSLambda", "Request"),
    ("AWSLambda", "Lambda-GB-Second"),
    ("AWSLambda", "Request-ARM"),
    ("AWSLambda", "Lambda-GB-Second-ARM"),
    ("AmazonDynamoDB", "ReadRequestUnits"),
    ("AmazonDynamoDB", "WriteRequestUnits"),
    ("AmazonDynamoDB", "TimedStorage-ByteHrs"),
    ("AmazonApiGateway", "ApiGatewayMessage"),
    ("AmazonApiGateway", "ApiGatewayMinute"),
    ("AWSQueueService", "Requests-RBP"),
    ("AmazonSNS", "Requests-Tier1"),
    ("AWSEvents", "Event-64K-Chunks"),
    ("AmazonStates", "StateTransition"),
    ("AmazonS3", "Requests-Tier1"),
    ("AmazonS3", "Requests-Tier2"),
    ("AmazonS3", "TimedStorage-ByteHrs"),
    ("AmazonEC2", "BoxUsage:t3.micro"),
    ("AmazonCloudWatch", "DataProcessing-Bytes"),
]
REGIONS = ["", "USE2-", "EU-"]


def generate(folder: Path, lines: int) -> float:
    """The month's lines as Parquet files (about 1M lines each); returns the seconds it took."""
    out = folder / "data" / "BILLING_PERIOD=2026-10"
    out.mkdir(parents=True)
    types = ", ".join(f"({k}, '{s}', '{u}')" for k, (s, u) in enumerate(USAGE_TYPES))
    regions = ", ".join(f"'{r}'" for r in REGIONS)
    sql = f"""
        COPY (
        WITH t AS (SELECT * FROM (VALUES {types}) v(k, product, usage_suffix)),
        r AS (SELECT list_value({regions}) AS prefixes),
        n AS (
            SELECT i, CAST(hash(i) % 2147483647 AS BIGINT) AS h,
                   CASE WHEN i % 10 = 1 THEN 'SavingsPlanCoveredUsage' WHEN i % 10 = 2 THEN 'SavingsPlanNegation'
                        WHEN i % 997 = 3 THEN 'Credit' WHEN i % 991 = 4 THEN 'Tax' ELSE 'Usage' END AS line_type
            FROM range({lines}) g(i)
        )
        SELECT
            '999999999999' AS bill_payer_account_id,
            TIMESTAMP '2026-10-01 00:00:00' AS bill_billing_period_start_date,
            lpad(CAST(100000000000 + h % 40 AS VARCHAR), 12, '0') AS line_item_usage_account_id,
            n.line_type AS line_item_line_item_type,
            TIMESTAMP '2026-10-01 00:00:00' + INTERVAL (i % 744) HOUR AS line_item_usage_start_date,
            t.product AS line_item_product_code,
            r.prefixes[1 + (h // 7) % 3] || t.usage_suffix AS line_item_usage_type,
            'arn:aws:' || lower(t.product) || ':resource/' || CAST(h % 200000 AS VARCHAR) AS line_item_resource_id,
            CAST(h % 100000 AS DOUBLE) / 10 AS line_item_usage_amount,
            CASE WHEN n.line_type = 'SavingsPlanNegation' THEN -1 ELSE 1 END
                * CAST(h % 1000000 AS DOUBLE) / 1e7 AS line_item_unblended_cost,
            CASE WHEN n.line_type = 'SavingsPlanCoveredUsage' THEN CAST(h % 1000000 AS DOUBLE) / 1.2e7 END
                AS savings_plan_savings_plan_effective_cost,
            CAST(NULL AS DOUBLE) AS savings_plan_total_commitment_to_date,
            CAST(NULL AS DOUBLE) AS savings_plan_used_commitment,
            CASE WHEN h % 4 = 0 THEN MAP {{'user_tenant': 't' || CAST(h % 50 AS VARCHAR)}}
                 WHEN h % 4 = 1 THEN MAP {{'user_feature': 'f' || CAST(h % 12 AS VARCHAR)}}
                 ELSE MAP {{'user_feature': 'f' || CAST(h % 12 AS VARCHAR),
                            'user_tenant': 't' || CAST(h % 50 AS VARCHAR)}} END AS resource_tags
        FROM n CROSS JOIN r JOIN t ON t.k = n.i % {len(USAGE_TYPES)}
        ) TO '{out}' (FORMAT parquet, FILE_SIZE_BYTES '64MB', FILENAME_PATTERN 'bench-{{i}}')
        """
    return float(_duckdb(sql, "None"))


def _duckdb(sql: str, result: str) -> str:
    """Run `sql` in a child python with duckdb; print its seconds (and `result`, an expression over `r`).
    In a child so this process stays small: a child's peak RSS starts from its parent's (vfork, then exec)."""
    code = (
        "import duckdb, sys, time\n"
        "con = duckdb.connect(); con.execute('SET enable_progress_bar = false'); t0 = time.perf_counter()\n"
        "r = con.execute(sys.argv[1]).fetchall()\n"
        f"print(time.perf_counter() - t0, {result})\n"
    )
    out = subprocess.run([sys.executable, "-c", code, sql], capture_output=True, text=True, check=True).stdout
    seconds, _, value = out.strip().partition(" ")
    _duckdb.value = value
    return seconds


def run_cli(args: list[str]) -> tuple[float, int, int, str]:
    """(wall seconds, peak RSS in MB, exit code, stdout) of one `cli.py actuals` process."""
    t0 = time.perf_counter()
    p = subprocess.Popen(
        [sys.executable, str(ROOT / "cli.py"), "actuals", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    out = p.stdout.read().decode()  # small: the groups only
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    err = p.stderr.read().decode()
    if p.returncode:
        print(err, file=sys.stderr)
    return wall, usage.ru_maxrss // 1024, p.returncode, out  # ru_maxrss is in KB on Linux


def main() -> int:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-cur-") as tmp:
        folder = Path(tmp) / "export"
        gen_s = generate(folder, lines)
        files = list((folder / "data").rglob("*.parquet"))
        size_mb = sum(f.stat().st_size for f in files) / 2**20
        print(f"generated {lines:,} CUR 2.0 lines in {len(files)} Parquet files, {size_mb:,.0f} MB, in {gen_s:.1f} s")

        glob = str(folder / "**" / "*.parquet")
        source = f"read_parquet('{glob}', hive_partitioning = true)"
        count_s = float(_duckdb(f"SELECT count(*) FROM {source}", "r[0][0]"))
        assert int(_duckdb.value) == lines, _duckdb.value
        print(
            f"duckdb SELECT count(*) (query time, duckdb in a child python; Parquet footers only): {count_s:.3f} s, "
            f"{lines / count_s:,.0f} lines/s"
        )
        sum_s = float(_duckdb(f"SELECT fsum(line_item_unblended_cost) FROM {source}", "r[0][0]"))
        total = float(_duckdb.value)
        print(f"duckdb SELECT fsum(line_item_unblended_cost) (one column): {sum_s:.3f} s, {lines / sum_s:,.0f} lines/s")
        for label, extra in (
            ("actuals (account,service,usage_type)", []),
            ("actuals --group-by tag:feature,tag:tenant", ["--group-by", "tag:feature,tag:tenant"]),
            ("actuals --json (account,service,usage_type)", ["--json"]),
        ):
            wall, rss_mb, code, out = run_cli(["--cur", str(folder), "--month", "2026-10", *extra])
            if extra == ["--json"]:  # every line was read and summed
                d = json.loads(out)
                assert d["lines"] == lines and abs(d["total_unblended"] - total) < 1e-6, (d["lines"], total)
            verdict = "ok" if code == 0 and wall <= BOUND_S else "OVER THE BOUND" if code == 0 else f"exit {code}"
            ok &= verdict == "ok"
            print(
                f"cli.py {label}: {wall:.2f} s whole process, peak RSS {rss_mb:,} MB, "
                f"{lines / wall:,.0f} lines/s (bound {BOUND_S:g} s: {verdict})"
            )
    print(f"this process's peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""`cli.py actuals` on DuckDB over CUR 2.0 and FOCUS 1.2 Parquet the tests write (tests/cur_bills.py: the lines
and their figures are listed there), every figure worked out by hand below.

CUR 2.0, October 2026, default grouping account, service, usage type (usage counts usage lines only: Usage,
DiscountedUsage, SavingsPlanCoveredUsage; effective cost by line type):
    A AWSLambda Request                 lines 1, 2, 10: usage 3M + 1M = 4,000,000; unblended 0.60 + 0.20 - 0.50 = 0.30;
                                        effective the same, 0.30; meter lambda.requests.x86_64
    A AWSLambda USE1-Lambda-GB-Second   lines 3, 4: usage 100,000 (the negation's is not usage); unblended
                                        1.6666667 - 1.6666667 = 0; effective 1.40 (SP effective) + 0 = 1.40
    A AmazonDynamoDB WriteRequestUnits  2,000,000; 1.25; 1.25; dynamodb.write_request_units.standard
    B AmazonDynamoDB EU-ReadRequestUnits 4,000,000; 0.566; 0.566; dynamodb.read_request_units.standard (EU- stripped)
    B AmazonS3 TimedStorage-ByteHrs     10; 0.23; 0.23; s3.storage_gb_month.standard
    B AmazonEC2 BoxUsage:t3.micro       744; 7.7376; 7.7376; no meter
    A ComputeSavingsPlans ComputeSP:1yrNoUpfront   usage 0 (a fee); 1.50; effective 1.50 - 1.40 = 0.10 (unused)
    A ComputeSavingsPlans ComputeSP:3yrPartialUpfront  0; 12.00; effective 0 (amortised into covered usage)
    A AWSLambda (empty)                 the tax: 0; 0.30; 0.30; no meter
    total unblended 0.30 + 0 + 1.25 + 0.566 + 0.23 + 7.7376 + 1.50 + 12.00 + 0.30 = 23.8836
    total effective 0.30 + 1.40 + 1.25 + 0.566 + 0.23 + 7.7376 + 0.10 + 0 + 0.30 = 11.8836
    line types (unblended): Usage 0.60 + 0.20 + 1.25 + 0.566 + 0.23 + 7.7376 = 10.5836; SavingsPlanCoveredUsage
    1.6666667; SavingsPlanNegation -1.6666667; SavingsPlanRecurringFee 1.50; SavingsPlanUpfrontFee 12.00;
    Credit -0.50; Tax 0.30 (sum 23.8836). September's $99 line is not in October.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import cli
from tests import cur_bills as cb

ROOT = Path(__file__).resolve().parents[1]
ROW_KEYS = ("account", "service", "usage_type", "usage_amount", "unblended_cost", "effective_cost", "meter")


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    return cb.write_cur_export(tmp_path_factory.mktemp("cur") / "unitcost")


def run(capsys, *args) -> tuple[int, str, str]:
    code = cli.main(["actuals", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def actuals_json(capsys, *args) -> dict:
    code, out, err = run(capsys, *args, "--json")
    assert code == 0, err
    return json.loads(out)


def by(rows: list[dict], *keys: str) -> dict[tuple, dict]:
    out = {tuple(r[k] for k in keys): r for r in rows}
    assert len(out) == len(rows), "two rows with the same keys"
    return out


def test_cur_month_by_account_service_usage_type(export, capsys):
    d = actuals_json(capsys, "--cur", export, "--month", "2026-10")
    assert (d["month"], d["engine"], d["source"], d["format"]) == ("2026-10", "duckdb", str(export), "CUR 2.0")
    expected = {  # (account, service, usage type): usage, unblended, effective, meter
        (cb.A, "AWSLambda", "Request"): (4_000_000, 0.30, 0.30, "lambda.requests.x86_64"),
        (cb.A, "AWSLambda", "USE1-Lambda-GB-Second"): (100_000, 0.0, 1.40, "lambda.duration_gb_s.x86_64"),
        (cb.A, "AmazonDynamoDB", "WriteRequestUnits"): (2_000_000, 1.25, 1.25, "dynamodb.write_request_units.standard"),
        (cb.B, "AmazonDynamoDB", "EU-ReadRequestUnits"): (4e6, 0.566, 0.566, "dynamodb.read_request_units.standard"),
        (cb.B, "AmazonS3", "TimedStorage-ByteHrs"): (10, 0.23, 0.23, "s3.storage_gb_month.standard"),
        (cb.B, "AmazonEC2", "BoxUsage:t3.micro"): (744, 7.7376, 7.7376, None),
        (cb.A, "ComputeSavingsPlans", "ComputeSP:1yrNoUpfront"): (0, 1.50, 0.10, None),
        (cb.A, "ComputeSavingsPlans", "ComputeSP:3yrPartialUpfront"): (0, 12.00, 0.0, None),
        (cb.A, "AWSLambda", ""): (0, 0.30, 0.30, None),
    }
    rows = by(d["rows"], "account", "service", "usage_type")
    assert set(rows) == set(expected)
    for key, (usage, unblended, effective, meter) in expected.items():
        r = rows[key]
        assert r["usage_amount"] == pytest.approx(usage, abs=1e-9), key
        assert r["unblended_cost"] == pytest.approx(unblended, abs=1e-9), key
        assert r["effective_cost"] == pytest.approx(effective, abs=1e-9), key
        assert r["meter"] == meter, key
    assert d["total_unblended"] == pytest.approx(23.8836, abs=1e-9)
    assert d["total_effective"] == pytest.approx(11.8836, abs=1e-9)
    assert d["line_types"] == pytest.approx(
        {
            "Usage": 10.5836,
            "SavingsPlanCoveredUsage": 1.6666667,
            "SavingsPlanNegation": -1.6666667,
            "SavingsPlanRecurringFee": 1.50,
            "SavingsPlanUpfrontFee": 12.00,
            "Credit": -0.50,
            "Tax": 0.30,
        },
        abs=1e-9,
    )
    assert d["lines"] == 12  # September's line is not read
    assert "BILLING_PERIOD" in d["sql"] and d["sql"].count("SELECT") == 1  # one query, the month's partition


def test_group_by_tags_from_the_map(export, capsys):
    """tag:feature reads resource_tags['user_feature'] (CUR 2.0 writes user tags with user_).
    chat: lines 1, 3, 4, 5: usage 3M + 100,000 + 2M = 5,100,000; unblended 0.60 + 0 + 1.25 = 1.85; effective
    0.60 + 1.40 + 1.25 = 3.25. search: line 2, 0.20. untagged (null): 23.8836 - 1.85 - 0.20 = 21.8336, effective
    11.8836 - 3.25 - 0.20 = 8.4336, usage 4M + 10 + 744 = 4,000,754 (lines 6, 7, 8)."""
    d = actuals_json(capsys, "--cur", export, "--month", "2026-10", "--group-by", "tag:feature")
    rows = by(d["rows"], "tag:feature")
    assert set(rows) == {("chat",), ("search",), (None,)}
    assert (rows[("chat",)]["usage_amount"], rows[("chat",)]["unblended_cost"]) == pytest.approx((5_100_000, 1.85))
    assert rows[("chat",)]["effective_cost"] == pytest.approx(3.25, abs=1e-9)
    assert rows[("search",)]["unblended_cost"] == pytest.approx(0.20, abs=1e-9)
    assert rows[("search",)]["effective_cost"] == pytest.approx(0.20, abs=1e-9)
    assert rows[(None,)]["unblended_cost"] == pytest.approx(21.8336, abs=1e-9)
    assert rows[(None,)]["effective_cost"] == pytest.approx(8.4336, abs=1e-9)
    assert rows[(None,)]["usage_amount"] == pytest.approx(4_000_754, abs=1e-9)
    for r in d["rows"]:  # the contract's keys are on every row, null when not grouped by them
        assert set(ROW_KEYS) <= set(r)
        assert r["account"] is None and r["meter"] is None


def test_group_by_account_tenant_and_resource(export, capsys):
    """account A: 0.60 + 0.20 + 1.6666667 - 1.6666667 + 1.25 + 1.50 - 0.50 + 0.30 + 12.00 = 15.35, effective
    0.60 + 0.20 + 1.40 + 1.25 + 0.10 - 0.50 + 0.30 = 3.35; B: 0.566 + 0.23 + 7.7376 = 8.5336 both.
    tenant acme (lines 3, 4): unblended 0, effective 1.40; globex (line 7): 0.23.
    resource function:chat (lines 1, 3, 4): unblended 0.60, effective 0.60 + 1.40 = 2.00."""
    d = actuals_json(capsys, "--cur", export, "--month", "2026-10", "--group-by", "account,tag:tenant")
    rows = by(d["rows"], "account", "tag:tenant")
    assert rows[(cb.A, "acme")]["unblended_cost"] == pytest.approx(0.0, abs=1e-9)
    assert rows[(cb.A, "acme")]["effective_cost"] == pytest.approx(1.40, abs=1e-9)
    assert rows[(cb.B, "globex")]["unblended_cost"] == pytest.approx(0.23, abs=1e-9)
    per_account = {}
    for (account, _), r in rows.items():
        u, e = per_account.get(account, (0.0, 0.0))
        per_account[account] = (u + r["unblended_cost"], e + r["effective_cost"])
    assert per_account[cb.A] == pytest.approx((15.35, 3.35), abs=1e-9)
    assert per_account[cb.B] == pytest.approx((8.5336, 8.5336), abs=1e-9)
    d = actuals_json(capsys, "--cur", export, "--month", "2026-10", "--group-by", "resource")
    chat = by(d["rows"], "resource")[(cb.CHAT,)]
    assert (chat["unblended_cost"], chat["effective_cost"]) == pytest.approx((0.60, 2.00), abs=1e-9)


def test_plain_file_filters_on_the_billing_period_column(tmp_path, capsys):
    """One file with both months: October is read by bill_billing_period_start_date; September alone is 99.00."""
    f = cb.write(tmp_path / "cur.parquet", cb.CUR_OCTOBER + cb.CUR_SEPTEMBER)
    d = actuals_json(capsys, "--cur", f, "--month", "2026-10", "--group-by", "account")
    assert d["total_unblended"] == pytest.approx(23.8836, abs=1e-9)
    assert "BILLING_PERIOD" not in d["sql"] and "bill_billing_period_start_date" in d["sql"]
    d = actuals_json(capsys, "--cur", f, "--month", "2026-09", "--group-by", "service")
    assert d["rows"] == [
        {
            "account": None,
            "service": "AWSLambda",
            "usage_type": None,
            "usage_amount": 999.0,
            "unblended_cost": 99.0,
            "effective_cost": 99.0,
            "meter": None,
        }
    ]


def test_focus(tmp_path, capsys):
    """FOCUS 1.2 (tests/cur_bills.py FOCUS_OCTOBER), BilledCost and EffectiveCost as given, ChargeCategory as the
    line type. A AWSLambda Request: usage 3M (the credit is not usage), billed 0.60 - 0.50 = 0.10, effective 0.10.
    A AWSLambda USE1-Lambda-GB-Second: 100,000, billed 0 (covered by the plan), effective 1.40.
    Totals: billed 0.60 + 0 + 1.50 + 0.566 - 0.50 + 0.30 = 2.466; effective 0.60 + 1.40 + 0.10 + 0.566 - 0.50 + 0.30
    = 2.466. Line types: Usage 0.60 + 0.566 = 1.166, Purchase 1.50, Credit -0.50, Tax 0.30.
    tag:feature (Tags['feature']) chat: usage 3,100,000, billed 0.60, effective 2.00."""
    f = cb.write(tmp_path / "focus.parquet", cb.FOCUS_OCTOBER, cb.FOCUS_COLUMNS)
    d = actuals_json(capsys, "--cur", f, "--month", "2026-10")
    assert d["format"] == "FOCUS 1.2"
    rows = by(d["rows"], "account", "service", "usage_type")
    r = rows[(cb.A, "AWSLambda", "Request")]
    assert (r["usage_amount"], r["unblended_cost"], r["effective_cost"]) == pytest.approx((3e6, 0.10, 0.10))
    assert r["meter"] == "lambda.requests.x86_64"
    r = rows[(cb.A, "AWSLambda", "USE1-Lambda-GB-Second")]
    assert (r["usage_amount"], r["unblended_cost"], r["effective_cost"]) == pytest.approx((1e5, 0.0, 1.40))
    assert rows[(cb.B, "AmazonDynamoDB", "EU-ReadRequestUnits")]["meter"] == "dynamodb.read_request_units.standard"
    assert d["total_unblended"] == pytest.approx(2.466, abs=1e-9)
    assert d["total_effective"] == pytest.approx(2.466, abs=1e-9)
    assert d["line_types"] == pytest.approx({"Usage": 1.166, "Purchase": 1.50, "Credit": -0.50, "Tax": 0.30})
    d = actuals_json(capsys, "--cur", f, "--month", "2026-10", "--group-by", "tag:feature")
    chat = by(d["rows"], "tag:feature")[("chat",)]
    assert (chat["usage_amount"], chat["unblended_cost"], chat["effective_cost"]) == pytest.approx((3.1e6, 0.6, 2.0))


def test_text_output(export, capsys):
    code, out, _ = run(capsys, "--cur", export, "--month", "2026-10")
    assert code == 0
    assert "CUR 2.0" in out and "12 bill lines" in out
    assert "Total: $23.88 unblended, $11.88 effective" in out
    assert "SavingsPlanNegation -$1.67" in out


def _bad(capsys, *args) -> str:
    code, out, err = run(capsys, *args)
    assert code == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def test_bad_inputs_exit_2_naming_the_problem(export, tmp_path, capsys):
    missing = tmp_path / "nope"
    assert f"{missing}: no such file or folder" in _bad(capsys, "--cur", missing, "--month", "2026-10")
    text = tmp_path / "bill.parquet"
    text.write_text("line_item_usage_account_id,cost\n1,2\n")
    assert "not readable as Parquet" in _bad(capsys, "--cur", text, "--month", "2026-10")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no Parquet files" in _bad(capsys, "--cur", empty, "--month", "2026-10")
    assert "no bill lines for 2026-12" in _bad(capsys, "--cur", export, "--month", "2026-12")
    assert "bad month '2026-13'" in _bad(capsys, "--cur", export, "--month", "2026-13")
    few = cb.write(
        tmp_path / "few.parquet",
        [{"line_item_usage_account_id": cb.A, "line_item_unblended_cost": 1.0}],
        {"line_item_usage_account_id": "VARCHAR", "line_item_unblended_cost": "DOUBLE"},
    )
    msg = _bad(capsys, "--cur", few, "--month", "2026-10")
    assert "CUR 2.0 columns missing: line_item_product_code, line_item_usage_type" in msg
    other = cb.write(tmp_path / "other.parquet", [{"x": 1.0}], {"x": "DOUBLE"})
    assert "neither CUR 2.0 columns" in _bad(capsys, "--cur", other, "--month", "2026-10")
    assert "'colour' is not one of" in _bad(capsys, "--cur", export, "--month", "2026-10", "--group-by", "colour")
    assert "give the bill as --cur PATH" in _bad(capsys, "--month", "2026-10")
    # a Savings Plan line without the column its effective cost comes from
    no_sp = {k: v for k, v in cb.CUR_COLUMNS.items() if k != "savings_plan_savings_plan_effective_cost"}
    f = cb.write(tmp_path / "nosp.parquet", cb.CUR_OCTOBER, no_sp)
    msg = _bad(capsys, "--cur", f, "--month", "2026-10")
    assert "1 SavingsPlanCoveredUsage line(s) in 2026-10 but no savings_plan_savings_plan_effective_cost column" in msg
    # grouping by resource or a tag needs their columns
    no_res = {k: v for k, v in cb.CUR_COLUMNS.items() if k not in ("line_item_resource_id", "resource_tags")}
    f = cb.write(tmp_path / "nores.parquet", cb.CUR_OCTOBER, no_res)
    assert "line_item_resource_id (for --group-by resource)" in _bad(
        capsys, "--cur", f, "--month", "2026-10", "--group-by", "resource"
    )
    assert "resource_tags (for --group-by tag:team)" in _bad(
        capsys, "--cur", f, "--month", "2026-10", "--group-by", "tag:team"
    )


def test_cli_process_exit_codes(export, tmp_path):
    """As a person runs it: JSON on stdout, exit 0; a bad path: exit 2, one line, no traceback."""
    cmd = [sys.executable, str(ROOT / "cli.py"), "actuals", "--month", "2026-10"]
    ok = subprocess.run([*cmd, "--cur", str(export), "--json"], capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["total_unblended"] == pytest.approx(23.8836, abs=1e-9)
    bad = subprocess.run([*cmd, "--cur", str(tmp_path / "x")], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.strip() == f"error: {tmp_path / 'x'}: no such file or folder"


def test_the_committed_example_is_the_generated_bill(tmp_path, capsys):
    """examples/cur (the README's example) holds tests/cur_bills.py's lines: the same report as a fresh export."""
    fresh = cb.write_cur_export(tmp_path / "fresh")
    committed = actuals_json(capsys, "--cur", ROOT / "examples" / "cur", "--month", "2026-10")
    generated = actuals_json(capsys, "--cur", fresh, "--month", "2026-10")
    assert committed["rows"] == generated["rows"] and committed["total_unblended"] == pytest.approx(23.8836)


def test_without_a_billing_period_column_the_usage_start_gives_the_month(tmp_path, capsys):
    """No bill_billing_period_start_date and no BILLING_PERIOD folder: line_item_usage_start_date (October's lines
    start on the 5th, September's too) picks the month: September alone, $99.00."""
    cols = {k: v for k, v in cb.CUR_COLUMNS.items() if k != "bill_billing_period_start_date"}
    f = cb.write(tmp_path / "cur.parquet", cb.CUR_OCTOBER + cb.CUR_SEPTEMBER, cols)
    d = actuals_json(capsys, "--cur", f, "--month", "2026-09", "--group-by", "account")
    assert d["total_unblended"] == pytest.approx(99.0, abs=1e-9) and "line_item_usage_start_date" in d["sql"]


def test_costs_that_are_not_numbers_are_bad_input(tmp_path, capsys):
    """A bill line costing NaN or Infinity (a corrupt export) is refused in one line, not printed as `-` or
    left to break the JSON."""
    for bad in (float("nan"), float("inf")):
        line = cb.cur_line(cb.A, "AWSLambda", "Request", "Usage", 1_000_000, bad)
        f = cb.write(tmp_path / "bad.parquet", [*cb.CUR_OCTOBER, line])
        for extra in ((), ("--json",)):
            code, out, err = run(capsys, "--cur", f, "--month", "2026-10", *extra)
            assert code == 2 and out == "", (bad, extra, out)
            assert err.strip() == f"error: {f}: the bill's costs for 2026-10 include NaN or Infinity, not amounts"


def test_grouped_by_usage_type_alone_the_meter_is_the_one_the_usage_type_names(export, capsys):
    """Without `service` in --group-by, a usage type only one modelled service bills carries that meter; one that
    two services share (TimedStorage-ByteHrs: S3 and DynamoDB storage) carries none rather than a guess."""
    d = actuals_json(capsys, "--cur", export, "--month", "2026-10", "--group-by", "usage_type")
    meters = {r["usage_type"]: r["meter"] for r in d["rows"]}
    assert meters["USE1-Lambda-GB-Second"] == "lambda.duration_gb_s.x86_64"
    assert meters["WriteRequestUnits"] == "dynamodb.write_request_units.standard"
    assert meters["TimedStorage-ByteHrs"] is None and meters["BoxUsage:t3.micro"] is None

"""`review --cur`: the monthly review with the bill from a Cost and Usage Report equals the review with the bill
from Cost Explorer, both made from the same line items: the lines below written as CUR 2.0 Parquet, and summed as
Cost Explorer sums them (usage records by SERVICE and USAGE_TYPE, all records by RECORD_TYPE, UnblendedCost)
into the responses moto (server mode) gives for GetCostAndUsage.

Scenario tests/fixtures/review/scenario.yaml (modelled $10.91, computed in its header); no CloudWatch import.
Billed per row, each rounded to the cent (half up): Request 0.52; Lambda-GB-Second 0 + 0.666668 (the Savings-Plan
covered part at its on-demand cost, as Cost Explorer's UnblendedCost) = 0.67; ApiGatewayMessage 6.51;
ApiGatewayMinute 0.60; ReadRequestUnits 0.3875 = 0.39; WriteRequestUnits 2.50 + 2.34375 (two accounts) = 4.84375
= 4.84; DynamoDB storage 0; S3 storage 2.30; EUC1-Request 0.01 (another region); records SavingsPlanNegation
-0.67, SavingsPlanRecurringFee 0.60, Credit -5.00, Tax 1.20.
Total billed 0.52 + 0.67 + 6.51 + 0.60 + 0.39 + 4.84 + 2.30 + 0.01 - 0.67 + 0.60 - 5.00 + 1.20 = 11.97.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest

from models.scenario import loads
from tests import cur_bills as cb
from usage import review_run
from usage.cur import CurError, review_bill

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "tests" / "fixtures" / "review" / "scenario.yaml"
sys.path.insert(0, str(ROOT / "tests" / "usage"))
from usage_env import aws_test_env  # noqa: E402

NOW = datetime(2026, 11, 15, tzinfo=UTC)
CE_NAMES = {  # Cost Explorer's SERVICE for the bill's product codes
    "AWSLambda": "AWS Lambda",
    "AmazonApiGateway": "Amazon API Gateway",
    "AmazonDynamoDB": "Amazon DynamoDB",
    "AmazonS3": "Amazon Simple Storage Service",
    "ComputeSavingsPlans": "Savings Plans for AWS Compute usage",
}
CHAT = {"user_app": "chat"}
LINES = [
    cb.cur_line(cb.A, "AWSLambda", "Request", "Usage", 3_100_000, 0.52, tags=CHAT, pricing_unit="Requests"),
    cb.cur_line(cb.A, "AWSLambda", "Lambda-GB-Second", "Usage", 120_000, 0.0),
    cb.cur_line(cb.A, "AWSLambda", "Lambda-GB-Second", "SavingsPlanCoveredUsage", 40_000, 0.666668, sp_effective=0.56),
    cb.cur_line(cb.A, "AWSLambda", "Lambda-GB-Second", "SavingsPlanNegation", 40_000, -0.666668),
    cb.cur_line(cb.A, "AmazonApiGateway", "USE1-ApiGatewayMessage", "Usage", 6_510_000, 6.51),
    cb.cur_line(cb.A, "AmazonApiGateway", "USE1-ApiGatewayMinute", "Usage", 2_400_000, 0.60),
    cb.cur_line(cb.A, "AmazonDynamoDB", "ReadRequestUnits", "Usage", 3_100_000, 0.3875),
    cb.cur_line(cb.A, "AmazonDynamoDB", "WriteRequestUnits", "Usage", 4_000_000, 2.50),
    cb.cur_line(cb.B, "AmazonDynamoDB", "WriteRequestUnits", "Usage", 3_750_000, 2.34375),
    cb.cur_line(cb.A, "AmazonDynamoDB", "TimedStorage-ByteHrs", "Usage", 10.3, 0.0),
    cb.cur_line(cb.B, "AmazonS3", "TimedStorage-ByteHrs", "Usage", 100, 2.30),
    cb.cur_line(cb.A, "AWSLambda", "EUC1-Request", "Usage", 50_000, 0.01, pricing_unit="Requests"),
    cb.cur_line(
        cb.A,
        "ComputeSavingsPlans",
        "ComputeSP:1yrNoUpfront",
        "SavingsPlanRecurringFee",
        744,
        0.60,
        commitment=0.60,
        used=0.56,
    ),  # fmt: skip
    cb.cur_line(cb.A, "AWSLambda", "Request", "Credit", 0, -5.00),
    cb.cur_line(cb.A, "AWSLambda", "", "Tax", 0, 1.20),
]
USAGE_RECORDS = ("Usage", "DiscountedUsage", "SavingsPlanCoveredUsage")


def ce_responses(lines: list[dict]) -> list[dict]:
    """The two GetCostAndUsage answers Cost Explorer gives for these lines (costexplorer.requests_for)."""
    usage: dict[tuple[str, str], list[float]] = {}
    records: dict[str, float] = {}
    for ln in lines:
        t = ln["line_item_line_item_type"]
        records[t] = records.get(t, 0.0) + ln["line_item_unblended_cost"]
        if t in USAGE_RECORDS:
            key = (CE_NAMES[ln["line_item_product_code"]], ln["line_item_usage_type"])
            q, c = usage.get(key, (0.0, 0.0))
            usage[key] = (q + ln["line_item_usage_amount"], c + ln["line_item_unblended_cost"])
    period = {"TimePeriod": {"Start": "2026-10-01", "End": "2026-11-01"}, "Total": {}, "Estimated": False}

    def metric(x: float, unit: str = "USD") -> dict:
        return {"Amount": repr(x), "Unit": unit}

    usage_page = {
        "ResultsByTime": [
            period
            | {
                "Groups": [
                    {"Keys": list(k), "Metrics": {"UnblendedCost": metric(c), "UsageQuantity": metric(q, "N/A")}}
                    for k, (q, c) in usage.items()
                ]
            }
        ],
    }
    record_page = {
        "ResultsByTime": [
            period | {"Groups": [{"Keys": [t], "Metrics": {"UnblendedCost": metric(a)}} for t, a in records.items()]}
        ],
    }
    return [usage_page, record_page]


def _post(url: str, body: dict) -> None:
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    urllib.request.urlopen(req, timeout=10).read()


@pytest.fixture
def bill_folder(tmp_path) -> Path:
    folder = tmp_path / "export"
    cb.write(folder / "data" / "BILLING_PERIOD=2026-10" / "x-00001.snappy.parquet", LINES)
    cb.write(folder / "data" / "BILLING_PERIOD=2026-09" / "x-00001.snappy.parquet", cb.CUR_SEPTEMBER)
    return folder


def _comparable(review: dict) -> dict:
    """The review without where its bill came from: the outside rows named by Cost Explorer's service names."""
    lines = []
    for ln in review["lines"]:
        ln = dict(ln)
        if ln["kind"] == "outside":
            ln["service"] = CE_NAMES.get(ln["service"], ln["service"])
            ln["causes"] = [dict(c, detail=c["detail"].replace("AWSLambda", "AWS Lambda")) for c in ln["causes"]]
        ln["unit"] = None  # Cost Explorer's units are its own words
        lines.append(ln)
    keep = ("total_modelled", "total_metered", "total_billed", "variance", "waterfall", "unit_costs", "month")
    records = sorted((ln for ln in lines if ln["kind"] == "record"), key=lambda ln: ln["service"])  # in any order
    return {"lines": [ln for ln in lines if ln["kind"] != "record"] + records, **{k: review[k] for k in keep}}


def test_review_from_the_cur_equals_the_review_from_cost_explorer(moto, bill_folder, monkeypatch):
    for k in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(k)
    for k, v in aws_test_env(moto).items():
        if k.startswith("AWS_"):
            monkeypatch.setenv(k, v)
    _post(f"{moto}/moto-api/reset", {})
    _post(f"{moto}/moto-api/static/ce/cost-and-usage-results", {"results": ce_responses(LINES)})
    s = loads(SCENARIO.read_text(), source=str(SCENARIO))
    from_ce = review_run.run_review(s, "2026-10", metrics=False, history=None, now=NOW).review.to_json()
    assert from_ce["bill_source"].startswith("Cost Explorer")
    from_cur = review_run.run_review(s, "2026-10", metrics=False, history=None, now=NOW, cur=str(bill_folder))
    review = from_cur.review.to_json()
    assert review["bill_source"] == f"CUR 2.0 at {bill_folder}"
    assert any(m.startswith("Bill from the CUR 2.0") for m in from_cur.messages)
    assert _comparable(review) == _comparable(from_ce)
    # and by hand (the module docstring)
    assert review["total_modelled"] == pytest.approx(10.91, abs=1e-9)
    assert review["total_billed"] == pytest.approx(11.97, abs=1e-9)
    rows = {(ln["service"], ln["usage_type"]): ln for ln in review["lines"]}
    assert rows[("lambda", "Lambda-GB-Second")]["billed_quantity"] == pytest.approx(160_000)
    assert rows[("lambda", "Lambda-GB-Second")]["billed_cost"] == pytest.approx(0.67, abs=1e-9)
    assert rows[("dynamodb", "WriteRequestUnits")]["billed_cost"] == pytest.approx(4.84, abs=1e-9)
    assert rows[("AWSLambda", "EUC1-Request")]["kind"] == "outside"
    assert rows[("AWSLambda", "EUC1-Request")]["unit"] == "Requests"  # pricing_unit
    assert rows[("SavingsPlanNegation", "(all usage types)")]["billed_cost"] == pytest.approx(-0.67, abs=1e-9)
    assert rows[("SavingsPlanRecurringFee", "(all usage types)")]["billed_cost"] == pytest.approx(0.60, abs=1e-9)
    assert rows[("Credit", "(all usage types)")]["billed_cost"] == pytest.approx(-5.00, abs=1e-9)


def test_a_tag_keeps_only_its_lines(bill_folder):
    """--tag app=chat: only line 1 carries user_app=chat: Request 3,100,000, $0.52; no records."""
    bill = review_bill(str(bill_folder), "2026-10", "us-east-1", tag="app=chat")
    assert [(b.service, b.usage_type, b.quantity, b.cost, b.meter) for b in bill.lines] == [
        ("AWSLambda", "Request", 3_100_000, 0.52, "lambda.requests.x86_64")
    ]
    assert bill.other == {}
    with pytest.raises(CurError, match="no bill lines for 2026-10 with the tag app=nope"):
        review_bill(str(bill_folder), "2026-10", "us-east-1", tag="app=nope")


def test_review_cur_on_the_command_line(bill_folder, tmp_path):
    """No AWS at all: --cur and --no-metrics need no credentials."""
    env = {k: v for k, v in aws_test_env(None).items()}
    cmd = [sys.executable, str(ROOT / "cli.py"), "review", "--month", "2026-10", "--scenario", str(SCENARIO)]
    cmd += ["--no-metrics", "--history", str(tmp_path / "h.sqlite3")]
    r = subprocess.run([*cmd, "--cur", str(bill_folder), "--json"], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["total_billed"] == pytest.approx(11.97, abs=1e-9) and d["review_id"] == 1
    bad = subprocess.run([*cmd, "--cur", str(tmp_path / "none")], capture_output=True, text=True, env=env)
    assert bad.returncode == 2 and bad.stderr.strip() == f"error: {tmp_path / 'none'}: no such file or folder"


def test_the_monthly_review_page_takes_the_bill_from_a_cur(monkeypatch, tmp_path):
    """pages/review.py (through tests/fixtures/review/review_app.py, the demo scenario): 'Cost and Usage Report',
    the folder, a month: the page shows the review run_review makes from the same folder. The page offers the
    last 13 months, so October's lines are re-dated to last month, whichever month the test runs in."""
    from datetime import UTC, datetime

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from models.report import usd
    from models.review import recent_months
    from usage.demo import demo_scenario_yaml

    month = recent_months(datetime.now(UTC).date(), 13)[1]
    bill_folder = tmp_path / "export"
    dated = {
        "bill_billing_period_start_date": f"{month}-01 00:00:00",
        "line_item_usage_start_date": f"{month}-05 10:00:00",
    }
    cb.write(
        bill_folder / "data" / f"BILLING_PERIOD={month}" / "x-00001.snappy.parquet", [{**ln, **dated} for ln in LINES]
    )
    st.cache_data.clear()
    monkeypatch.setenv("UNITCOST_HISTORY", str(tmp_path / "reviews.sqlite3"))
    expected = review_run.run_review(
        loads(demo_scenario_yaml(), "demo"), month, metrics=False, cur=str(bill_folder)
    ).review
    at = AppTest.from_file(str(ROOT / "tests" / "fixtures" / "review" / "review_app.py"), default_timeout=60).run()
    at.radio(key="rv_source").set_value("Cost and Usage Report").run()
    at.button(key="rv_run").click().run()  # no path yet: said so, nothing run
    assert [e.value for e in at.error] == ["Give the Cost and Usage Report's Parquet file or folder."]
    at.text_input(key="rv_cur").set_value(str(bill_folder))
    at.selectbox(key="rv_month").set_value(month)
    at.button(key="rv_run").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    shown = {m.label: m.value for m in at.metric}
    assert shown["Billed"] == usd(expected.total_billed) == usd(11.97)
    assert shown["Modelled"] == usd(expected.total_modelled)
    st.cache_data.clear()


SPLIT = ROOT / "tests" / "fixtures" / "review" / "split.yaml"
SPLIT_LINES = [
    cb.cur_line(cb.A, "AWSLambda", "Request", "Usage", 2_000_000, 0.40),
    cb.cur_line(cb.A, "AWSLambda", "Lambda-GB-Second", "Usage", 150_000, 2.50, tags={"user_feature": "chat"}),
    cb.cur_line(cb.A, "AWSLambda", "Lambda-GB-Second", "Usage", 50_000, 0.8333335),
    cb.cur_line(
        cb.A,
        "AmazonDynamoDB",
        "WriteRequestUnits",
        "Usage",
        1_000_000,
        0.625,
        tags={"user_feature": "chat", "user_tenant": "acme"},
    ),  # fmt: skip
    cb.cur_line(
        cb.A,
        "AmazonDynamoDB",
        "ReadRequestUnits",
        "Usage",
        500_000,
        0.0625,
        tags={"user_feature": "search", "user_tenant": "globex"},
    ),  # fmt: skip
    cb.cur_line(cb.B, "AmazonEC2", "BoxUsage:t3.micro", "Usage", 96, 1.00, tags={"user_feature": "admin"}),
]


def test_tagged_lines_go_to_their_feature_and_the_rest_is_shared_by_use(tmp_path):
    """tests/fixtures/review/split.yaml: chat and search, 1,000,000 uses each; per use the model puts 1 request and
    0.1 GB-s on both, 1 WRU on chat, 0.5 RRU on search.
    Rows (cents, half up): Request 0.40; GB-s 2.50 + 0.8333335 = 3.33; WRU 0.625 = 0.63; RRU 0.0625 = 0.06; EC2 1.00
    (outside the model). Billed 5.42.
    Tagged outright: chat 2.50 (GB-s) + 0.625 (WRU) = 3.125; search 0.0625 (RRU); 'admin' is no feature: shared.
    The rest by the model's use: Request 0.40 -> 0.20 each; GB-s 3.33 - 2.50 = 0.83 -> 0.415 each; WRU
    0.63 - 0.625 = 0.005 -> chat; RRU 0.06 - 0.0625 = -0.0025 -> search. Usage-driven: chat 0.62, search 0.6125.
    EC2 1.00 over those: chat 0.62 / 1.2325 = 0.5030426, search 0.4969574.
    chat 3.125 + 0.62 + 0.5030426 = 4.2480426 (4.2480426e-6 per use); search 0.0625 + 0.6125 + 0.4969574 =
    1.1719574; together 5.42. Tenants (tagged usage): acme 0.625 = 0.63, globex 0.0625 = 0.06.
    One tier of 1,000 users: 5.42 / 1,000 = 0.00542 per user."""
    from models.history import History

    folder = tmp_path / "split"
    cb.write(folder / "BILLING_PERIOD=2026-10" / "s-00001.snappy.parquet", SPLIT_LINES)
    s = loads(SPLIT.read_text(), source=str(SPLIT))
    history = History(tmp_path / "h.sqlite3")
    run = review_run.run_review(s, "2026-10", metrics=False, history=history, now=NOW, cur=str(folder))
    u = run.review.unit_costs
    assert run.review.total_billed == pytest.approx(5.42, abs=1e-9)
    f = {x["name"]: x for x in u["features"]}
    assert f["chat"]["billed_cost"] == pytest.approx(4.25, abs=1e-9)
    assert f["chat"]["cost_per_use"] == pytest.approx(3.125e-6 + 0.62e-6 + 0.62 / 1.2325 * 1e-6, rel=1e-9)
    assert f["chat"]["tagged_cost"] == pytest.approx(3.13, abs=1e-9)  # 3.125 half up
    assert f["search"]["cost_per_use"] == pytest.approx(0.0625e-6 + 0.6125e-6 + 0.6125 / 1.2325 * 1e-6, rel=1e-9)
    assert f["search"]["tagged_cost"] == pytest.approx(0.06, abs=1e-9)
    assert f["chat"]["cost_per_use"] * 1e6 + f["search"]["cost_per_use"] * 1e6 == pytest.approx(5.42, abs=1e-9)
    assert f["chat"]["modelled_cost_per_use"] == pytest.approx(2.50e-6, abs=1e-8)  # beside the modelled one
    assert u["tenants"] == [{"name": "acme", "billed_cost": 0.63}, {"name": "globex", "billed_cost": 0.06}]
    assert u["tiers"][0]["cost_per_user"] == pytest.approx(0.00542, abs=1e-12)
    assert any("admin" in n and "not in the scenario" in n for n in run.review.notes)
    trend = history.compare()  # in the history, for trends
    assert trend[0]["features"]["chat"] == pytest.approx(f["chat"]["cost_per_use"])
    assert trend[0]["tenants"] == {"acme": 0.63, "globex": 0.06}

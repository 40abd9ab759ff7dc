"""The monthly review against moto in server mode (a ThreadedMotoServer on 127.0.0.1 selected by
AWS_ENDPOINT_URL): Cost Explorer results injected through moto's API, CloudWatch metrics put for October 2026,
resources tagged app=chat; the review runs as `cli.py review` in a subprocess, and in-process for the
cache, the IAM policy and an access-denied fault.

Hand computation for 2026-10 (744 h, the scenario's hours_per_month, so month length plays no part).
Scenario tests/fixtures/review/scenario.yaml, price book 2026-11-27, us-east-1, Always Free tier on; the
modelled column is computed in that file's header (total $10.91).

Metered (CloudWatch, put below): Invocations 1,500,000 + 1,600,000 = 3,100,000; Duration 146,000,000 +
157,800,000 ms = 303,800 s x 0.5 GB = 151,900 GB-s; MessageCount 3,000,000 + 3,200,000 = 6,200,000;
ConnectCount 300,000; RRU 3,100,000; WRU 3,100,000 table + 4,650,000 GSI byUser = 7,750,000.
Billed (tests/fixtures/review/ce-2026-10.json, two pages + record types).

Per row: modelled cost; metered quantity at list prices (usage effect); billed quantity at list (metering
effect); billed cost (rate effect); variance = billed - modelled; cause.
Request            $0.40; 3.1M - 1M free = 2.1M x $0.2/M = $0.42 (+0.02); 3.1M: $0.42 (0); billed $0.52 (+0.10,
                   the free tier: the bill had less of it left); variance +0.12; usage, free tier
Lambda-GB-Second   $0; 151,900 GB-s free; 160,000 GB-s free; $0; variance 0; usage, 1 ms rounding and INIT
ApiGatewayMessage  $6.00; 6.2M x $1/M = $6.20 (+0.20); 6.51M: $6.51 (+0.31); $6.51 (0); +0.51; usage, 32 KB
ApiGatewayMinute   $0.38; no metric: the billed 2.4M x $0.25/M = $0.60 (+0.22); $0.60; +0.22; minutes estimated
ReadRequestUnits   $0.38; 3.1M x $0.125/M = $0.3875 -> $0.39 (+0.01); $0.39; $0.39 (CE 0.3875); +0.01; usage
WriteRequestUnits  $3.75; 7.75M x $0.625/M = 4.84375 -> $4.84 (+1.09); $4.84; $4.84; +1.09; GSI writes (1.5 GSI
                   writes per write metered, 1 modelled)
TimedStorage (DDB) $0; 0 GB (moto's TableSizeBytes is always 0); 10.3 GB-Mo free; $0; variance 0
S3 TimedStorage    S3 is modelled but the scenario has no bucket: not in the scenario, billed $2.30 (metering);
                   Lambda EUC1-Request: outside (another region), $0.01
Credit -$5.00, Tax +$1.20
Totals: modelled $10.91; metered at list 10.91 + 1.54 = $12.45; billed at list 12.45 + 0.31 + 2.30 (S3) = $15.06;
billed 15.06 + 0.10 (rate) + 0.01 (outside) - 3.80 (records) = $11.37.
Users: metric ReviewApp:ActiveUsers, Maximum of 900 and 1,250 = 1,250; cost per user 11.37 / 1,250 = $0.009096.
One feature: it carries the whole bill, over 1,250 x 3,000 = 3,750,000 uses: $3.032e-6 per use.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from tests.conftest import REVIEW_LINE_KEYS

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures" / "review"
sys.path.insert(0, str(ROOT / "tests" / "usage"))  # the usage tests' builders for a moto account

from faults import Injector  # noqa: E402
from usage_env import aws_test_env  # noqa: E402
from usage_seed import create_function, create_table, create_websocket_api, role_arn  # noqa: E402

OCTOBER = datetime(2026, 10, 1, tzinfo=UTC)
SCENARIO = FIX / "scenario.yaml"
USERS_METRIC = "ReviewApp:ActiveUsers"
ARGS = ["--month", "2026-10", "--scenario", str(SCENARIO), "--tag", "app=chat", "--users-metric", USERS_METRIC]


def _post(url: str, body: dict | None = None) -> None:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=10).read()


def _put(namespace: str, metric: str, dims: dict, values: list[float]) -> None:
    """One datapoint per value, on the 10th, 20th... of October at 12:30."""
    cw = boto3.client("cloudwatch", region_name="us-east-1")
    cw.put_metric_data(
        Namespace=namespace,
        MetricData=[
            {
                "MetricName": metric,
                "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
                "Timestamp": OCTOBER + timedelta(days=9 + 10 * i, hours=12, minutes=30),
                "Value": float(value),
            }
            for i, value in enumerate(values)
        ],
    )


@pytest.fixture(scope="module")
def account(tmp_path_factory):
    """The moto account: seeded once; yields the endpoint and the history database path."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    with pytest.MonkeyPatch.context() as mp:
        for k in [k for k in os.environ if k.startswith("AWS_")]:
            mp.delenv(k)
        for k, v in aws_test_env(endpoint).items():
            if k.startswith("AWS_"):
                mp.setenv(k, v)
        _post(f"{endpoint}/moto-api/reset")
        role = role_arn()
        tag = {"app": "chat"}
        create_function("api", role, memory_mb=512, tags=tag)
        create_function("other-fn", role)  # untagged: not in the review
        api_id = create_websocket_api("chat", {"$connect": None, "$default": None}, tags=tag)
        create_table("items", gsis=("byUser",), tags=tag)
        _put("AWS/Lambda", "Invocations", {"FunctionName": "api"}, [1_500_000, 1_600_000])
        _put("AWS/Lambda", "Duration", {"FunctionName": "api"}, [146_000_000, 157_800_000])
        _put("AWS/Lambda", "Invocations", {"FunctionName": "other-fn"}, [1_000])
        _put("AWS/ApiGateway", "MessageCount", {"ApiId": api_id}, [3_000_000, 3_200_000])
        _put("AWS/ApiGateway", "ConnectCount", {"ApiId": api_id}, [140_000, 160_000])
        _put("AWS/DynamoDB", "ConsumedReadCapacityUnits", {"TableName": "items"}, [1_500_000, 1_600_000])
        _put("AWS/DynamoDB", "ConsumedWriteCapacityUnits", {"TableName": "items"}, [1_500_000, 1_600_000])
        _put(
            "AWS/DynamoDB",
            "ConsumedWriteCapacityUnits",
            {"TableName": "items", "GlobalSecondaryIndexName": "byUser"},
            [2_250_000, 2_400_000],
        )
        _put("ReviewApp", "ActiveUsers", {}, [900, 1_250])
        # Cost Explorer: usage page 1 (with NextPageToken), page 2, then the record types, in the order asked
        _post(
            f"{endpoint}/moto-api/static/ce/cost-and-usage-results", json.loads((FIX / "ce-2026-10.json").read_text())
        )
        yield endpoint, tmp_path_factory.mktemp("history") / "reviews.sqlite3"
    server.stop()


@pytest.fixture
def moto_env(account, monkeypatch):
    endpoint, history = account
    for k, v in aws_test_env(endpoint).items():
        if k.startswith("AWS_"):
            monkeypatch.setenv(k, v)
    return endpoint, history


def _row(review: dict, service: str, usage_type: str) -> dict:
    rows = [ln for ln in review["lines"] if ln["service"] == service and ln["usage_type"] == usage_type]
    assert len(rows) == 1, (service, usage_type, [(ln["service"], ln["usage_type"]) for ln in review["lines"]])
    return rows[0]


def _check_october(out: dict) -> None:
    """The hand computation in the module docstring."""
    expected = {  # (service, usage type): modelled, metered quantity, billed quantity, billed cost, variance
        ("lambda", "Request"): (0.40, 3_100_000, 3_100_000, 0.52, 0.12),
        ("lambda", "Lambda-GB-Second"): (0.00, 151_900, 160_000, 0.00, 0.00),
        ("websocket", "ApiGatewayMessage"): (6.00, 6_200_000, 6_510_000, 6.51, 0.51),
        ("websocket", "ApiGatewayMinute"): (0.38, 2_400_000, 2_400_000, 0.60, 0.22),
        ("dynamodb", "ReadRequestUnits"): (0.38, 3_100_000, 3_100_000, 0.39, 0.01),
        ("dynamodb", "WriteRequestUnits"): (3.75, 7_750_000, 7_750_000, 4.84, 1.09),
        ("dynamodb", "TimedStorage-ByteHrs"): (0.00, 0, 10.3, 0.00, 0.00),
        ("s3", "TimedStorage-ByteHrs"): (0.00, None, 100, 2.30, 2.30),
        ("AWS Lambda", "EUC1-Request"): (0.00, None, 50_000, 0.01, 0.01),
        ("Credit", "(all usage types)"): (0.00, None, None, -5.00, -5.00),
        ("Tax", "(all usage types)"): (0.00, None, None, 1.20, 1.20),
    }
    assert {(ln["service"], ln["usage_type"]) for ln in out["lines"]} == set(expected)
    for key, (modelled, metered, billed_q, billed, variance) in expected.items():
        ln = _row(out, *key)
        assert ln["modelled_cost"] == pytest.approx(modelled, abs=1e-9), key
        assert ln["billed_cost"] == pytest.approx(billed, abs=1e-9), key
        assert ln["variance"] == pytest.approx(variance, abs=1e-9), key
        if metered is None:
            assert ln["metered_quantity"] is None, key
        else:
            assert ln["metered_quantity"] == pytest.approx(metered, rel=1e-9), key
        if billed_q is None:
            assert ln["billed_quantity"] is None, key
        else:
            assert ln["billed_quantity"] == pytest.approx(billed_q, rel=1e-9), key
    causes = {(ln["service"], ln["usage_type"]): ln["cause"] for ln in out["lines"]}
    assert causes[("lambda", "Request")] == "usage differs from the model; free tier"
    assert causes[("lambda", "Lambda-GB-Second")] == (
        "usage differs from the model; 1 ms rounding and INIT not in the Duration metric"
    )
    assert causes[("websocket", "ApiGatewayMessage")] == "usage differs from the model; 32 KB message rounding"
    assert causes[("websocket", "ApiGatewayMinute")] == "connection minutes estimated"
    assert causes[("dynamodb", "WriteRequestUnits")] == "GSI writes"
    assert causes[("AWS Lambda", "EUC1-Request")] == "services outside the model"
    assert causes[("Credit", "(all usage types)")] == "credits"
    request = _row(out, "lambda", "Request")
    assert (request["usage_effect"], request["metering_effect"], request["rate_effect"]) == (0.02, 0.0, 0.10)
    messages = _row(out, "websocket", "ApiGatewayMessage")
    assert (messages["usage_effect"], messages["metering_effect"], messages["rate_effect"]) == (0.20, 0.31, 0.0)
    assert "another region (eu-central-1)" in _row(out, "AWS Lambda", "EUC1-Request")["causes"][0]["detail"]

    assert out["total_modelled"] == pytest.approx(10.91, abs=1e-9)
    assert out["total_billed"] == pytest.approx(11.37, abs=1e-9)
    steps = {s["step"]: s["amount"] for s in out["waterfall"]}
    assert steps == pytest.approx(
        {
            "Modelled": 10.91,
            "Usage vs model": 1.54,
            "Metered at list prices": 12.45,
            "Metering (rounding, INIT, 32 KB)": 2.61,
            "Billed usage at list prices": 15.06,
            "Free tier, volume tiers, rates": 0.10,
            "Outside the model": 0.01,
            "Credits, refunds, tax": -3.80,
            "Billed": 11.37,
        },
        abs=1e-9,
    )
    u = out["unit_costs"]
    assert u["users"] == 1250 and u["users_source"] == f"CloudWatch metric {USERS_METRIC}"
    assert u["cost_per_user"] == pytest.approx(11.37 / 1250)
    assert u["modelled_cost_per_user"] == pytest.approx(10.91 / 1000)
    (tier,) = u["tiers"]
    assert (tier["name"], tier["users"]) == ("pro", 1250)
    assert tier["cost_per_user"] == pytest.approx(11.37 / 1250)
    (feature,) = u["features"]
    assert feature["uses"] == pytest.approx(3_750_000)
    assert feature["cost_per_use"] == pytest.approx(11.37 / 3_750_000)


def test_cli_review_against_moto_matches_the_hand_computation(moto_env):
    endpoint, history = moto_env
    env = aws_test_env(endpoint)
    proc = subprocess.run(
        [sys.executable, "cli.py", "review", *ARGS, "--json", "--history", str(history)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert {"month", "lines", "total_modelled", "total_billed"} <= set(out)
    for ln in out["lines"]:
        assert set(ln) >= REVIEW_LINE_KEYS
    assert out["month"] == "2026-10"
    _check_october(out)
    assert "Cost Explorer: 3 request(s) made, $0.03" in proc.stderr
    assert out["review_id"] == 1

    from models.history import History

    saved = History(history).get(out["review_id"])
    assert saved.review.total_billed == out["total_billed"]
    assert saved.usage["quantities"]["lambda.requests.x86_64"] == pytest.approx(3_100_000)
    assert saved.bill["other"] == {"Credit": -5.0, "Tax": 1.2}
    assert "name: Review test app" in saved.scenario_yaml


def test_a_second_review_reads_the_cache_and_every_call_is_in_the_review_policy(moto_env, monkeypatch):
    from models.history import History
    from models.scenario import load
    from usage import aws, review_run

    _, history_path = moto_env
    calls: list[tuple[str, str]] = []
    real = aws.make_session

    def recording_session(*a, **kw):
        session = real(*a, **kw)
        session.events.register(
            "before-call", lambda model, **_: calls.append((model.service_model.service_name, model.name))
        )
        return session

    monkeypatch.setattr(aws, "make_session", recording_session)
    s = load(SCENARIO)
    history = History(history_path)
    if not history.list():  # run alone: fill the cache first
        review_run.run_review(s, "2026-10", tag="app=chat", users_metric=USERS_METRIC, history=history)
    calls.clear()

    cached = review_run.run_review(s, "2026-10", tag="app=chat", users_metric=USERS_METRIC, history=history)
    assert ("ce", "GetCostAndUsage") not in calls  # no charge the second time
    assert any("from the cache" in n for n in cached.review.notes)
    _check_october(cached.review.to_json())

    refreshed = review_run.run_review(
        s, "2026-10", tag="app=chat", users_metric=USERS_METRIC, history=history, refresh=True, save=False
    )
    assert calls.count(("ce", "GetCostAndUsage")) == 3  # usage pages 1 and 2, record types
    _check_october(refreshed.review.to_json())
    review_run.run_review(s, "2026-10", history=history, save=False, refresh=True)  # no tag: the whole region

    called = set(calls) - review_run.NO_PERMISSION_NEEDED
    assert called == set(review_run.PERMISSIONS), set(review_run.PERMISSIONS) ^ called
    policy = json.loads((ROOT / "usage" / "iam-policy-review.json").read_text())
    granted = {a for st in policy["Statement"] for a in st["Action"]}
    assert granted == set(review_run.PERMISSIONS.values())


def test_access_denied_on_cost_explorer_exits_2_naming_the_permission(moto_env, monkeypatch, capsys):
    from cli import main as cli_main
    from usage import aws

    _, history_path = moto_env
    real = aws.make_session
    injectors = []

    def denying_session(*a, **kw):
        session = real(*a, **kw)
        injectors.append(Injector(session, {("cost-explorer", "GetCostAndUsage"): [(400, "AccessDeniedException")]}))
        return session

    monkeypatch.setattr(aws, "make_session", denying_session)
    code = cli_main(["review", *ARGS, "--refresh", "--history", str(history_path.parent / "denied.sqlite3")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip() == "error: access denied: GetCostAndUsage needs the IAM permission ce:GetCostAndUsage"
    assert injectors[0].used[("cost-explorer", "GetCostAndUsage")] == 1

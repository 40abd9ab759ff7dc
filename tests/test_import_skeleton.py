"""`cli.py import --tag app=chat --scenario SKELETON` against moto in server mode (ThreadedMotoServer on
127.0.0.1, AWS_ENDPOINT_URL), the skeleton written by `cli.py init` from tests/fixtures/import_skeleton/
template.yaml; and the same import on the demo account.

The account (tag app=chat; names as CloudFormation generates them, `chat-<LogicalId>-<suffix>`): metrics are put
in 10 hours in the middle of the 30-day window (720 h), so a window that moves on by an hour while the test runs
reads the same; monthly = observed x 730 / 720 = x 73/72.

    Invocations  ConnectFunction 7,200 -> 7,300; SendFunction 72,000 -> 73,000; ArchiveFunction 720 -> 730;
                 OtherFunction 1,440 -> 1,460 (tagged, not in the template)
    WebSocket    ConnectCount 7,200 -> 7,300; MessageCount 216,000 -> 219,000; route sendmessage 72,000 -> 73,000
    Connections  RCU 36,000 -> 36,500; WCU 14,400 -> 14,600
    Messages     RCU 144,000 + GSI byRoom RCU 7,200 -> 153,300; WCU 72,000 -> 73,000; GSI WCU 72,000 -> 73,000
    AuditTable   in the template, not in the account

Uses: connect = ConnectCount 7,300 (the $connect route); sendmessage = its route's MessageCount 73,000; Nightly
(the schedule) = ArchiveFunction's invocations 730. Each invokes its function once, so the weights are 7,300,
73,000 and 730.
- ConnectionsTable: read by connect and sendmessage (not Nightly: ArchiveFunction's policies do not allow it),
  7,300 : 73,000 = 1 : 10. 36,500 RRU -> 3,318.18 and 33,181.82; per use 0.4545 RRU each, and an eventual 1 KB
  read (the skeleton's op) is 0.5 RRU: 0.9090909 reads per use. Written by connect only: 14,600 / 7,300 = 2.
- MessagesTable: read by sendmessage and Nightly, 73,000 : 730 = 100 : 1. 153,300 RRU -> 151,782.18 and
  1,517.82; per use 2.079208 RRU = 4.158416 reads. Written by sendmessage only: 73,000 / 73,000 = 1 write per use,
  gsis = 73,000 GSI WCU / 73,000 = 1.
- messages: all 219,000 follow the only routed count: 3 per sendmessage; connection minutes 7,300 x 5 min =
  36,500 to connect, 5 per use, and 1 connect per use.
The plain import would have shared every table over all four functions by invocations.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures" / "import_skeleton"
sys.path.insert(0, str(ROOT / "tests" / "usage"))  # the usage tests' builders for a moto account

import moto_fast_metrics  # noqa: E402
from usage_env import aws_test_env, run_import  # noqa: E402
from usage_seed import create_function, create_table, create_websocket_api, put_metrics, role_arn, set_created  # noqa: E402

HOURS = 720
SPAN = range(300, 310)  # the hours of the window with datapoints


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), *args],
        cwd=ROOT,
        env=env or {**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _hourly(total: float) -> np.ndarray:
    """`total` spread evenly over the SPAN hours of the window, NaN elsewhere."""
    a = np.full(HOURS, np.nan)
    a[list(SPAN)] = total / len(SPAN)
    return a


@pytest.fixture(scope="module")
def account():
    from moto.server import ThreadedMotoServer

    moto_fast_metrics.install()
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
        start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=30)
        role, tag = role_arn(), {"app": "chat"}
        connect = create_function("chat-ConnectFunction-A1B2C3", role, tags=tag)
        send = create_function("chat-SendFunction-D4E5F6", role, memory_mb=256, architecture="arm64", tags=tag)
        create_function("chat-ArchiveFunction-G7H8I9", role, tags=tag)
        create_function("chat-OtherFunction-J0K1L2", role, tags=tag)
        create_function("unrelated", role)
        api = create_websocket_api("chat-ChatWebSocket", {"$connect": connect, "sendmessage": send}, tags=tag)
        create_table("chat-ConnectionsTable-M3", tags=tag)
        create_table("chat-MessagesTable-N4", gsis=("byRoom",), tags=tag)
        set_created(start - timedelta(hours=1), ("chat-ConnectionsTable-M3", "chat-MessagesTable-N4"), (api,))
        fn, ddb, gw = "AWS/Lambda", "AWS/DynamoDB", "AWS/ApiGateway"
        series = [
            (fn, "Invocations", {"FunctionName": "chat-ConnectFunction-A1B2C3"}, _hourly(7_200)),
            (fn, "Duration", {"FunctionName": "chat-ConnectFunction-A1B2C3"}, _hourly(7_200 * 20)),
            (fn, "Invocations", {"FunctionName": "chat-SendFunction-D4E5F6"}, _hourly(72_000)),
            (fn, "Duration", {"FunctionName": "chat-SendFunction-D4E5F6"}, _hourly(72_000 * 50)),
            (fn, "Invocations", {"FunctionName": "chat-ArchiveFunction-G7H8I9"}, _hourly(720)),
            (fn, "Duration", {"FunctionName": "chat-ArchiveFunction-G7H8I9"}, _hourly(720 * 1_000)),
            (fn, "Invocations", {"FunctionName": "chat-OtherFunction-J0K1L2"}, _hourly(1_440)),
            (gw, "ConnectCount", {"ApiId": api}, _hourly(7_200)),
            (gw, "MessageCount", {"ApiId": api}, _hourly(216_000)),
            (gw, "MessageCount", {"ApiId": api, "Stage": "Prod", "Route": "sendmessage"}, _hourly(72_000)),
            (ddb, "ConsumedReadCapacityUnits", {"TableName": "chat-ConnectionsTable-M3"}, _hourly(36_000)),
            (ddb, "ConsumedWriteCapacityUnits", {"TableName": "chat-ConnectionsTable-M3"}, _hourly(14_400)),
            (ddb, "ConsumedReadCapacityUnits", {"TableName": "chat-MessagesTable-N4"}, _hourly(144_000)),
            (ddb, "ConsumedWriteCapacityUnits", {"TableName": "chat-MessagesTable-N4"}, _hourly(72_000)),
            (
                ddb,
                "ConsumedReadCapacityUnits",
                {"TableName": "chat-MessagesTable-N4", "GlobalSecondaryIndexName": "byRoom"},
                _hourly(7_200),
            ),
            (
                ddb,
                "ConsumedWriteCapacityUnits",
                {"TableName": "chat-MessagesTable-N4", "GlobalSecondaryIndexName": "byRoom"},
                _hourly(72_000),
            ),
        ]
        put_metrics(series, start)
        yield endpoint
    server.stop()
    moto_fast_metrics.uninstall()


@pytest.fixture(scope="module")
def skeleton(tmp_path_factory) -> Path:
    """The skeleton, as `cli.py init` writes it from the template."""
    out = tmp_path_factory.mktemp("skeleton") / "skeleton.yaml"
    r = _cli("init", "--template", str(FIX / "template.yaml"), "-o", str(out))
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture(scope="module")
def imported(account, skeleton, tmp_path_factory):
    out = tmp_path_factory.mktemp("import") / "chat.yaml"
    r = run_import(["--tag", "app=chat", "--scenario", str(skeleton), "--users", "100", "-o", str(out)], account)
    assert r.returncode == 0, r.stderr
    return r, out


def approx(x):
    return pytest.approx(x, rel=1e-6)


def test_the_skeleton_keeps_its_names_and_features(imported, skeleton):
    _, out = imported
    sc = yaml.safe_load(out.read_text())
    skel = yaml.safe_load(skeleton.read_text())
    assert list(sc["features"]) == list(skel["features"]) == ["connect", "sendmessage", "Nightly"]
    assert list(sc["functions"]) == ["ConnectFunction", "SendFunction", "ArchiveFunction"]
    assert list(sc["tables"]) == ["ConnectionsTable", "MessagesTable", "AuditTable"]
    assert sc["functions"]["SendFunction"] | {} == {
        "memory_mb": 256,
        "architecture": "arm64",
        "duration_ms": 50,
        "ephemeral_storage_mb": 512,
    }
    assert sc["functions"]["ArchiveFunction"]["duration_ms"] == 1000
    assert sc["tables"]["MessagesTable"]["gsis"] == 1
    assert sc["tiers"] == {
        "observed": {"users": 100, "price": 0, "uses": {"connect": 73, "sendmessage": 730, "Nightly": 7.3}}
    }


def test_table_units_go_to_the_features_that_touch_the_table(imported):
    _, out = imported
    f = yaml.safe_load(out.read_text())["features"]
    # connect: ConnectionsTable only (its function's policy); 1/11 of the reads, all the writes
    assert f["connect"]["dynamodb"] == [
        {"table": "ConnectionsTable", "reads": approx(10 / 11)},
        {"table": "ConnectionsTable", "writes": 2, "gsis": 0},
    ]
    # sendmessage: 10/11 of ConnectionsTable's reads, 100/101 of MessagesTable's, all its writes (1 GSI each)
    assert f["sendmessage"]["dynamodb"] == [
        {"table": "ConnectionsTable", "reads": approx(10 / 11)},
        {"table": "MessagesTable", "reads": approx(4.158416)},
        {"table": "MessagesTable", "writes": 1, "gsis": 1},
    ]
    # Nightly: 1/101 of MessagesTable's reads, nothing of ConnectionsTable; AuditTable is not in the account
    assert f["Nightly"]["dynamodb"] == [
        {"table": "AuditTable", "reads": 0},
        {"table": "AuditTable", "writes": 0},
        {"table": "MessagesTable", "reads": approx(4.158416)},
    ]
    assert f["connect"]["websocket"] | {} == {
        "api": "ChatWebSocket",
        "messages": 0,
        "connects": 1,
        "connection_minutes": 5,
    }
    assert f["sendmessage"]["websocket"]["messages"] == 3


def test_the_estimate_gives_back_the_observed_month(imported):
    _, out = imported
    r = _cli("estimate", str(out), "--json")
    assert r.returncode == 0, r.stderr
    lines = {(ln["service"], ln["component"]): ln["quantity"] for ln in json.loads(r.stdout)["lines"]}
    assert lines[("dynamodb", "Read request units")] == approx(36_500 + 153_300)
    assert lines[("dynamodb", "Write request units")] == approx(14_600 + 73_000 + 73_000)
    assert lines[("websocket", "Messages (first 1B)")] == approx(219_000)
    assert lines[("websocket", "Connection minutes")] == approx(36_500)


def test_unmatched_resources_are_listed_both_ways(imported):
    r, out = imported
    text = out.read_text()
    other = "in the account, not in the skeleton: function chat-OtherFunction-J0K1L2 (1,460 invocations/month)"
    audit = "in the skeleton, not in the account: table AuditTable"
    for where in (r.stdout, r.stderr, text):
        assert other in where and audit in where
    assert f"warning: {other}" in r.stderr
    assert "unrelated" not in text  # not tagged: not the app's
    assert "# NOTE: function SendFunction is chat-SendFunction-D4E5F6 in the account" in text


def test_a_bad_skeleton_exits_2_before_any_aws_call(tmp_path):
    bad = tmp_path / "skel.yaml"
    bad.write_text("name: x\nregion: us-east-1\nfeatures:\n  f: {lambda: {nope: 1}}\n")
    r = run_import(["--tag", "app=chat", "--scenario", str(bad), "-o", str(tmp_path / "o.yaml")], None)
    assert r.returncode == 2
    assert "skel.yaml, line 4" in r.stderr and "Import cost" not in r.stdout
    assert not (tmp_path / "o.yaml").exists()


def test_the_demo_account_into_a_skeleton(tmp_path):
    """examples/positive-chat-skeleton.yaml: the demo's $default route carries all its messages; Connections'
    reads go to default only (the one feature that reads it), its writes to connect and disconnect, which share
    positive-chat-connect's 73,000 invocations: 36,500 connects (ConnectCount) and the 36,500 left."""
    out = tmp_path / "demo.yaml"
    r = _cli("import", "--demo", "--scenario", str(ROOT / "examples" / "positive-chat-skeleton.yaml"), "-o", str(out))
    assert r.returncode == 0, r.stderr
    sc = yaml.safe_load(out.read_text())
    assert sc["baseline"]["connect"] == 36_500 and sc["baseline"]["disconnect"] == 36_500
    assert sc["features"]["connect"]["dynamodb"] == sc["features"]["disconnect"]["dynamodb"]
    assert "comprehend" in r.stderr  # the demo's per-unit services are not in the skeleton: listed
    e = _cli("estimate", str(out), "--json")
    assert e.returncode == 0, e.stderr


def test_names_match_by_stack_logical_id_then_name_then_name_part():
    from usage.skeleton import match

    account = ["app-Chat-1A", "app-Chat-2B", "orders-prod", "Topics", "app-Send-3C", "app-SendFunction-4D"]
    logical = {"orders-prod": "OrdersTable"}  # from ListStackResources (--stack)
    got = match(["OrdersTable", "Topics", "SendFunction", "Send", "Chat", "Missing"], account, logical)
    assert got == {
        "OrdersTable": "orders-prod",  # its TableName is not generated: only the stack knows it
        "Topics": "Topics",
        "SendFunction": "app-SendFunction-4D",
        "Send": "app-Send-3C",  # a whole part: not app-SendFunction-4D
    }  # Chat: two candidates, ambiguous; Missing: none


def test_a_template_is_a_skeleton_too(account, tmp_path):
    """--scenario takes the template itself, initialised on the fly: the same file as from init's output."""
    out = tmp_path / "t.yaml"
    r = run_import(["--tag", "app=chat", "--scenario", str(FIX / "template.yaml"), "-o", str(out)], account)
    assert r.returncode == 0, r.stderr
    f = yaml.safe_load(out.read_text())["features"]
    assert f["sendmessage"]["dynamodb"][2] == {"table": "MessagesTable", "writes": 1, "gsis": 1}


def test_what_no_feature_of_the_skeleton_carries_is_unattributed(tmp_path):
    """The demo account into a skeleton with only the connect feature (no messages, as init writes $connect) and
    the Topics table that no feature uses: the API's 2,277,600 messages a month and Topics' units go to the
    feature `unattributed`, used once a month, so the estimate still has them."""
    skel = tmp_path / "skel.yaml"
    skel.write_text(
        "name: t\nregion: us-east-1\nfunctions:\n  positive-chat-connect: {memory_mb: 128, duration_ms: 0}\n"
        "websockets:\n  positive-chat: {}\ntables:\n  Topics: {}\nfeatures:\n  connect:\n"
        "    lambda: {positive-chat-connect: 1}\n    websocket: {api: positive-chat, messages: 0, connects: 1}\n"
    )
    out = tmp_path / "o.yaml"
    r = _cli("import", "--demo", "--scenario", str(skel), "-o", str(out))
    assert r.returncode == 0, r.stderr
    sc = yaml.safe_load(out.read_text())
    assert sc["features"]["connect"]["websocket"]["messages"] == 0
    assert sc["features"]["unattributed"]["websocket"]["messages"] == 2_277_600
    assert [op["table"] for op in sc["features"]["unattributed"]["dynamodb"]] == ["Topics", "Topics"]
    assert sc["baseline"] == {"connect": 36_500, "unattributed": 1}
    e = json.loads(_cli("estimate", str(out), "--json").stdout)
    assert {ln["component"]: ln["quantity"] for ln in e["lines"]}["Messages (first 1B)"] == 2_277_600

"""End to end: the import run as a subprocess against moto in server mode, checked against known totals."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from scenario_totals import feature_totals
from usage_env import ROOT, aws_test_env, run_import

FACTOR = 730 / 720  # 30 days observed, normalised to a 730-hour month


def window_start_of(text: str) -> datetime:
    m = re.search(r"^# Window: (\d{4}-\d\d-\d\d \d\d:\d\d) to", text, re.M)
    return datetime.strptime(m.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


def test_import_by_tag_matches_known_totals(chat_app, aws_env, tmp_path):
    out = tmp_path / "chat.yaml"
    r = run_import(["--tag", "app=chat", "--users", "1000", "--session-minutes", "4", "-o", str(out)], aws_env)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    assert "Import cost (before):" in r.stdout and "Import cost (after):" in r.stdout
    assert "No data: function chat-idle" in r.stdout
    assert re.search(r"Partial data: table chat-msgs: data in 4\d\d of 720 h; longest gap 2\d\d h", r.stdout)
    text = out.read_text()
    assert text.startswith("# Written by unitcost import")
    assert "Apportioning rule" in text and "ConnectCount x 4 min" in text
    sc = yaml.safe_load(text)
    start = window_start_of(text)

    def total(*key):
        return chat_app.total(key, start) * FACTOR

    # what was selected, with its real configuration
    assert set(sc["functions"]) == {"chat-send", "chat-connect", "chat-idle"}
    assert sc["functions"]["chat-send"] == {
        "memory_mb": 256,
        "architecture": "arm64",
        "duration_ms": 120.4,
        "ephemeral_storage_mb": 1024,
    }
    assert sc["functions"]["chat-connect"]["duration_ms"] == 30
    assert sc["functions"]["chat-idle"]["duration_ms"] == 0
    assert set(sc["websockets"]) == {"chatws"}
    assert sc["tables"]["chat-conn"] == {"capacity": "on_demand", "table_class": "standard", "storage_gb": 0, "gsis": 1}
    assert sc["tables"]["chat-msgs"]["capacity"] == "provisioned"
    assert (sc["tables"]["chat-msgs"]["read_capacity"], sc["tables"]["chat-msgs"]["write_capacity"]) == (5, 5)
    assert sc["tiers"]["observed"]["users"] == 1000 and "baseline" not in sc
    assert set(sc["features"]) == {"chat-send", "chat-connect"}  # chat-idle has no invocations

    got = feature_totals(sc)
    approx = lambda x: pytest.approx(x, rel=1e-5)  # noqa: E731
    assert got["invocations"] == {
        "chat-send": approx(total("function", "chat-send", "Invocations")),
        "chat-connect": approx(total("function", "chat-connect", "Invocations")),
    }
    assert got["messages"] == {"chatws": approx(total("websocket", "chatws", "MessageCount"))}
    # both routes with metrics call chat-send, so all messages follow them; minutes go to the $connect function
    assert got["ws_by_feature"]["chat-connect"] == (0, approx(total("websocket", "chatws", "ConnectCount") * 4))
    assert got["minutes"] == {"chatws": approx(total("websocket", "chatws", "ConnectCount") * 4)}
    assert got["rru"]["chat-conn"] == approx(
        total("table", "chat-conn", "ConsumedReadCapacityUnits")
        + total("gsi", "roomIndex", "ConsumedReadCapacityUnits")
    )
    assert got["wru"]["chat-conn"] == approx(
        total("table", "chat-conn", "ConsumedWriteCapacityUnits")
        + total("gsi", "roomIndex", "ConsumedWriteCapacityUnits")
    )
    assert got["rru"]["chat-msgs"] == approx(total("table", "chat-msgs", "ConsumedReadCapacityUnits"))

    import models.scenario as models

    models.loads(text, source=str(out))  # the project's own validator accepts the file

    # The estimate of the imported file reproduces the observed month's usage within 1%.
    est = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "estimate", str(out), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert est.returncode == 0, est.stderr
    lines = json.loads(est.stdout)["lines"]

    def quantity(service, unit, component=""):
        return sum(
            x["quantity"]
            for x in lines
            if x["service"] == service and x["unit"] == unit and x["component"].startswith(component)
        )

    gb_s = (
        total("function", "chat-send", "Duration") / 1000 * 256 / 1024
        + total("function", "chat-connect", "Duration") / 1000 * 128 / 1024
    )
    observed = {
        ("lambda", "request", ""): total("function", "chat-send", "Invocations")
        + total("function", "chat-connect", "Invocations"),
        ("lambda", "GB-second", "Duration"): gb_s,
        ("websocket", "message", ""): total("websocket", "chatws", "MessageCount"),
        ("websocket", "minute", ""): total("websocket", "chatws", "ConnectCount") * 4,
        ("dynamodb", "RRU", ""): total("table", "chat-conn", "ConsumedReadCapacityUnits")
        + total("gsi", "roomIndex", "ConsumedReadCapacityUnits"),
        ("dynamodb", "WRU", ""): total("table", "chat-conn", "ConsumedWriteCapacityUnits")
        + total("gsi", "roomIndex", "ConsumedWriteCapacityUnits"),
    }
    for key, expected in observed.items():
        assert quantity(*key) == pytest.approx(expected, rel=0.01), key
    # Duration is billed per whole ms: 121 ms for the 120.4 ms average, so a little above the metric
    assert quantity("lambda", "GB-second", "Duration") > gb_s


def test_import_by_prefix_and_all(chat_app, aws_env, tmp_path):
    out = tmp_path / "other.yaml"
    r = run_import(["--prefix", "other-", "-o", str(out)], aws_env)
    assert r.returncode == 0, r.stderr
    sc = yaml.safe_load(out.read_text())
    assert set(sc["functions"]) == {"other-fn"} and set(sc["tables"]) == {"other-table"}
    assert "websockets" not in sc
    start = window_start_of(out.read_text())
    expected = 7.0 * (720 - int((start - chat_app.start).total_seconds() // 3600)) * FACTOR
    assert sc["baseline"]["other-fn"] == pytest.approx(expected, rel=1e-6)

    out_all = tmp_path / "all.yaml"
    r = run_import(["--days", "30", "-o", str(out_all)], aws_env)
    assert r.returncode == 0, r.stderr
    sc = yaml.safe_load(out_all.read_text())
    assert set(sc["functions"]) == {"chat-send", "chat-connect", "chat-idle", "other-fn"}
    assert set(sc["tables"]) == {"chat-conn", "chat-msgs", "other-table"}


def test_no_matching_resources_exits_2(chat_app, aws_env, tmp_path):
    out = tmp_path / "none.yaml"
    r = run_import(["--tag", "app=nothing", "-o", str(out)], aws_env)
    assert r.returncode == 2, r.stdout
    assert r.stderr.strip() == (
        "error: no Lambda functions, WebSocket APIs or DynamoDB tables match tag app=nothing in us-east-1"
    )
    assert not out.exists()


def test_no_credentials_exits_2(tmp_path):
    env = aws_test_env(None)
    del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    r = run_import(["-o", str(tmp_path / "x.yaml")], None, env=env)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.startswith("error: no AWS credentials found")
    env = aws_test_env(None)
    del env["AWS_DEFAULT_REGION"]
    r = run_import(["-o", str(tmp_path / "x.yaml")], None, env=env)
    assert r.returncode == 2 and r.stderr.startswith("error: no AWS region")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nothing listens there


def test_endpoint_not_answering_exits_2_and_keeps_the_saved_file(tmp_path):
    out = tmp_path / "saved.yaml"
    out.write_text("name: mine\nregion: us-east-1\n")
    t0 = time.monotonic()
    r = run_import(["-o", str(out)], f"http://127.0.0.1:{_closed_port()}")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "is not answering" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert time.monotonic() - t0 < 15  # one quick probe, not 8 backed-off retries
    assert out.read_text() == "name: mine\nregion: us-east-1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["saved.yaml"]  # no temp file left behind


def test_bad_arguments_exit_2(tmp_path):
    out = str(tmp_path / "x.yaml")
    for args in (
        ["--tag", "novalue", "-o", out],
        ["--tag", "a=b", "--prefix", "c", "-o", out],
        ["--days", "0", "-o", out],
        ["--users", "-3", "-o", out],
        [],
    ):
        r = run_import(args, "http://127.0.0.1:9")
        assert r.returncode == 2, args
        assert "Traceback" not in r.stderr and r.stderr.strip(), args
    assert not Path(out).exists()


def test_import_by_stack(moto_env, tmp_path):
    import boto3
    from usage_seed import role_arn

    template = {
        "Resources": {
            "Table": {
                "Type": "AWS::DynamoDB::Table",
                "Properties": {
                    "TableName": "stack-table",
                    "BillingMode": "PAY_PER_REQUEST",
                    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                },
            },
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "FunctionName": "stack-fn",
                    "Runtime": "python3.12",
                    "Role": role_arn(),
                    "Handler": "index.handler",
                    "MemorySize": 512,
                    "Code": {"ZipFile": "def handler(e, c): pass"},
                },
            },
        }
    }
    boto3.client("cloudformation", region_name="us-east-1").create_stack(
        StackName="chat-stack", TemplateBody=json.dumps(template)
    )
    from usage_seed import create_table

    create_table("not-in-stack")
    out = tmp_path / "stack.yaml"
    r = run_import(["--stack", "chat-stack", "-o", str(out)], moto_env)
    assert r.returncode == 0, r.stderr
    sc = yaml.safe_load(out.read_text())
    assert set(sc["functions"]) == {"stack-fn"} and sc["functions"]["stack-fn"]["memory_mb"] == 512
    assert set(sc["tables"]) == {"stack-table"}
    assert "No data: function stack-fn" in r.stdout  # reported, not silently $0

    r = run_import(["--stack", "no-such-stack", "-o", str(out)], moto_env)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "stack 'no-such-stack' not found" in r.stderr

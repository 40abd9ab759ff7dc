"""Capacity: worked cases computed by hand, and properties of the model.

Month: 730 h = 2,628,000 s. 2,628 uses per user per month = 0.001 uses/s per user; peak factor 2.
"""

import json
import subprocess
import sys

import pytest

from models.capacity import capacity
from models.scenario import ScenarioError, loads

BASE = """
name: capacity
region: us-east-1
functions: {f: {memory_mb: 128, duration_ms: 1000}}
features: {use: {lambda: {f: 1}}}
tiers: {t: {users: 1000, uses: {use: 2628}}}
"""


def limits(text):
    return {(c.limit, c.resource): c for c in capacity(loads(text))[0]}


def test_issue_worked_case_one_second_function():
    # 0.001 uses/s per user x 2 peak x 1 s = 0.002 concurrent executions per user; 1,000 / 0.002 = 500,000.
    c = limits(BASE)[("lambda_concurrency", "account")]
    assert c.peak == pytest.approx(2.0)  # 1,000 users x 0.002
    assert c.quota == 1000
    assert c.utilization == pytest.approx(0.002)
    assert c.users_at_limit == pytest.approx(500_000)


def test_raising_a_quota_raises_users_at_limit_in_proportion():
    raised = limits(BASE + "quotas: {lambda_concurrency: 3000}\n")[("lambda_concurrency", "account")]
    assert raised.quota == 3000
    assert raised.users_at_limit == pytest.approx(1_500_000)


@pytest.mark.parametrize("factor", [2, 3.5, 10])
def test_utilization_grows_linearly_with_users(factor):
    one = limits(BASE)[("lambda_concurrency", "account")]
    more = limits(BASE.replace("users: 1000", f"users: {1000 * factor}"))[("lambda_concurrency", "account")]
    assert more.utilization == pytest.approx(one.utilization * factor)
    assert more.users_at_limit == pytest.approx(one.users_at_limit)  # the limit itself does not move


def test_baseline_load_brings_the_limit_closer():
    # 1,314,000 uses/month = 0.5/s, x2 peak x 1 s = 1 concurrent execution before any user: (1,000 - 1) / 0.002.
    c = limits(BASE + "baseline: {use: 1314000}\n")[("lambda_concurrency", "account")]
    assert c.users_at_limit == pytest.approx(499_500)


def test_peak_factor_and_cold_starts():
    # peak 4 and 10% cold starts with a 2 s INIT: 0.001 x 4 x (1 + 0.1 x 2) = 0.0048 per user.
    text = BASE.replace("duration_ms: 1000}", "duration_ms: 1000, cold_start_rate: 0.1, init_ms: 2000}")
    c = limits(text + "peak_to_average: 4\n")[("lambda_concurrency", "account")]
    assert c.users_at_limit == pytest.approx(1000 / 0.0048)


def test_reserved_concurrency_is_its_own_limit_and_taken_from_the_pool():
    text = BASE.replace("duration_ms: 1000}", "duration_ms: 1000, reserved_concurrency: 100}")
    by = limits(text)
    assert by[("lambda_concurrency", "f")].quota == 100
    assert by[("lambda_concurrency", "f")].users_at_limit == pytest.approx(50_000)
    assert by[("lambda_concurrency", "account")].peak == 100  # reserved, whatever the load
    assert by[("lambda_concurrency", "account")].users_at_limit is None  # does not grow with users


def test_provisioned_concurrency_is_a_floor():
    text = BASE.replace("duration_ms: 1000}", "duration_ms: 1000, provisioned: {concurrency: 300}}")
    c = limits(text)[("lambda_concurrency", "account")]
    assert c.peak == 300  # demand is 2 at 1,000 users, but 300 environments are held
    assert c.users_at_limit == pytest.approx(500_000)  # demand passes the floor at 150,000, the quota at 500,000
    over = limits(text.replace("concurrency: 300", "concurrency: 1200"))[("lambda_concurrency", "account")]
    assert over.users_at_limit == 0


def test_websocket_connections_and_api_gateway_requests():
    text = """
name: ws
region: us-east-1
websockets: {chat: {}}
http_apis: {poll: {}}
features:
  session: {websocket: {connects: 1, messages: 3, connection_minutes: 180}}
  poll: {http: {requests: 5}}
tiers: {t: {users: 1000, uses: {session: 2628, poll: 2628}}}
"""
    result, notes = capacity(loads(text))
    by = {(c.limit, c.resource): c for c in result}
    # connects: 0.001/s x 2 = 0.002 per user -> 500 / 0.002 = 250,000
    assert by[("websocket_new_connections_per_second", "account")].users_at_limit == pytest.approx(250_000)
    # requests: (1 connect + 3 messages + 5 polls) x 0.001 x 2 = 0.018 per user -> 10,000 / 0.018
    assert by[("apigw_requests_per_second", "account")].users_at_limit == pytest.approx(10_000 / 0.018)
    assert result[0].limit == "websocket_new_connections_per_second"  # sorted: first limit reached first
    assert any("2-hour" in n for n in notes)  # 180-minute sessions


def test_dynamodb_tables_provisioned_and_hot_keys():
    text = """
name: ddb
region: us-east-1
tables:
  prov: {capacity: provisioned, read_capacity: 100, write_capacity: 10}
  od: {}
features:
  use:
    dynamodb:
      - {table: prov, reads: 1, item_kb: 4, consistency: strong}
      - {table: od, writes: 1, item_kb: 1, hot_key_share: 0.5}
tiers: {t: {users: 1000, uses: {use: 2628}}}
"""
    by = limits(text)
    # 1 RRU x 0.001/s x 2 = 0.002 RRU/s per user against 100 RCU -> 50,000 users
    assert by[("dynamodb_read_units_per_second", "prov")].quota == 100
    assert by[("dynamodb_read_units_per_second", "prov")].users_at_limit == pytest.approx(50_000)
    assert by[("dynamodb_write_units_per_second", "prov")].users_at_limit is None  # no writes
    # on-demand: 0.002 WRU/s per user vs 40,000 -> 20,000,000; hot key: 0.001 vs 1,000 -> 1,000,000
    assert by[("dynamodb_write_units_per_second", "od")].users_at_limit == pytest.approx(20_000_000)
    assert by[("dynamodb_partition_write_units_per_second", "od")].users_at_limit == pytest.approx(1_000_000)


def test_unknown_quota_name_is_an_error():
    with pytest.raises(ScenarioError) as e:
        loads(BASE + "quotas: {lambda_concurency: 3000}\n", source="s.yaml")
    assert "lambda_concurency" in str(e.value) and "line 7" in str(e.value)


def test_estimate_json_carries_the_capacity_contract(tmp_path, repo_root):
    path = tmp_path / "s.yaml"
    path.write_text(BASE)
    out = subprocess.run(
        [sys.executable, "cli.py", "estimate", str(path), "--json"],
        cwd=repo_root,
        capture_output=True,
        text=True,
        check=True,
    )
    entries = json.loads(out.stdout)["capacity"]
    assert {"limit", "resource", "quota", "peak", "utilization", "users_at_limit"} <= set(entries[0])
    concurrency = next(e for e in entries if e["limit"] == "lambda_concurrency")
    assert concurrency["resource"] == "account"
    assert concurrency["users_at_limit"] == pytest.approx(500_000)
    readable = subprocess.run(
        [sys.executable, "cli.py", "estimate", str(path)], cwd=repo_root, capture_output=True, text=True, check=True
    ).stdout
    assert "> lambda_concurrency" in readable and "500,000" in readable


def test_a_vanishing_quota_is_full_without_an_overflow_warning(repo_root):
    """1e12 users x 1e12 uses x 1e12 reads of 1,000 KB (250 RRU each, eventual 125) over a 730 h month, x2 at
    peak, is about 9.5e31 RRU/s against 1e-300 RCU: the quotient overflows a float. It is reported as full
    (utilization null), computed in Python floats: no RuntimeWarning raised, none filtered."""
    import warnings

    text = """
name: x
region: us-east-1
tables: {t: {capacity: provisioned, read_capacity: 1e-300, write_capacity: 1}}
features: {a: {dynamodb: [{table: t, reads: 1000000000000, item_kb: 1000}]}}
tiers: {p: {users: 1000000000000, uses: {a: 1000000000000}}}
"""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow warning would fail here
        read = next(c for c in capacity(loads(text, "x"))[0] if c.limit == "dynamodb_read_units_per_second")
    assert read.peak == pytest.approx(1e36 * 125 / (730 * 3600) * 2)
    assert read.utilization is None
    assert "errstate" not in (repo_root / "models" / "ratios.py").read_text()  # fixed, not silenced

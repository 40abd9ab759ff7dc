"""`cli.py forecast` (issue 15): month k's users by the formula, every month equal to `estimate` of the scenario
with that month's users, `plan:` in the scenario with the flags over it, the months where a free tier runs out or
a volume tier starts, and bad arguments."""

import json
import subprocess
import sys
from dataclasses import replace

import pytest

import cli
from models.engine import estimate
from models.scenario import loads

# Lambda's 1M free requests a month: 400 free users x 2,000 sends = 800,000 requests in month 0. Growing 10% a
# month: 880,000, 968,000, then 1,064,800 in month 3, past the free 1M. WebSocket messages: pro sends 100 x 6 =
# 600 messages a user, 1.5M users = 900M messages (the first 1B tier) growing 5% a month less 1% churn: x 1.0395,
# 935.55M, 972.5M, then 1,010.9M in month 3: the "over 1B" tier starts.
SCENARIO = """\
name: Plan
region: us-east-1
functions:
  chat: {memory_mb: 128, duration_ms: 10}
websockets:
  live: {}
features:
  send:
    lambda: {chat: 1}
  talk:
    websocket: {messages: 6}
tiers:
  free:
    users: 400
    uses: {send: 2000}
  pro:
    users: 1500000
    price: 4
    uses: {talk: 100}
plan:
  growth: {free: 10, pro: 5}
  churn: {pro: 1}
"""

MONTH_KEYS = {"month", "users", "total", "revenue", "margin", "margin_pct", "cost_per_user", "tiers"}
TIER_KEYS = {"name", "users", "cost", "revenue", "margin"}


def run(tmp_path, *args: str, text: str = SCENARIO) -> list[dict]:
    path = tmp_path / "plan.yaml"
    path.write_text(text)
    out = subprocess.run(
        [sys.executable, "cli.py", "forecast", str(path), *args, "--json"], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out)


def test_months_follow_the_formula_and_each_equals_the_estimate_of_its_users(tmp_path):
    months = run(tmp_path, "--months", "6")
    assert [m["month"] for m in months] == list(range(7))
    assert all(set(m) >= MONTH_KEYS and [set(t) >= TIER_KEYS for t in m["tiers"]] == [True, True] for m in months)
    free = [m["tiers"][0]["users"] for m in months]
    pro = [m["tiers"][1]["users"] for m in months]
    assert free[:4] == pytest.approx([400, 440, 484, 532.4])  # x 1.10 a month
    assert pro[:3] == pytest.approx([1_500_000, 1_559_250, 1_620_840.375])  # x 1.05 x 0.99 = x 1.0395
    s = loads(SCENARIO)
    for m in months:
        users = {t["name"]: t["users"] for t in m["tiers"]}
        e = estimate(replace(s, tiers={n: replace(t, users=users[n]) for n, t in s.tiers.items()}))
        assert m["total"] == e.total
        assert m["users"] == pytest.approx(e.users)
        assert m["revenue"] == sum(t.revenue for t in e.tiers)
        assert m["margin"] == pytest.approx(m["revenue"] - e.total)
        assert m["margin_pct"] == pytest.approx(m["margin"] / m["revenue"])
        assert m["cost_per_user"] == pytest.approx(e.total / e.users)
        for got, want in zip(m["tiers"], e.tiers):
            assert got["name"] == want.name
            assert got["cost"] == want.cost  # the same steps as estimate: to the last bit
            assert got["revenue"] == pytest.approx(want.revenue)
            assert got["margin"] == want.margin
    assert months[0]["total"] == estimate(s).total  # month 0: the scenario as written


def test_the_months_a_free_tier_runs_out_and_a_volume_tier_starts(tmp_path):
    months = run(tmp_path, "--months", "5")
    by_month = {m["month"]: m["events"] for m in months if m["events"]}
    assert set(by_month) == {3}, by_month
    kinds = {(e["kind"], e["service"], e["component"]) for e in by_month[3]}
    assert ("free_tier_runs_out", "lambda", "Requests x86_64") in kinds
    assert ("volume_tier_starts", "websocket", "Messages (over 1B)") in kinds


def test_flags_override_the_plan_tier_by_tier(tmp_path):
    months = run(tmp_path, "--months", "2", "--growth", "free=50", "--churn", "free=20")
    # free: x 1.5 x 0.8 = x 1.2 (flags); pro keeps the file's x 1.05 x 0.99
    assert [m["tiers"][0]["users"] for m in months] == pytest.approx([400, 480, 576])
    assert months[1]["tiers"][1]["users"] == pytest.approx(1_559_250)
    # without a plan and without flags the users stay as written
    flat = run(tmp_path, "--months", "2", text=SCENARIO.split("plan:")[0])
    assert [m["users"] for m in flat] == [1_500_400] * 3


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--months", "3", "--growth", "gold=5"], "--growth: unknown tier 'gold'"),
        (["--months", "3", "--churn", "free=150"], "--churn: free: must be from 0 to 100"),
        # 1,000% a month compounds past 1e12 users within 600 months: refused, not priced as Infinity
        (["--months", "600", "--growth", "pro=1000", "--json"], "plan.growth: tier 'pro' passes 1,000,000,000,000"),
    ],
)
def test_bad_rates_exit_2(tmp_path, capsys, args, words):
    path = tmp_path / "plan.yaml"
    path.write_text(SCENARIO)
    assert cli.main(["forecast", str(path), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: ") and words in err, err


def test_bad_arguments_exit_2(tmp_path, capsys):
    path = tmp_path / "plan.yaml"
    path.write_text(SCENARIO)
    for args, flag in (
        ([], "--months"),
        (["--months", "-1"], "--months"),
        (["--months", "601"], "--months"),
        (["--months", "2.5"], "--months"),
        (["--months", "3", "--growth", "free"], "--growth"),
        (["--months", "3", "--churn", "free=abc"], "--churn"),
        (["--months", "3", "--churn", "=5"], "--churn"),
    ):
        with pytest.raises(SystemExit) as exit_:
            cli.main(["forecast", str(path), *args])
        err = capsys.readouterr().err
        assert exit_.value.code == 2 and flag in err and len(err.strip().splitlines()) == 1, err


def test_readable_output_marks_the_months(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(SCENARIO)
    out = subprocess.run(
        [sys.executable, "cli.py", "forecast", str(path), "--months", "4"], capture_output=True, text=True, check=True
    ).stdout
    row = next(line for line in out.splitlines() if line.strip().startswith("3 "))
    assert "free tier used up: lambda Requests x86_64" in row and "Messages (over 1B)" in row

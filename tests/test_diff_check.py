"""`cli.py diff` and `cli.py check`, run as a person runs them (subprocesses), every exit code.

Hand figures (price book 2026-11-27, us-east-1, Always Free off; Lambda x86 $0.20 per 1M requests and
$0.0000166667 per GB-second; lines rounded to the cent):

base.yaml: 128 MB, 100 ms; send 1,000 uses x 1,000 pro users + legacy 1,000,000 baseline = 2,000,000
invocations. Requests 2M x $0.20/M = $0.40; duration 2M x 0.1 s x 0.125 GB = 25,000 GB-s x $0.0000166667 =
$0.4166675 -> $0.42; total $0.82. Both features put the same on each meter: $0.82 / 2M = $4.1e-7 per use.
pro: 1,000 uses x $4.1e-7 = $0.00041 per user; margin (5,000 - 0.41) / 5,000 = 0.999918.
head.yaml: 256 MB; legacy gone; team (10 users x 100,000 uses) new: 1M + 1M = 2M invocations. Requests $0.40;
2M x 0.1 x 0.25 = 50,000 GB-s x $0.0000166667 = $0.833334 -> $0.83; total $1.23; $6.15e-7 per use.
pro: $0.000615 per user, margin (5,000 - 0.615) / 5,000 = 0.999877; team: 100,000 x 6.15e-7 = $0.0615 per
user, margin (200 - 0.615) / 200 = 0.996925.
Capacity of base: Lambda concurrency = invocations/s x 0.1 s x peak_to_average 2. Over a 730-hour month
(2,628,000 s): baseline 1M -> 0.0761035, each user 1,000 -> 7.61035e-5. 1,000 (the account quota) is reached at
(1,000 - 0.0761035) / 7.61035e-5 = 13,140,000 - 1,000 = 13,139,000 users; 1,000 today: headroom 13,139.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

import cli

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures" / "diff"
BASE, HEAD = str(FIX / "base.yaml"), str(FIX / "head.yaml")


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("UNITCOST_DEBUG", None)
    return subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def approx(x):
    return pytest.approx(x, rel=1e-9, abs=1e-15)


# ---------------------------------------------------------------- diff


def test_diff_json_has_the_hand_figures_and_nulls_for_one_sided_names():
    r = run("diff", BASE, HEAD, "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert set(d) == {"total", "tiers", "features", "services"}
    assert d["total"] == {"base": 0.82, "head": 1.23, "change": 0.41}
    tiers = {t["name"]: t for t in d["tiers"]}
    assert list(tiers) == ["pro", "team"]
    pro = tiers["pro"]["cost_per_user"]
    assert pro == {"base": approx(0.00041), "head": approx(0.000615), "change": approx(0.000205)}
    assert tiers["pro"]["margin_pct"]["base"] == approx(0.999918)
    assert tiers["pro"]["margin_pct"]["head"] == approx(0.999877)
    assert tiers["pro"]["margin_pct"]["change"] == pytest.approx(-0.000041, rel=1e-6)
    # team is only in the head: null base, null change
    assert tiers["team"]["cost_per_user"] == {"base": None, "head": approx(0.0615), "change": None}
    assert tiers["team"]["margin_pct"] == {"base": None, "head": approx(0.996925), "change": None}
    features = {f["name"]: f["cost_per_use"] for f in d["features"]}
    assert features["send"] == {"base": approx(4.1e-7), "head": approx(6.15e-7), "change": approx(2.05e-7)}
    assert features["legacy"] == {"base": approx(4.1e-7), "head": None, "change": None}  # only in the base
    services = {s["name"]: s["cost"] for s in d["services"]}
    assert services["lambda"] == {"base": 0.82, "head": 1.23, "change": 0.41}
    assert services["dynamodb"] == {"base": 0.0, "head": 0.0, "change": 0.0}
    assert "null" in r.stdout and "NaN" not in r.stdout  # strict JSON


def test_diff_base_is_the_estimate():
    """diff's base figures are estimate --json's, the same rounding."""
    example = str(ROOT / "examples" / "positive-chat.yaml")
    e = json.loads(run("estimate", example, "--json").stdout)
    d = json.loads(run("diff", example, HEAD, "--json").stdout)
    assert d["total"]["base"] == e["total"]
    assert {s["name"]: s["cost"]["base"] for s in d["services"] if s["cost"]["base"] is not None} == e["services"]
    assert {t["name"]: t["cost_per_user"]["base"] for t in d["tiers"] if t["name"] in ("free", "pro")} == {
        t["name"]: t["cost_per_user"] for t in e["tiers"]
    }
    assert {t["name"]: t["margin_pct"]["base"] for t in d["tiers"] if t["name"] in ("free", "pro")} == {
        t["name"]: t["margin_pct"] for t in e["tiers"]
    }
    assert {f["name"]: f["cost_per_use"]["base"] for f in d["features"] if f["cost_per_use"]["base"]} == {
        f["name"]: f["cost_per_use"] for f in e["features"]
    }


def test_diff_text_shows_base_head_and_change():
    r = run("diff", BASE, HEAD)
    assert r.returncode == 0, r.stderr
    total = next(line for line in r.stdout.splitlines() if "monthly total" in line)
    assert total.split()[-3:] == ["$0.82", "$1.23", "+$0.41"]
    team = next(line for line in r.stdout.splitlines() if "team: cost per user" in line)
    assert team.split()[-3:] == ["-", "$0.06", "-"]  # as estimate shows it: cents above a cent
    pro_margin = next(line for line in r.stdout.splitlines() if "pro: margin" in line)
    assert pro_margin.split()[-4:] == ["100.0%", "100.0%", ">-0.1", "pp"]  # -0.0041 pp


def _cells(row: str) -> list[str]:
    """A GFM table row's cells: split on | not escaped."""
    import re

    return [c.strip() for c in re.split(r"(?<!\\)\|", row.strip())[1:-1]]


def test_diff_markdown_is_a_table_and_escapes_names(tmp_path):
    hostile = tmp_path / "hostile.yaml"
    text = (FIX / "head.yaml").read_text().replace("send", "'a|b @team *x*'")
    hostile.write_text(text)
    r = run("diff", BASE, str(hostile), "--markdown")
    assert r.returncode == 0, r.stderr
    md = r.stdout
    assert "**Monthly total: \\$0.82 → \\$1.23 (\\+\\$0.41)**" in md
    rows = [line for line in md.splitlines() if line.startswith("|")]
    assert rows and all(len(_cells(row)) == 4 for row in rows)  # no name splits a cell
    named = next(row for row in rows if "a\\|b" in row)
    assert "\\*x\\*" in named and "@\u2060team" in named  # no emphasis, no mention
    assert _cells(named)[1:] == ["\\-", "\\$0.000000615", "\\-"]  # only in the head
    legacy = next(row for row in rows if row.startswith("| legacy"))
    assert _cells(legacy)[1:] == ["\\$0.00000041", "\\-", "\\-"]  # only in the base


def test_diff_json_and_markdown_are_exclusive():
    r = run("diff", BASE, HEAD, "--json", "--markdown")
    assert r.returncode == 2 and "not allowed with" in r.stderr


def test_diff_of_a_bad_file_exits_2_naming_it(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nregion: us-east-1\nfunctions:\n  f: {memory_mb: nine, duration_ms: 1}\n")
    r = run("diff", BASE, str(bad))
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "bad.yaml, line 4" in r.stderr and "memory_mb" in r.stderr
    r = run("diff", str(tmp_path / "missing.yaml"), HEAD, "--json")
    assert r.returncode == 2 and "missing.yaml: file not found" in r.stderr and r.stdout == ""


def test_templates_are_told_from_scenarios(tmp_path):
    from commands.diff import is_template

    (tmp_path / "t.yaml").write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  F: !Ref X\n")
    (tmp_path / "sam.yaml").write_text("Transform: AWS::Serverless-2016-10-31\n")
    (tmp_path / "t.json").write_text('{"Resources": {}}')
    (tmp_path / "App.template.json").write_text("{}")
    (tmp_path / "cdk.out").mkdir()
    for name in ("t.yaml", "sam.yaml", "t.json", "App.template.json", "cdk.out"):
        assert is_template(str(tmp_path / name)), name
    assert not is_template(BASE)
    (tmp_path / "s.json").write_text('{"name": "x", "region": "us-east-1"}')
    assert not is_template(str(tmp_path / "s.json"))


def test_a_template_is_initialised_on_the_fly(tmp_path, monkeypatch, capsys):
    """diff hands a template to models.template.read_template (the init command's reader) and prices its text."""
    template = tmp_path / "template.yaml"
    template.write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n")
    seen = []

    def read_template(path, params=None, region=None):
        seen.append(path)
        return (FIX / "head.yaml").read_text()

    monkeypatch.setitem(sys.modules, "models.template", types.SimpleNamespace(read_template=read_template))
    assert cli.main(["diff", BASE, str(template), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert seen == [str(template)]
    assert d["total"] == {"base": 0.82, "head": 1.23, "change": 0.41}


# ---------------------------------------------------------------- check


def policy(tmp_path: Path, text: str) -> str:
    p = tmp_path / "policy.yaml"
    p.write_text(text)
    return str(p)


def test_check_passes_with_exit_0(tmp_path):
    p = policy(
        tmp_path,
        "total: {max: 1}\ntiers: {pro: {max_cost_per_user: 0.001, min_margin_pct: 99.99}}\n"
        "features: {send: {max_cost_per_use: 0.0000005}}\ncapacity: {min_headroom: 13000}\n",
    )
    r = run("check", BASE, "--policy", p)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stderr == ""
    lines = r.stdout.splitlines()
    assert lines[-1] == "check passed: 5 rules hold"
    assert lines[0] == "ok   total.max: $0.82 (max $1.00)"
    assert "ok   capacity.min_headroom: 13,139x (first limit: Lambda concurrency, account) (min 13,000x)" in lines


def test_check_fails_with_exit_1_one_line_per_failure_on_stdout(tmp_path):
    p = policy(
        tmp_path,
        "total: {max: 0.5}\ntiers: {pro: {max_cost_per_user: 0.001, min_margin_pct: 99.995}}\n"
        "features: {send: {max_cost_per_use: 0.0000004}}\ncapacity: {min_headroom: 20000}\n",
    )
    r = run("check", BASE, "--policy", p)
    assert r.returncode == 1
    assert r.stderr == ""  # not cli.py's internal error, which says so on stderr
    fails = [line for line in r.stdout.splitlines() if line.startswith("FAIL")]
    assert fails == [
        "FAIL total.max: $0.82 (max $0.50)",
        "FAIL tiers.pro.min_margin_pct: 99.99% (min 100%)",
        "FAIL features.send.max_cost_per_use: $0.00000041 (max $0.0000004)",
        "FAIL capacity.min_headroom: 13,139x (first limit: Lambda concurrency, account) (min 20,000x)",
    ]
    assert "ok   tiers.pro.max_cost_per_user: $0.00041 (max $0.001)" in r.stdout
    assert r.stdout.splitlines()[-1] == "check failed: 4 of 5 rules do not hold"


def test_check_min_margin_reads_in_percent_with_digits(tmp_path):
    """99.9918% against 99.995: shown with enough digits to see why it fails."""
    r = run("check", BASE, "--policy", policy(tmp_path, "tiers: {pro: {min_margin_pct: 99.995}}\n"))
    assert r.returncode == 1
    assert r.stdout.splitlines()[0].startswith("FAIL tiers.pro.min_margin_pct: 99.99")


def test_a_figure_the_estimate_lacks_is_not_a_pass(tmp_path):
    scenario = tmp_path / "free.yaml"
    scenario.write_text((FIX / "base.yaml").read_text().replace("price: 5", "price: 0"))
    r = run("check", str(scenario), "--policy", policy(tmp_path, "tiers: {pro: {min_margin_pct: 10}}\n"))
    assert r.returncode == 1
    first = r.stdout.splitlines()[0]
    assert first == "FAIL tiers.pro.min_margin_pct: no value (no revenue to take a margin of) (min 10%)"


def test_check_markdown(tmp_path):
    p = policy(tmp_path, "total: {max: 0.5}\nfeatures: {send: {max_cost_per_use: 0.001}}\n")
    r = run("check", BASE, "--policy", p, "--markdown")
    assert r.returncode == 1
    rows = [line for line in r.stdout.splitlines() if line.startswith("|")]
    assert _cells(rows[2]) == ["total.max", "\\$0.82", "max \\$0.50", "**FAIL**"]
    assert _cells(rows[3])[-1] == "ok"
    assert "1 of 2 rules do not hold" in r.stdout


@pytest.mark.parametrize(
    "text, where",
    [
        ("total: {max: 1}\nlimits: {x: 1}\n", "policy.yaml, line 2: limits: unknown key"),
        ("total: {maximum: 1}\n", "policy.yaml, line 1: total.maximum: unknown key"),
        ("tiers:\n  pro: {max_cost_per_user: cheap}\n", "line 2: tiers.pro.max_cost_per_user: must be a number"),
        ("total: {max: true}\n", "policy.yaml, line 1: total.max: must be a number"),
        ("total: {max: -1}\n", "policy.yaml, line 1: total.max: must be from 0"),
        ("tiers:\n  gold: {max_cost_per_user: 1}\n", "2: tiers.gold: tests/fixtures/diff/base.yaml has no tier 'gold'"),
        ("features:\n  x: {max_cost_per_use: 1}\n", "2: features.x: tests/fixtures/diff/base.yaml has no feature"),
        ("total: [1]\n", "policy.yaml, line 1: total: must be a mapping"),
        ("", "policy.yaml: the policy is empty"),
        ("total: {max: 1\n", "policy.yaml, line 2: invalid YAML"),
    ],
)
def test_bad_policy_exits_2_with_one_line(tmp_path, text, where):
    r = run("check", BASE, "--policy", policy(tmp_path, text))
    assert r.returncode == 2, r.stdout
    assert r.stdout == "" and r.stderr.count("\n") == 1, r.stderr
    assert where in r.stderr, r.stderr


def test_check_of_a_bad_scenario_or_missing_file_exits_2(tmp_path):
    p = policy(tmp_path, "total: {max: 1}\n")
    r = run("check", str(tmp_path / "nope.yaml"), "--policy", p)
    assert r.returncode == 2 and "nope.yaml: file not found" in r.stderr
    r = run("check", BASE, "--policy", str(tmp_path / "none.yaml"))
    assert r.returncode == 2 and "none.yaml: file not found" in r.stderr
    r = run("check", BASE)
    assert r.returncode == 2 and "--policy" in r.stderr


def test_diff_and_check_read_templates(tmp_path):
    """A template is priced as the scenario `init` writes from it: no change anywhere; a cdk.out folder too."""
    template = str(ROOT / "tests" / "fixtures" / "templates" / "sam-orders.yaml")
    scenario = tmp_path / "orders.yaml"
    assert run("init", "--template", template, "-o", str(scenario)).returncode == 0
    r = run("diff", template, str(scenario), "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["total"]["change"] == 0 and all(s["cost"]["change"] == 0 for s in d["services"])
    assert [f["name"] for f in d["features"]] and all(f["cost_per_use"]["change"] in (0, None) for f in d["features"])
    r = run("diff", template, str(ROOT / "tests" / "fixtures" / "templates" / "cdk.out"), "--markdown")
    assert r.returncode == 0 and "### unitcost: cost diff" in r.stdout, r.stderr
    r = run("check", template, "--policy", str(FIX / "template-policy.yaml"))
    assert r.returncode == 0, r.stdout + r.stderr


def test_headroom_without_a_growing_limit_is_unlimited_and_without_users_has_no_value(tmp_path):
    p = policy(tmp_path, "capacity: {min_headroom: 2}\n")
    flat = tmp_path / "flat.yaml"  # usage on the baseline only: no limit grows with users
    flat.write_text((FIX / "base.yaml").read_text().replace("uses: {send: 1000}", "uses: {}"))
    r = run("check", str(flat), "--policy", p)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines()[0] == "ok   capacity.min_headroom: unlimited (no limit grows with users) (min 2x)"
    nobody = tmp_path / "nobody.yaml"  # a limit grows with users, and there are none today
    nobody.write_text((FIX / "base.yaml").read_text().replace("users: 1000", "users: 0"))
    r = run("check", str(nobody), "--policy", p)
    assert r.returncode == 1
    assert r.stdout.splitlines()[0] == "FAIL capacity.min_headroom: no value (the scenario has no users today) (min 2x)"

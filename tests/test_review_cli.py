"""`cli.py review` as a subprocess: the --json contract on the demo month, the saved-review
commands, and the errors: exit 2 with one sentence on stderr and no traceback."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REVIEW_LINE_KEYS

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "tests" / "fixtures" / "review" / "scenario.yaml"


def review(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    base |= {"AWS_EC2_METADATA_DISABLED": "true", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "cli.py", "review", *args],
        cwd=ROOT,
        env=base | (env or {}),
        capture_output=True,
        text=True,
        timeout=60,
    )


def cli(capsys, *args: str) -> tuple[int, str, str]:
    from cli import main

    code = main(["review", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_contract_on_the_demo_month_and_the_saved_reviews(tmp_path, capsys):
    db = str(tmp_path / "reviews.sqlite3")
    p = review("--demo", "--month", "2026-10", "--json", "--history", db, "--notes", "october close")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert {"month", "lines", "total_modelled", "total_billed"} <= set(out)
    assert out["month"] == "2026-10"
    assert out["lines"] and all(set(ln) >= REVIEW_LINE_KEYS for ln in out["lines"])
    assert isinstance(out["total_modelled"], float) and isinstance(out["total_billed"], float)
    assert out["total_billed"] == pytest.approx(sum(ln["billed_cost"] for ln in out["lines"]))
    assert all(ln["variance"] == pytest.approx(ln["billed_cost"] - ln["modelled_cost"]) for ln in out["lines"])
    assert out["review_id"] == 1 and out["history"] == db

    # the same month from the command line of the lead's cli.py is the same function
    from models.scenario import loads
    from usage.demo import demo_scenario_yaml
    from usage.review_run import run_review

    expected = run_review(loads(demo_scenario_yaml(), "demo"), "2026-10", demo=True).review
    assert out["total_billed"] == expected.total_billed and out["total_modelled"] == expected.total_modelled

    # the saved-review commands, in-process (the same main() cli.py routes to)
    assert cli(capsys, "--demo", "--month", "2026-09", "--scenario", str(SCENARIO), "--history", db)[0] == 0
    listed = json.loads(cli(capsys, "list", "--json", "--history", db)[1])
    assert [(r["id"], r["month"]) for r in listed] == [(1, "2026-10"), (2, "2026-09")]
    shown = json.loads(cli(capsys, "show", "1", "--json", "--history", db)[1])
    assert shown["notes"] == "october close" and shown["review"]["total_billed"] == out["total_billed"]
    text = cli(capsys, "show", "2", "--history", db)[1]
    assert "Monthly review 2026-09: Review test app" in text and "likely cause" in text
    compare = json.loads(cli(capsys, "compare", "--json", "--history", db)[1])
    assert [c["month"] for c in compare] == ["2026-09", "2026-10"]

    csv_path = tmp_path / "rows.csv"
    assert cli(capsys, "export", "1", "-o", str(csv_path), "--history", db)[0] == 0
    rows = list(csv.DictReader(io.StringIO(csv_path.read_text())))
    assert len(rows) == len(out["lines"]) and {r["review_id"] for r in rows} == {"1"}
    html_path = tmp_path / "review.html"
    assert cli(capsys, "report", "1", "-o", str(html_path), "--history", db)[0] == 0
    html = html_path.read_text()
    assert html.count("Plotly.newPlot") == 3 and "<script src=" not in html
    assert f"${out['total_billed']:,.2f}" in html

    assert cli(capsys, "delete", "2", "--history", db)[0] == 0
    assert [r["id"] for r in json.loads(cli(capsys, "list", "--json", "--history", db)[1])] == [1]
    assert cli(capsys, "delete", "2", "--history", db) == (2, "", f"error: no review #2 in {db}\n")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--month", "2026-13", "--demo"], "error: bad month '2026-13': give it as YYYY-MM, for example 2026-10"),
        (["--month", "2026-10", "--scenario", "missing.yaml"], "error: missing.yaml: file not found"),
        (["--month", "2026-10", "--scenario", str(SCENARIO)], "error: no AWS credentials found"),
    ],
)
def test_errors_exit_2_with_one_message_and_no_traceback(tmp_path, args, message):
    p = review(
        *args,
        "--history",
        str(tmp_path / "h.sqlite3"),
        env={"HOME": str(tmp_path), "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"},
    )
    assert p.returncode == 2
    assert p.stderr.startswith(message), p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
    assert "Traceback" not in p.stderr + p.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--month", "2026-10"], "error: --scenario FILE is required (or --demo for the demo account)"),
        (["--month", "2099-01", "--scenario", str(SCENARIO)], "error: 2099-01 has not started yet"),
        (
            ["--month", "2026-10", "--scenario", str(SCENARIO), "--tag", "app"],
            "error: --tag needs KEY=VALUE, got 'app'",
        ),
        (["--month", "2026-10", "--demo", "--users", "-5"], "error: --users must be a positive number"),
        (["--month", "2026-11", "--demo"], "error: the demo account has the months 2026-01 to 2026-10"),
        (["show", "7"], "error: no review #7 in"),
    ],
)
def test_more_errors_in_process(tmp_path, capsys, args, message):
    code, out, err = cli(capsys, *args, "--history", str(tmp_path / "h.sqlite3"))
    assert code == 2 and err.startswith(message) and len(err.strip().splitlines()) == 1, err

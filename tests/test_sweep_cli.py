"""`cli.py sweep`: the contract's output, the same figures as the engine, and the large-output path."""

import json
import subprocess
import sys

import numpy as np
import pytest

from commands import estimate as cli
from models.engine import estimate, sweep
from models.scenario import load


def run(repo_root, *args):
    return subprocess.run(
        [sys.executable, "cli.py", "sweep", *args], cwd=repo_root, capture_output=True, text=True, check=True
    ).stdout


def test_json_rows_are_the_engine_sweep(repo_root):
    path = repo_root / "examples" / "positive-chat.yaml"
    rows = json.loads(run(repo_root, str(path), "--users-from", "0", "--users-to", "104000", "--points", "3", "--json"))
    assert [set(r) for r in rows] == [{"users", "total", "cost_per_user"}] * 3
    assert [r["users"] for r in rows] == [0, 52000, 104000]
    assert rows[0]["cost_per_user"] is None  # no users, no cost per user
    s = load(path)
    assert rows[1]["total"] == pytest.approx(estimate(s).total)  # the scenario's own users
    expected = sweep(s, np.array([0.0, 52000.0, 104000.0]))
    assert [r["total"] for r in rows] == pytest.approx(expected.total.tolist())
    assert rows[2]["cost_per_user"] == pytest.approx(expected.cost_per_user[2], rel=1e-9)


def test_readable_rows_show_a_dash_without_users(repo_root):
    out = run(
        repo_root,
        str(repo_root / "examples" / "positive-chat.yaml"),
        "--users-from",
        "0",
        "--users-to",
        "10",
        "--points",
        "2",
    ).splitlines()
    assert out[0].split() == ["users", "total", "USD", "cost", "per", "user", "USD"]
    assert out[1].split()[0] == "0" and out[1].split()[-1] == "-"
    assert out[2].split()[0] == "10"


def test_large_outputs_formatted_in_two_processes_equal_one(repo_root):
    i = np.arange(cli.PARALLEL_ROWS + 11, dtype=float)
    columns = (i * 100.001, i * 1.5, i / 7)
    template = '{"users": %.12g, "total": %.2f, "cost_per_user": %.10g}'
    expected = ",\n".join(template % r for r in zip(*(c.tolist() for c in columns)))
    assert cli._join_formatted(template, ",\n", columns) == expected
    out = run(
        repo_root,
        str(repo_root / "examples" / "positive-chat.yaml"),
        "--users-from",
        "1",
        "--users-to",
        "1000000",
        "--points",
        str(cli.PARALLEL_ROWS * 2 + 1),
        "--json",
    )
    parsed = json.loads(out)
    assert len(parsed) == cli.PARALLEL_ROWS * 2 + 1
    assert parsed[0]["users"] == 1 and parsed[-1]["users"] == 1_000_000
    assert all(a["users"] < b["users"] for a, b in zip(parsed, parsed[1:]))

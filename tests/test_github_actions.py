"""examples/github-actions.yml: it parses as a workflow, and its run: scripts, run as GitHub runs them
(`bash -e`), call the real CLI and post what it prints.

The steps run in a scratch folder laid out like a checkout. `git show origin/<base>:<path>` is a stub that
prints the repository's file (the base branch's scenario), `gh` a stub that records its arguments and the
comment's body; the install step is skipped (the test's own virtualenv stands in), and the `${{ }}`
expressions are filled in as GitHub would for pull request 7 against main.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / "examples" / "github-actions.yml"


def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def test_the_workflow_parses_and_runs_on_pull_requests():
    w = workflow()
    on = w.get("on", w.get(True))  # YAML 1.1 reads a bare `on` key as true
    assert "pull_request" in on
    assert w["permissions"]["pull-requests"] == "write"
    (job,) = w["jobs"].values()
    runs = " ".join(s.get("run", "") for s in job["steps"])
    assert "cli.py check" in runs and "cli.py diff" in runs and "--markdown" in runs
    assert 'git show "origin/${{ github.base_ref }}:${SCENARIO}" > base.yaml' in runs
    assert "gh pr comment" in runs


def _script(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def _expressions(text: str, outputs: dict) -> str:
    values = {
        "github.base_ref": "main",
        "github.event.pull_request.number": "7",
        "github.token": "not-a-token",
        "steps.check.outputs.code": outputs.get("code", ""),
    }
    return re.sub(r"\$\{\{\s*([^}]+?)\s*\}\}", lambda m: values[m.group(1)], text)


def _condition(expr: str | None, outputs: dict, failed: bool) -> bool:
    if expr is None:
        return not failed
    if expr == "always()":
        return True
    m = re.fullmatch(r"steps\.check\.outputs\.code != '(\d+)'", expr)
    assert m, f"a condition this test does not know: {expr}"
    return not failed and outputs.get("code") != m.group(1)


def run_workflow(tmp_path: Path, policy: Path | None = None) -> tuple[list[tuple[str, int]], Path]:
    """Each step's name and exit code, as the runner would run them; the scratch folder."""
    (job,) = workflow()["jobs"].values()
    work = tmp_path / "checkout"
    work.mkdir()
    for name in ("examples", "cli.py"):
        (work / name).symlink_to(ROOT / name)
    (work / ".venv" / "bin").mkdir(parents=True)
    _script(work / ".venv" / "bin" / "python", f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    stubs = tmp_path / "bin"
    stubs.mkdir()
    # git show origin/main:PATH prints the file as committed (here: the repository's)
    _script(
        stubs / "git",
        f'#!/bin/sh\n[ "$1" = show ] || exit 2\ncase "$2" in origin/main:*) cat "{ROOT}/${{2#origin/main:}}";; '
        "*) exit 128;; esac\n",
    )
    _script(stubs / "gh", f'#!/bin/sh\necho "$@" > "{tmp_path}/gh.args"\ncp "$5" "{tmp_path}/gh.body"\n')
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")},
        **job["env"],
        "PATH": f"{stubs}:{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT),
        "GITHUB_OUTPUT": str(tmp_path / "github_output"),
    }
    if policy is not None:
        env["POLICY"] = str(policy)
    outputs: dict[str, str] = {}
    ran: list[tuple[str, int]] = []
    failed = False
    for step in job["steps"]:
        if "run" not in step:
            assert step["uses"].split("@")[0] in ("actions/checkout", "actions/setup-python"), step
            continue
        if "pip install" in step["run"]:
            continue  # the test's own virtualenv has the requirements
        if not _condition(step.get("if"), outputs, failed):
            continue
        r = subprocess.run(
            ["bash", "-e", "-c", _expressions(step["run"], outputs)],
            cwd=work,
            env={**env, **{k: _expressions(str(v), outputs) for k, v in step.get("env", {}).items()}},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert "Traceback" not in r.stderr, r.stderr
        ran.append((step["name"], r.returncode))
        failed = failed or r.returncode != 0
        out = Path(env["GITHUB_OUTPUT"])
        if out.exists():
            outputs = dict(line.split("=", 1) for line in out.read_text().splitlines())
    return ran, work


def test_the_workflow_checks_and_comments(tmp_path):
    ran, work = run_workflow(tmp_path)
    assert ran == [
        ("The scenario on the base branch", 0),
        ("Cost diff", 0),
        ("Policy check", 0),
        ("Comment on the pull request", 0),
    ]
    assert (work / "base.yaml").read_text() == (ROOT / "examples" / "positive-chat.yaml").read_text()
    assert (tmp_path / "gh.args").read_text().split() == ["pr", "comment", "7", "--body-file", "comment.md"]
    body = (tmp_path / "gh.body").read_text()
    assert "### unitcost: cost diff" in body and "### unitcost: unit-economics check" in body
    assert "All 5 rules hold." in body
    assert "**Monthly total: \\$67,395.76 → \\$67,395.76 (\\$0.00)**" in body  # the same file on both sides


@pytest.mark.parametrize("text, code", [("total: {max: 1}\n", "1"), ("total: {max: cheap}\n", "2")])
def test_a_failed_or_bad_check_is_posted_then_fails_the_job(tmp_path, text, code):
    policy = tmp_path / "strict.yaml"
    policy.write_text(text)
    ran, _ = run_workflow(tmp_path, policy)
    assert ran[-2:] == [("Comment on the pull request", 0), ("Fail when a rule does not hold", 1)]
    body = (tmp_path / "gh.body").read_text()
    if code == "1":
        assert "**1 of 1 rules do not hold.**" in body and "**FAIL**" in body
    else:
        assert "total.max: must be a number" in body  # the one-line error, in the comment

"""Regressions from the adversarial pass (issue 10): bounded inputs, strict finite JSON, one line for every
bad input. Each test reproduces one finding exactly as it was reported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

import cli
from models.yamlio import MAX_FILE_BYTES, ScenarioError, load_with_lines

ROOT = Path(__file__).resolve().parent.parent

SMALL = """\
name: Chat
region: us-east-1
functions:
  chat: {memory_mb: 256, duration_ms: 45}
tables:
  messages: {}
features:
  send:
    lambda: {chat: 1}
    dynamodb:
      - {table: messages, writes: WRITES}
tiers:
  free: {users: USERS, price: PRICE, uses: {send: 20}}
"""


def scenario(tmp_path: Path, writes="1", users="1000", price="0", text: str | None = None) -> Path:
    path = tmp_path / "s.yaml"
    body = SMALL.replace("WRITES", writes).replace("USERS", users).replace("PRICE", price) if text is None else text
    path.write_bytes(body.encode("utf-8", "surrogatepass"))
    return path


def run(capsys, *args: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(args))
    except SystemExit as e:  # argparse
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def one_line(code: int, out: str, err: str, *words: str) -> str:
    assert code == 2, (code, err)
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "internal error" not in err and "Traceback" not in err
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


def strict(text: str):
    def refuse(name):
        raise AssertionError(f"not strict JSON: {name}")

    return json.loads(text, parse_constant=refuse)


# ---------------------------------------------------------------- 1. size before parse


def test_a_50_mb_file_is_refused_in_well_under_a_second(tmp_path, capsys):
    path = tmp_path / "big.yaml"
    with path.open("w") as f:  # mostly comments, as reported
        f.write("name: x\nregion: us-east-1\n")
        for _ in range(50):
            f.write(("# " + "x" * 1022 + "\n") * 1024)
    t0 = time.perf_counter()
    message = one_line(*run(capsys, "estimate", str(path)), str(path), "too large", "1,024 KB")
    assert time.perf_counter() - t0 < 1.0, message


def test_the_app_refuses_a_large_text_before_parsing():
    text = "name: x\nregion: us-east-1\n" + "# comment\n" * (MAX_FILE_BYTES // 10)
    t0 = time.perf_counter()
    with pytest.raises(ScenarioError, match="too large"):
        load_with_lines(text, "upload.yaml")
    assert time.perf_counter() - t0 < 0.5


def test_a_file_of_many_values_under_the_size_limit_stops_at_the_value_limit(tmp_path):
    """A file just under 1 MB of values parses only until the 100,000th: seconds and some hundred MB, not the
    minutes and gigabytes the whole parse took."""
    path = tmp_path / "many.yaml"
    path.write_text("name: x\nregion: us-east-1\nbaseline: [" + ",".join(["1"] * 480_000) + "]\n")
    assert path.stat().st_size < MAX_FILE_BYTES
    # The child reports its own peak memory (RUSAGE_CHILDREN would be the largest child of the whole run).
    code = (
        "import resource, sys, cli; rc = cli.main(sys.argv[1:]); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); sys.exit(rc)"
    )
    t0 = time.perf_counter()
    p = subprocess.run(
        [sys.executable, "-c", code, "estimate", str(path)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    seconds = time.perf_counter() - t0
    message, peak_kb = p.stderr.strip().splitlines()
    peak_mb = int(peak_kb) / 1024
    assert p.returncode == 2 and "more than 100,000 values" in message and ", line 3" in message, p.stderr
    assert seconds < 15 and peak_mb < 512, (seconds, peak_mb)  # the whole parse grew to 4.9 GB


@pytest.mark.parametrize("special", ["/dev/zero", "fifo", "folder"])
def test_special_files_are_refused_without_reading_them(tmp_path, capsys, special):
    path = {"/dev/zero": Path("/dev/zero"), "fifo": tmp_path / "pipe", "folder": tmp_path}[special]
    if special == "fifo":
        os.mkfifo(path)  # opening it for reading would wait for a writer forever
    one_line(*run(capsys, "estimate", str(path)), str(path))


def test_sweep_points_are_bounded_before_anything_is_allocated(capsys):
    t0 = time.perf_counter()
    message = one_line(
        *run(capsys, "sweep", "examples/positive-chat.yaml", "--users-from", "0", "--users-to", "1", "--points", "1e8"),
        "--points",
    )
    message = one_line(
        *run(
            capsys,
            "sweep",
            "examples/positive-chat.yaml",
            "--users-from",
            "0",
            "--users-to",
            "1",
            "--points",
            "100000000",
        ),
        "--points",
        "1,000,000",
    )
    assert time.perf_counter() - t0 < 1, message


def test_uploads_are_capped_by_the_server_too():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * 1024 * 1024 <= MAX_FILE_BYTES


# ---------------------------------------------------------------- 3. strict JSON, finite numbers


def test_a_tiny_write_count_leaves_users_at_limit_null_with_the_reason(tmp_path, capsys):
    code, out, err = run(capsys, "estimate", str(scenario(tmp_path, writes="1e-300")), "--json")
    assert code == 0, err
    limit = next(c for c in strict(out)["capacity"] if c["limit"] == "dynamodb_write_units_per_second")
    assert limit["users_at_limit"] is None and "not reached below 1e15 users" in limit["note"]


@pytest.mark.parametrize("price", ["1e-308", "1e-300"])
def test_a_tiny_price_has_no_margin_pct_and_says_why(tmp_path, capsys, price):
    code, out, err = run(capsys, "estimate", str(scenario(tmp_path, price=price)), "--json")
    assert code == 0, err
    data = strict(out)
    tier = data["tiers"][0]
    assert tier["margin_pct"] is None and tier["margin"] < 0
    assert any("tier free: no margin %" in n and "under a cent" in n for n in data["notes"])
    code, out, err = run(capsys, "estimate", str(scenario(tmp_path, price=price)))
    assert code == 0 and "e300" not in out and "e+300" not in out and "no margin %" in out


def test_a_tiny_user_count_has_no_cost_per_user(tmp_path, capsys):
    # 100 GB of storage ($18.75 after the free 25 GB) borne by 1e-320 users: the quotient overflows
    text = SMALL.replace("messages: {}", "messages: {storage_gb: 100}").replace("USERS", "1e-320")
    text = text.replace("WRITES", "1").replace("PRICE", "0")
    code, out, err = run(capsys, "estimate", str(scenario(tmp_path, text=text)), "--json")
    assert code == 0, err
    data = strict(out)
    assert data["total"] == 18.75 and data["tiers"][0]["cost"] == pytest.approx(18.75)
    assert data["tiers"][0]["cost_per_user"] is None and data["features"][0]["cost_per_use"] is None
    assert any("tier free: no cost per user" in n for n in data["notes"])
    assert any("feature send: no cost per use" in n for n in data["notes"])


def test_a_sweep_over_tiny_user_counts_is_strict_json(capsys):
    code, out, err = run(
        capsys, "sweep", "examples/positive-chat.yaml", "--users-from", "0", "--users-to", "1e-320", "--points", "3",
        "--json",
    )  # fmt: skip
    assert code == 0, err
    rows = strict(out)
    assert [r["cost_per_user"] for r in rows] == [None, None, None] and rows[1]["total"] > 0


# ---------------------------------------------------------------- 4. one clear line for every bad input


@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_a_lone_surrogate_in_a_name_is_bad_input(tmp_path, capsys, json_flag):
    text = 'name: "a\\ud800b"\nregion: us-east-1\n'
    path = scenario(tmp_path, text=text)
    one_line(*run(capsys, "estimate", str(path), *json_flag), f"{path}, line 1", "no Unicode character")


@pytest.mark.parametrize(
    "value, words",
    [
        ("!!timestamp abc", ["'abc' is not a valid !!timestamp"]),
        ("!!bool maybe", ["'maybe' is not a valid !!bool"]),
        ("!!set x", ["expected a mapping node"]),
        ('"a\\e[31mred"', ["U+001B"]),  # an escape sequence for the terminal
    ],
)
def test_tags_and_escapes_that_do_not_fit_are_one_line_with_the_line(tmp_path, capsys, value, words):
    path = scenario(tmp_path, text=f"region: us-east-1\nname: {value}\n")
    one_line(*run(capsys, "estimate", str(path)), f"{path}, line 2", *words)


def test_a_control_character_is_one_line_with_the_line_not_a_position(tmp_path, capsys):
    path = scenario(
        tmp_path, text="name: x\nregion: us-east-1\nfunctions:\n  a\x01b: {memory_mb: 128, duration_ms: 1}\n"
    )
    one_line(*run(capsys, "estimate", str(path)), f"{path}, line 4", "U+0001")


def test_a_file_that_is_not_utf8_names_the_line(tmp_path, capsys):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"name: x\nregion: us-east-1\n# caf\xe9\n")
    one_line(*run(capsys, "estimate", str(path)), f"{path}, line 3", "not UTF-8")


def test_argument_errors_are_one_line(capsys):
    one_line(
        *run(capsys, "sweep", "examples/positive-chat.yaml", "--users-from", "x", "--users-to", "1", "--points", "1")
    )
    one_line(*run(capsys, "nonsense"), "invalid choice")


def _review(capsys, *args: str) -> tuple[int, str, str]:
    try:
        code = cli.main(["review", *args])
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def history(tmp_path, capsys):
    path = tmp_path / "h.sqlite3"
    code, _, err = _review(capsys, "--demo", "--month", "2026-10", "--history", str(path))
    assert code == 0, err
    return path


@pytest.mark.parametrize("command", ["show", "report", "delete", "export"])
def test_a_20_digit_review_id_is_no_such_review(history, capsys, tmp_path, command):
    extra = ["-o", str(tmp_path / "out.html")] if command in ("report", "export") else []
    one_line(*_review(capsys, command, "99999999999999999999", *extra, "--history", str(history)), "no review #")


@pytest.mark.parametrize("command", ["report", "export"])
def test_writing_into_an_unwritable_folder_is_one_line(history, capsys, tmp_path, monkeypatch, command):
    import tempfile

    def denied(*args, **kwargs):  # what a folder without write permission gives (root ignores the mode bits)
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    out = tmp_path / "x.csv"
    one_line(*_review(capsys, command, "1", "-o", str(out), "--history", str(history)), f"cannot write {out}")
    monkeypatch.undo()
    # and a folder that exists but cannot hold files
    one_line(*_review(capsys, command, "1", "-o", "/proc/x.csv", "--history", str(history)), "cannot write /proc/x.csv")


def test_import_into_an_unwritable_folder_is_one_line(capsys, tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "mkstemp", lambda *a, **k: (_ for _ in ()).throw(PermissionError(13, "denied")))
    code = cli.main(["import", "--demo", "-o", str(tmp_path / "s.yaml")])
    out, err = capsys.readouterr()
    assert code == 2 and err.strip() == f"error: cannot write {tmp_path / 's.yaml'}: denied"


def test_a_corrupt_history_says_what_to_do_and_is_left_as_it_was(tmp_path, capsys):
    path = tmp_path / "reviews.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    message = one_line(*_review(capsys, "list", "--history", str(path)), str(path), "move it aside", "--history")
    assert path.read_bytes() == b"this is not a database" * 100, message


def test_a_large_valid_scenario_estimates_in_seconds(tmp_path, capsys):
    """4,000 functions, each behind its own feature, and 1,000 tables: the capacity model went over every
    feature once per function and per table (8,000 functions took 111 s)."""
    lines = ["name: big", "region: us-east-1", "functions:"]
    lines += [f"  f{i}: {{memory_mb: 128, duration_ms: 1}}" for i in range(4000)]
    lines += ["tables:"] + [f"  t{i}: {{}}" for i in range(1000)]
    lines += ["features:"] + [
        f"  u{i}: {{lambda: {{f{i}: 1}}, dynamodb: [{{table: t{i % 1000}, writes: 1}}]}}" for i in range(4000)
    ]
    lines += ["tiers:", "  all: {users: 1000, uses: {" + ", ".join(f"u{i}: 1" for i in range(4000)) + "}}"]
    path = tmp_path / "big.yaml"
    path.write_text("\n".join(lines) + "\n")
    t0 = time.perf_counter()
    code, out, err = run(capsys, "estimate", str(path), "--json")
    assert code == 0, err
    data = strict(out)
    writes = [c for c in data["capacity"] if c["limit"] == "dynamodb_write_units_per_second"]
    assert len(writes) == 1000 and len(data["features"]) == 4000
    assert time.perf_counter() - t0 < 15

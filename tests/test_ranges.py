"""Ranges in scenario format 1 (issue 15): `{low, mode, high}` and `{low, high}` under features and tiers are read
as their modes, kept with their paths and lines, written back, counted by `estimate`; bad ranges exit 2 naming the
file, the line and the field."""

import json
import subprocess
import sys

import pytest

import cli
from models.engine import estimate
from models.scenario import Range, ScenarioError, loads, to_yaml

# Line numbers matter below: the errors name them.
RANGED = """\
name: Ranged chat
region: us-east-1
functions:
  chat: {memory_mb: 256, duration_ms: 45}
websockets:
  live: {}
tables:
  messages: {}
features:
  send:
    lambda: {chat: 1}
    websocket: {messages: {low: 2, mode: 3, high: 10}, message_kb: {low: 1, high: 40}}
    dynamodb:
      - {table: messages, writes: 1, item_kb: {low: 1, mode: 2, high: 3}}
tiers:
  pro:
    users: {low: 100, mode: 200, high: 600}
    price: {low: 4, high: 6}
    uses:
      send: {low: 1000, mode: 2000, high: 6000}
"""

# The same scenario with every range replaced by its mode (a uniform range's mode is its midpoint).
MODES = (
    RANGED.replace("{low: 2, mode: 3, high: 10}", "3")
    .replace("{low: 1, high: 40}", "20.5")
    .replace("{low: 1, mode: 2, high: 3}", "2")
    .replace("{low: 100, mode: 200, high: 600}", "200")
    .replace("{low: 4, high: 6}", "5")
    .replace("{low: 1000, mode: 2000, high: 6000}", "2000")
)


def test_ranges_read_as_their_modes_with_paths_and_lines():
    s = loads(RANGED)
    assert s == loads(MODES).__class__(**{**vars(loads(MODES)), "ranges": s.ranges})  # all else as the modes
    assert s.tiers["pro"].users == 200 and s.tiers["pro"].price == 5 and s.tiers["pro"].uses == {"send": 2000}
    assert s.features["send"].websocket.message_kb == 20.5  # uniform 1..40: the midpoint
    assert s.features["send"].dynamodb[0].item_kb == 2
    assert [(r.path, r.low, r.mode, r.high, r.uniform, r.line) for r in s.ranges] == [
        ("features.send.websocket.messages", 2, 3, 10, False, 12),
        ("features.send.websocket.message_kb", 1, 20.5, 40, True, 12),
        ("features.send.dynamodb.0.item_kb", 1, 2, 3, False, 14),
        ("tiers.pro.users", 100, 200, 600, False, 17),
        ("tiers.pro.price", 4, 5, 6, True, 18),
        ("tiers.pro.uses.send", 1000, 2000, 6000, False, 20),
    ]


def test_ranges_are_written_back_and_an_edited_number_drops_its_range():
    s = loads(RANGED)
    text = to_yaml(s)
    assert "{low: 1000, mode: 2000, high: 6000}" in text and "{low: 1, high: 40}" in text
    assert loads(text) == s
    # A number no longer at its range's mode was edited since: it is written as the number, without the range.
    from dataclasses import replace

    edited = replace(s, tiers={"pro": replace(s.tiers["pro"], users=250)})
    again = loads(to_yaml(edited))
    assert again.tiers["pro"].users == 250
    assert "tiers.pro.users" not in [r.path for r in again.ranges] and len(again.ranges) == 5


def test_estimate_uses_the_modes_and_says_there_are_ranges(tmp_path):
    ranged, modes = tmp_path / "ranged.yaml", tmp_path / "modes.yaml"
    ranged.write_text(RANGED)
    modes.write_text(MODES)
    e, plain = estimate(loads(RANGED)), estimate(loads(MODES))
    assert e.total == plain.total and e.ranges == 6 and plain.ranges == 0
    out = subprocess.run(
        [sys.executable, "cli.py", "estimate", str(ranged), "--json"], capture_output=True, text=True, check=True
    ).stdout
    data = json.loads(out)
    assert data["ranges"] == 6 and data["total"] == plain.total
    assert {"total", "tiers", "features", "lines", "capacity", "notes"} <= set(data)  # the contract's keys stay
    text = subprocess.run([sys.executable, "cli.py", "estimate", str(ranged)], capture_output=True, text=True).stdout
    assert "6 ranges" in text and "mode" in text


def _bad(tmp_path, capsys, text: str):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    assert cli.main(["estimate", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    return str(path), captured.err.strip()


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "words"),
    [
        ("{low: 100, mode: 200, high: 600}", "{low: 700, mode: 200, high: 600}", 17, "tiers.pro.users", "above"),
        ("{low: 100, mode: 200, high: 600}", "{low: 100, mode: 900, high: 600}", 17, "tiers.pro.users.mode", "outside"),
        ("{low: 4, high: 6}", "{low: 7, high: 6}", 18, "tiers.pro.price", "above"),
        ("{low: 2, mode: 3, high: 10}", "{low: 2, mode: 1, high: 10}", 12, "features.send.websocket.messages.mode",
         "outside"),
        ("{low: 1, mode: 2, high: 3}", "{low: 1, mode: 2, high: x}", 14, "features.send.dynamodb[0].item_kb.high",
         "must be a number"),
        ("{low: 1, mode: 2, high: 3}", "{low: 1, mode: 2, high: 500}", 14, "features.send.dynamodb[0].item_kb.high",
         "between 0 and 400"),  # each end keeps the field's own bounds (an item is at most 400 KB)
        ("{low: 1000, mode: 2000, high: 6000}", "{low: -1, mode: 2000, high: 6000}", 20, "tiers.pro.uses.send.low",
         "negative"),
        ("{low: 1000, mode: 2000, high: 6000}", "{mode: 2000, high: 6000}", 20, "tiers.pro.uses.send", "'low'"),
        ("{low: 1000, mode: 2000, high: 6000}", "{low: 1, most: 2, high: 6}", 20, "tiers.pro.uses.send.most",
         "unknown key"),
        ("{low: 1000, mode: 2000, high: 6000}", "{low: 1, high: {low: 1, high: 2}}", 20, "tiers.pro.uses.send.high",
         "must be a number"),
        ("{memory_mb: 256, duration_ms: 45}", "{memory_mb: 256, duration_ms: 45, log_kb: {low: 1, high: 2}}", 4,
         "functions.chat.log_kb", "under features and tiers"),  # only what one use consumes and tiers may be ranges
    ],
)  # fmt: skip
def test_bad_ranges_exit_2_naming_file_line_and_field(tmp_path, capsys, old, new, line, field, words):
    assert old in RANGED
    path, err = _bad(tmp_path, capsys, RANGED.replace(old, new))
    assert err.startswith(f"error: {path}, line {line}: {field}: "), err
    assert words in err


def test_a_whole_number_field_takes_no_range(tmp_path, capsys):
    text = RANGED + "queues:\n  q: {}\n"
    sqs = "    sqs: [{batch_size: {low: 1, high: 10}}]\n"
    text = text.replace("    lambda: {chat: 1}\n", "    lambda: {chat: 1}\n" + sqs)
    path, err = _bad(tmp_path, capsys, text)
    assert f"{path}, line 12: features.send.sqs[0].batch_size: must be a whole number, not a range" in err


def test_a_range_of_one_number_is_that_number():
    s = loads(RANGED.replace("{low: 4, high: 6}", "{low: 5, mode: 5, high: 5}"))
    assert s.tiers["pro"].price == 5 and Range(("tiers", "pro", "price"), 5, 5, 5) in s.ranges


PLAN = MODES + "plan:\n  growth: {pro: 5}\n  churn: {pro: 2}\n"


def test_plan_is_read_and_written_back():
    s = loads(PLAN)
    assert s.plan.growth == {"pro": 5} and s.plan.churn == {"pro": 2}
    assert loads(to_yaml(s)) == s


@pytest.mark.parametrize(
    ("new", "line", "field", "words"),
    [
        ("  growth: {free: 5}\n", 22, "plan.growth.free", "unknown tier 'free'"),
        ("  churn: {pro: 120}\n", 23, "plan.churn.pro", "between 0 and 100"),
        ("  churn: {pro: {low: 1, high: 2}}\n", 23, "plan.churn.pro", "not a range"),
        ("  steady: {pro: 1}\n", 23, "plan.steady", "unknown key"),
    ],
)
def test_bad_plans_exit_2(tmp_path, capsys, new, line, field, words):
    text = PLAN.replace("  growth: {pro: 5}\n", new) if "growth" in new else PLAN.replace("  churn: {pro: 2}\n", new)
    path, err = _bad(tmp_path, capsys, text)
    assert err.startswith(f"error: {path}, line {line}: {field}: "), err
    assert words in err


def test_the_editors_keep_ranges_and_the_plan_follows_renamed_tiers():
    from models import editing
    from pricing.book import default_book

    book = default_book()
    s = loads(RANGED + "plan:\n  growth: {pro: 5}\n")
    # the editors show the modes; given back unchanged, nothing is lost
    assert editing.footprint(s, "send")["websocket"]["messages"] == 3
    assert editing.with_footprint(s, "send", editing.footprint(s, "send"), book) == s
    assert editing.with_tiers(s, editing.tier_rows(s), book) == s
    # a number changed in an editor drops its range, the others stay
    rows = editing.tier_rows(s)
    rows[0] = editing.TierRow("pro", 250, rows[0].price, rows[0].uses)
    edited = editing.with_tiers(s, rows, book)
    assert edited.tiers["pro"].users == 250 and "tiers.pro.users" not in [r.path for r in edited.ranges]
    assert len(edited.ranges) == 5
    # renaming the tier takes its ranges and its plan with it (they named the old tier)
    renamed = editing.with_tiers(s, [editing.TierRow("gold", 200, 5, {"send": 2000})], book)
    assert renamed.plan.growth == {} and all(not r.path.startswith("tiers.") for r in renamed.ranges)
    # the ranges table: rows replace the ranges under its prefix, checked like a file's
    one = editing.with_ranges(s, "tiers.", [editing.RangeRow("tiers.pro.users", 100, None, 300)], book)
    assert [r.path for r in one.ranges if r.path.startswith("tiers.")] == ["tiers.pro.users"]
    assert one.tiers["pro"].users == 200  # uniform 100..300: the midpoint
    with pytest.raises(ScenarioError, match=r"tiers\.pro\.users: range low 300 is above its high 100"):
        editing.with_ranges(s, "tiers.", [editing.RangeRow("tiers.pro.users", 300, None, 100)], book)

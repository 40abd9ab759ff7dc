"""Bad input to `cli.py estimate` and `cli.py sweep` (issue 2): exit code 2, one clear message on
stderr naming the file, the line where possible and the field, nothing on stdout, never a traceback.

Every case runs in-process (the reader, then `cli.main`) for speed; a representative subset also
runs the real CLI as a subprocess, which is what users and other tools see.
"""

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

import cli
from models.engine import estimate
from models.scenario import loads
from models.yamlio import ScenarioError
from pricing.book import PriceError, default_book

ROOT = Path(__file__).resolve().parent.parent

# A valid scenario touching every section; the cases below break one thing in it. Line numbers:
BASE = """\
name: Chat
region: us-east-1
free_tier: true
functions:
  chat:
    memory_mb: 256
    duration_ms: 45
    ephemeral_storage_mb: 512
    cold_start_rate: 0.01
    init_ms: 300
    provisioned:
      concurrency: 2
      share: 0.5
websockets:
  live: {}
http_apis:
  poll: {}
tables:
  messages:
    storage_gb: 1
    gsis: 1
services:
  translate:
    unit: character
    price: 0.000015
features:
  send:
    lambda: {chat: 1}
    websocket:
      messages: 6
      message_kb: 1
    http:
      requests: 1
    dynamodb:
      - {table: messages, writes: 1, item_kb: 1}
    services: {translate: 320}
tiers:
  free:
    users: 1000
    price: 0
    uses: {send: 20}
baseline:
  send: 10
"""
#   1 name            14 websockets         27 send:               40 price: 0
#   4 functions       16 http_apis          28 lambda              41 uses
#   6 memory_mb       18 tables             29 websocket           42 baseline:
#   7 duration_ms     20 storage_gb         30 messages            43 send: 10
#   8 ephemeral...    22 services           31 message_kb
#   9 cold_start_rate 24 unit               33 requests
#  11 provisioned     25 price              35 the dynamodb op
#  12 concurrency     26 features           36 services
#  13 share                                 39 users


def edit(old: str, new: str) -> str:
    assert BASE.count(old) == 1, f"ambiguous edit {old!r}"
    return BASE.replace(old, new)


def test_base_scenario_is_valid():
    # Every case below is this file with one thing broken, so the file itself must be fine.
    s = loads(BASE, source="base.yaml", regions=default_book().regions)
    assert estimate(s).total > 0


def assert_one_message(code, stdout, stderr, path, line=None, field=None, words=()):
    """Exit 2, nothing on stdout, one line on stderr naming file, line and field, no traceback."""
    assert code == 2, (code, stderr)
    assert stdout == ""
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    message = lines[0]
    assert str(path) in message, message
    if line is not None:
        assert re.search(rf"\bline {line}\b", message), f"expected line {line}: {message}"
    if field:
        assert f": {field}: " in message, f"expected field {field}: {message}"
    for word in words:
        assert word in message, f"expected {word!r}: {message}"


def run_in_process(capsys, *args: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(args))
    except SystemExit as e:  # argparse
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def run_cli(*args: str) -> tuple[int, str, str]:
    p = subprocess.run([sys.executable, "cli.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


# ---------------------------------------------------------------- field errors: (edit, line, field, words)

# fmt: off
FIELD_CASES = {
    # unknown keys, at every level, named
    "unknown key: top": (BASE + "colour: blue\n", 44, "colour", ["unknown key", "'colour'"]),
    "unknown key: function": (edit("    init_ms: 300\n", "    init_ms: 300\n    timeout_s: 3\n"),
                              11, "functions.chat.timeout_s", ["unknown key", "'timeout_s'"]),
    "unknown key: provisioned": (edit("      share: 0.5\n", "      share: 0.5\n      burst: 3\n"),
                                 14, "functions.chat.provisioned.burst", ["unknown key", "'burst'"]),
    "unknown key: table": (edit("    gsis: 1\n", "    gsis: 1\n    ttl: true\n"),
                           22, "tables.messages.ttl", ["unknown key", "'ttl'"]),
    "unknown key: service": (edit("    price: 0.000015\n", "    price: 0.000015\n    currency: EUR\n"),
                             26, "services.translate.currency", ["unknown key", "'currency'"]),
    "unknown key: feature": (edit("    services: {translate: 320}\n", "    services: {translate: 320}\n    ftp: {}\n"),
                             37, "features.send.ftp", ["unknown key", "'ftp'"]),
    "unknown key: websocket use": (edit("      message_kb: 1\n", "      message_kb: 1\n      bytes: 3\n"),
                                   32, "features.send.websocket.bytes", ["unknown key", "'bytes'"]),
    "unknown key: http use": (edit("      requests: 1\n", "      requests: 1\n      method: GET\n"),
                              34, "features.send.http.method", ["unknown key", "'method'"]),
    "unknown key: dynamodb op": (edit("item_kb: 1}", "item_kb: 1, index: byUser}"),
                                 35, "features.send.dynamodb[0].index", ["unknown key", "'index'"]),
    "unknown key: tier": (edit("    uses: {send: 20}\n", "    uses: {send: 20}\n    seats: 5\n"),
                          42, "tiers.free.seats", ["unknown key", "'seats'"]),
    "unknown key: websocket api": (edit("  live: {}", "  live: {stage: prod}"),
                                   15, "websockets.live.stage", ["unknown key", "'stage'"]),
    # wrong types
    "wrong type: text for a number": (edit("memory_mb: 256", "memory_mb: lots"),
                                      6, "functions.chat.memory_mb", ["must be a number", "'lots'"]),
    "wrong type: list for a mapping": (edit("lambda: {chat: 1}", "lambda: [chat]"),
                                       28, "features.send.lambda", ["must be a mapping", "list"]),
    "wrong type: free_tier yes-please": (edit("free_tier: true", "free_tier: yes-please"),
                                         3, "free_tier", ["true or false", "yes-please"]),
    "wrong type: users as text": (edit("users: 1000", "users: many"), 39, "tiers.free.users", ["must be a number"]),
    "wrong type: region as a number": (edit("region: us-east-1", "region: 5"), 2, "region", ["must be text"]),
    "wrong type: dynamodb as a mapping": (
        edit("    dynamodb:\n      - {table: messages, writes: 1, item_kb: 1}\n",
             "    dynamodb: {table: messages, writes: 1}\n"),
        34, "features.send.dynamodb", ["must be a list"]),
    "wrong type: dynamodb as 0": (
        edit("    dynamodb:\n      - {table: messages, writes: 1, item_kb: 1}\n", "    dynamodb: 0\n"),
        34, "features.send.dynamodb", ["must be a list"]),
    "wrong type: a whole number with decimals": (edit("concurrency: 2", "concurrency: 2.5"),
                                                 12, "functions.chat.provisioned.concurrency", ["whole number"]),
    # negative numbers
    "negative: users": (edit("users: 1000", "users: -1000"), 39, "tiers.free.users", ["negative", "-1000"]),
    "negative: tier price": (edit("    price: 0\n", "    price: -5\n"), 40, "tiers.free.price", ["negative", "-5"]),
    "negative: service price": (edit("price: 0.000015", "price: -0.000015"),
                                25, "services.translate.price", ["negative", "-1.5e-05"]),
    "negative: memory": (edit("memory_mb: 256", "memory_mb: -256"), 6, "functions.chat.memory_mb", ["-256"]),
    "negative: duration": (edit("duration_ms: 45", "duration_ms: -45"),
                           7, "functions.chat.duration_ms", ["negative", "-45"]),
    "negative: messages": (edit("messages: 6", "messages: -6"),
                           30, "features.send.websocket.messages", ["negative", "-6"]),
    "negative: uses": (edit("uses: {send: 20}", "uses: {send: -20}"), 41, "tiers.free.uses.send", ["negative", "-20"]),
    "negative: baseline": (edit("  send: 10\n", "  send: -10\n"), 43, "baseline.send", ["negative", "-10"]),
    "negative: storage": (edit("storage_gb: 1", "storage_gb: -1"), 20, "tables.messages.storage_gb", ["negative"]),
    # out of range
    "range: memory_mb 64": (edit("memory_mb: 256", "memory_mb: 64"),
                            6, "functions.chat.memory_mb", ["128", "10240", "64"]),
    "range: memory_mb 20000": (edit("memory_mb: 256", "memory_mb: 20000"),
                               6, "functions.chat.memory_mb", ["128", "10240", "20000"]),
    "range: ephemeral_storage_mb 100": (edit("ephemeral_storage_mb: 512", "ephemeral_storage_mb: 100"),
                                        8, "functions.chat.ephemeral_storage_mb", ["512", "100"]),
    "range: cold_start_rate 1.5": (edit("cold_start_rate: 0.01", "cold_start_rate: 1.5"),
                                   9, "functions.chat.cold_start_rate", ["1.5"]),
    "range: message_kb 200": (edit("message_kb: 1", "message_kb: 200"),
                              31, "features.send.websocket.message_kb", ["128", "200"]),
    "range: provisioned share 2": (edit("share: 0.5", "share: 2"), 13, "functions.chat.provisioned.share", ["2"]),
    "range: hours_per_month 800": (edit("free_tier: true\n", "free_tier: true\nhours_per_month: 800\n"),
                                   4, "hours_per_month", ["744", "800"]),
    "range: infinite users": (edit("users: 1000", "users: .inf"), 39, "tiers.free.users", ["finite"]),
    # references to things the scenario does not define
    "unknown function": (edit("lambda: {chat: 1}", "lambda: {caht: 1}"),
                         28, "features.send.lambda.caht", ["unknown function", "'caht'"]),
    "unknown table": (edit("{table: messages, writes", "{table: msgs, writes"),
                      35, "features.send.dynamodb[0].table", ["unknown table", "'msgs'"]),
    "unknown WebSocket API": (edit("      messages: 6\n", "      api: chat\n      messages: 6\n"),
                              30, "features.send.websocket.api", ["unknown WebSocket API", "'chat'"]),
    "unknown HTTP API": (edit("      requests: 1\n", "      api: rest\n      requests: 1\n"),
                         33, "features.send.http.api", ["unknown HTTP API", "'rest'"]),
    "unknown service": (edit("services: {translate: 320}", "services: {comprehend: 320}"),
                        36, "features.send.services.comprehend", ["unknown service", "'comprehend'"]),
    "tier: unknown feature": (edit("uses: {send: 20}", "uses: {sned: 20}"),
                              41, "tiers.free.uses.sned", ["unknown feature", "'sned'"]),
    "baseline: unknown feature": (edit("  send: 10\n", "  receive: 10\n"),
                                  43, "baseline.receive", ["unknown feature", "'receive'"]),
    "websocket use without any WebSocket API": (edit("websockets:\n  live: {}\n", ""),
                                                27, "features.send.websocket", ["websockets"]),
    # DynamoDB operations: exactly one of reads / writes
    "dynamodb op with reads and writes": (edit("writes: 1, item_kb: 1}", "writes: 1, reads: 1, item_kb: 1}"),
                                          35, "features.send.dynamodb[0]", ["reads", "writes"]),
    "dynamodb op with neither": (edit("writes: 1, item_kb: 1}", "item_kb: 1}"),
                                 35, "features.send.dynamodb[0]", ["reads", "writes"]),
    # several APIs and no `api`
    "two WebSocket APIs, no api": (edit("  live: {}\n", "  live: {}\n  admin: {}\n"),
                                   30, "features.send.websocket", ["api", "2"]),
    "two HTTP APIs, no api": (edit("  poll: {}\n", "  poll: {}\n  legacy: {}\n"),
                              33, "features.send.http", ["api", "2"]),
    # region without prices
    "region not in the book": (edit("region: us-east-1", "region: eu-west-9"), 2, "region", ["eu-west-9"]),
    # duplicate keys
    "duplicate key in a function": (edit("    duration_ms: 45\n", "    duration_ms: 45\n    memory_mb: 512\n"),
                                    8, "functions.chat", ["duplicate key", "'memory_mb'"]),
    "duplicate top-level section": (BASE + "tiers: {}\n", 44, None, ["duplicate key", "'tiers'"]),
    # a custom service named like a built-in one
    "custom service named lambda": (edit("  translate:\n", "  lambda: {unit: request, price: 1}\n  translate:\n"),
                                    23, "services.lambda", ["lambda", "built-in"]),
    # required keys
    "missing name": (edit("name: Chat\n", ""), 1, None, ["missing", "'name'"]),
}
# fmt: on


@pytest.mark.parametrize("case", FIELD_CASES)
def test_field_error(case, tmp_path, capsys):
    text, line, field, words = FIELD_CASES[case]
    # The reader names the line and the field ...
    with pytest.raises(ScenarioError) as err:
        loads(text, source="scenario.yaml", regions=default_book().regions)
    assert err.value.line == line
    if field:
        assert err.value.field == field
    # ... and the CLI prints it as one message and exits 2.
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    assert_one_message(*run_in_process(capsys, "estimate", str(path)), path, line, field, words)


# ---------------------------------------------------------------- files that are not scenarios

# fmt: off
FILE_CASES = {
    "empty file": ("", None, ["empty"]),
    "only a comment": ("# nothing yet\n", None, ["empty"]),
    "top level is a list": ("- name: Chat\n- region: us-east-1\n", 1, ["must be a mapping", "list"]),
    "top level is text": ("just some text\n", 1, ["must be a mapping", "text"]),
    "invalid YAML: bad indentation": (edit("    duration_ms: 45\n", "   duration_ms: 45\n"), 7, ["invalid YAML"]),
    "invalid YAML: a tab": (edit("    duration_ms: 45\n", "\tduration_ms: 45\n"), 7, ["invalid YAML"]),
    "invalid YAML: unclosed bracket": (edit("lambda: {chat: 1}", "lambda: {chat: 1"), None, ["invalid YAML"]),
    "invalid YAML: two documents": (BASE + "---\nname: Other\n", 44, ["invalid YAML"]),
}
# fmt: on


@pytest.mark.parametrize("case", FILE_CASES)
def test_not_a_scenario(case, tmp_path, capsys):
    text, line, words = FILE_CASES[case]
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    assert_one_message(*run_in_process(capsys, "estimate", str(path)), path, line, None, words)


def test_missing_file_and_directory(tmp_path, capsys):
    path = tmp_path / "nope.yaml"
    assert_one_message(*run_in_process(capsys, "estimate", str(path)), path, None, None, ["not found"])
    assert_one_message(*run_in_process(capsys, "estimate", str(tmp_path)), tmp_path, None, None, ["cannot read"])


def test_not_utf8(tmp_path, capsys):
    path = tmp_path / "scenario.yaml"
    path.write_bytes(b"name: \xff\xfe\nregion: us-east-1\n")
    assert_one_message(*run_in_process(capsys, "estimate", str(path)), path, None, None, ["cannot read"])


# ---------------------------------------------------------------- prices not in the book

PRICE_CASES = {
    # API Gateway prices are only known for us-east-1.
    "WebSocket messages in eu-west-1": (
        """
name: ws
region: eu-west-1
websockets: {live: {}}
features: {send: {websocket: {messages: 6}}}
tiers: {free: {users: 1000, uses: {send: 20}}}
""",
        ["eu-west-1", "websocket", "messages"],
    ),
    "WebSocket connection minutes in eu-west-1": (
        """
name: ws
region: eu-west-1
websockets: {live: {}}
features: {stay: {websocket: {connection_minutes: 1}}}
tiers: {free: {users: 1000, uses: {stay: 100}}}
""",
        ["eu-west-1", "websocket", "connection_minutes"],
    ),
    "HTTP requests in eu-central-1": (
        """
name: http
region: eu-central-1
http_apis: {poll: {}}
features: {poll: {http: {requests: 1}}}
baseline: {poll: 1000}
""",
        ["eu-central-1", "http", "requests"],
    ),
    "SNS HTTP/S deliveries in eu-west-1, free tier off": (
        """
name: sns
region: eu-west-1
free_tier: false
topics: {t: {}}
features: {call: {sns: [{deliveries: {https: 1}}]}}
baseline: {call: 1000}
""",
        ["eu-west-1", "sns", "deliveries_http"],
    ),
    "provisioned Standard-IA RCU in eu-west-1, free tier off": (
        """
name: rcu
region: eu-west-1
free_tier: false
tables: {t: {capacity: provisioned, read_capacity: 5, table_class: standard_ia}}
""",
        ["eu-west-1", "dynamodb", "read_capacity"],
    ),
    "arm64 provisioned concurrency in us-west-2": (
        """
name: pc
region: us-west-2
functions: {f: {memory_mb: 1024, duration_ms: 10, architecture: arm64, provisioned: {concurrency: 1}}}
""",
        ["us-west-2", "lambda", "provisioned_arm64"],
    ),
    "Standard-IA storage in us-west-2": (
        """
name: ia
region: us-west-2
tables: {t: {table_class: standard_ia, storage_gb: 5}}
""",
        ["us-west-2", "dynamodb", "storage_standard_ia"],
    ),
    # us-west-2 x86 duration is only known for the first 6B GB-s: 800,000 x 9,000 GB-s = 7.2B.
    "x86 duration above the last known tier in us-west-2": (
        """
name: big
region: us-west-2
free_tier: false
functions: {f: {memory_mb: 10240, duration_ms: 900000}}
features: {call: {lambda: {f: 1}}}
baseline: {call: 800000}
""",
        ["us-west-2", "lambda", "duration_x86_64", "6B"],
    ),
}


@pytest.mark.parametrize("case", PRICE_CASES)
def test_price_not_in_the_book(case, tmp_path, capsys):
    text, words = PRICE_CASES[case]
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    for args in (["estimate", str(path)], ["estimate", "--json", str(path)]):
        code, out, err = run_in_process(capsys, *args)
        assert_one_message(code, out, err, path, None, None, words)
        assert "$0" not in err


# ---------------------------------------------------------------- sweep arguments


def write_base(tmp_path) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(BASE)
    return path


# fmt: off
SWEEP_CASES = {
    "points 0": (["--users-from", "0", "--users-to", "10", "--points", "0"], "--points"),
    "points -3": (["--users-from", "0", "--users-to", "10", "--points", "-3"], "--points"),
    "points 2.5": (["--users-from", "0", "--users-to", "10", "--points", "2.5"], "--points"),
    "users-from -5": (["--users-from", "-5", "--users-to", "10", "--points", "3"], "--users-from"),
    "users-from not a number": (["--users-from", "many", "--users-to", "10", "--points", "3"], "--users-from"),
    "users-to not a number": (["--users-from", "0", "--users-to", "10k", "--points", "3"], "--users-to"),
    "users-to nan": (["--users-from", "0", "--users-to", "nan", "--points", "3"], "--users-to"),
    "users-to inf": (["--users-from", "0", "--users-to", "inf", "--points", "3"], "--users-to"),
    "points missing": (["--users-from", "0", "--users-to", "10"], "--points"),
}
# fmt: on


def assert_argument_error(code, stdout, stderr, argument):
    assert code == 2, (code, stderr)
    assert stdout == ""
    assert "Traceback" not in stderr
    errors = [ln for ln in stderr.splitlines() if "error:" in ln]
    assert len(errors) == 1, stderr
    assert argument in errors[0], stderr


@pytest.mark.parametrize("case", SWEEP_CASES)
def test_sweep_arguments(case, tmp_path, capsys):
    args, argument = SWEEP_CASES[case]
    assert_argument_error(*run_in_process(capsys, "sweep", str(write_base(tmp_path)), *args), argument)


def test_sweep_bad_files(tmp_path, capsys):
    args = ["--users-from", "0", "--users-to", "1000", "--points", "3"]
    missing = tmp_path / "nope.yaml"
    assert_one_message(*run_in_process(capsys, "sweep", str(missing), *args), missing, None, None, ["not found"])
    path = tmp_path / "scenario.yaml"
    path.write_text(edit("memory_mb: 256", "memory_mb: 64"))
    assert_one_message(*run_in_process(capsys, "sweep", str(path), *args), path, 6, "functions.chat.memory_mb")
    # Users to scale: a scenario without any is an error naming the tiers.
    path.write_text("name: x\nregion: us-east-1\ntiers: {free: {users: 0}}\n")
    assert_one_message(*run_in_process(capsys, "sweep", str(path), *args), path, None, "tiers", ["users"])
    # A sweep that grows past the prices the book knows (us-west-2 x86 duration above 6B GB-s).
    path.write_text("""
name: big
region: us-west-2
free_tier: false
functions: {f: {memory_mb: 10240, duration_ms: 900000}}
features: {call: {lambda: {f: 1}}}
tiers: {all: {users: 1, uses: {call: 1}}}
""")
    code, out, err = run_in_process(
        capsys, "sweep", str(path), "--users-from", "0", "--users-to", "1e6", "--points", "5"
    )
    assert_one_message(code, out, err, path, None, None, ["us-west-2", "duration_x86_64"])


# ---------------------------------------------------------------- numbers too large to mean anything


def test_integer_too_large_for_a_float(tmp_path, capsys):
    # YAML reads 1 followed by 400 zeros as a Python int that no float can hold.
    path = tmp_path / "scenario.yaml"
    path.write_text(edit("users: 1000", "users: 1" + "0" * 400))
    assert_one_message(*run_in_process(capsys, "estimate", str(path)), path, 39, "tiers.free.users")


def test_absurd_counts_never_print_an_infinite_or_nan_bill(tmp_path):
    # 1e300 uses per user x 1e300 users overflows float64. Either the reader rejects the numbers
    # (exit 2, one message, no traceback) or the estimate is finite; never $inf / $nan with exit 0.
    path = tmp_path / "scenario.yaml"
    path.write_text(edit("users: 1000", "users: 1.0e300").replace("uses: {send: 20}", "uses: {send: 1.0e300}"))
    code, out, err = run_cli("estimate", str(path), "--json")
    if code == 0:
        result = json.loads(out)
        values = [result["total"], *(f["cost"] for f in result["features"]), *(t["cost"] for t in result["tiers"])]
        assert all(math.isfinite(v) for v in values), values
    else:
        assert_one_message(code, out, err, path, None, None)


# ---------------------------------------------------------------- the real CLI, as a subprocess

# fmt: off
SUBPROCESS_CASES = {
    "missing file": (None, ["estimate"], None, None, ["not found"]),
    "invalid YAML: a tab": (edit("    duration_ms: 45\n", "\tduration_ms: 45\n"), ["estimate"], 7, None,
                            ["invalid YAML"]),
    "invalid YAML: unclosed bracket": (edit("lambda: {chat: 1}", "lambda: {chat: 1"), ["estimate"], None, None,
                                       ["invalid YAML"]),
    "empty file": ("", ["estimate"], None, None, ["empty"]),
    "unknown key": (edit("    init_ms: 300\n", "    init_ms: 300\n    timeout_s: 3\n"), ["estimate", "--json"],
                    11, "functions.chat.timeout_s", ["'timeout_s'"]),
    "wrong type": (edit("free_tier: true", "free_tier: yes-please"), ["estimate"], 3, "free_tier", []),
    "negative number": (edit("users: 1000", "users: -1000"), ["estimate"], 39, "tiers.free.users", ["negative"]),
    "out of range": (edit("memory_mb: 256", "memory_mb: 64"), ["estimate"], 6, "functions.chat.memory_mb", []),
    "unknown reference": (edit("lambda: {chat: 1}", "lambda: {caht: 1}"), ["estimate"], 28,
                          "features.send.lambda.caht", ["unknown function"]),
    "region without prices": (edit("region: us-east-1", "region: eu-west-9"), ["estimate"], 2, "region",
                              ["eu-west-9"]),
    "price not in the book": (PRICE_CASES["WebSocket messages in eu-west-1"][0], ["estimate", "--json"], None, None,
                              ["eu-west-1", "websocket", "messages"]),
    "duplicate key": (BASE + "tiers: {}\n", ["estimate"], 44, None, ["duplicate key"]),
    "integer too large": (edit("users: 1000", "users: 1" + "0" * 400), ["estimate"], 39, "tiers.free.users", []),
    "sweep of a bad file": (edit("users: 1000", "users: -1000"),
                            ["sweep", "--users-from", "0", "--users-to", "10", "--points", "3"], 39,
                            "tiers.free.users", []),
}
# fmt: on


@pytest.mark.parametrize("case", SUBPROCESS_CASES)
def test_cli_subprocess(case, tmp_path):
    text, command, line, field, words = SUBPROCESS_CASES[case]
    path = tmp_path / "scenario.yaml"
    if text is not None:
        path.write_text(text)
    code, out, err = run_cli(command[0], str(path), *command[1:])
    assert_one_message(code, out, err, path, line, field, words)


@pytest.mark.parametrize(
    "args, argument",
    [
        (["--users-from", "0", "--users-to", "10", "--points", "0"], "--points"),
        (["--users-from", "-5", "--users-to", "10", "--points", "3"], "--users-from"),
        (["--users-from", "0", "--users-to", "lots", "--points", "3"], "--users-to"),
    ],
)
def test_cli_subprocess_sweep_arguments(args, argument, tmp_path):
    assert_argument_error(*run_cli("sweep", str(write_base(tmp_path)), *args), argument)


def test_cli_subprocess_good_input_still_works(tmp_path):
    # The contrast: the same file unbroken exits 0 with a JSON bill.
    code, out, err = run_cli("estimate", str(write_base(tmp_path)), "--json")
    assert code == 0, err
    assert json.loads(out)["total"] > 0


def test_a_tag_that_does_not_fit_its_value_is_a_clear_error(tmp_path):
    path = tmp_path / "tagged.yaml"
    path.write_text("name: x\nregion: us-east-1\nhours_per_month: !!int abc\n")
    result = subprocess.run([sys.executable, "cli.py", "estimate", str(path)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"{path}, line 3: invalid value" in result.stderr


@pytest.mark.parametrize(
    "snippet, field",
    [
        ("websockets: {w: {}}\nfeatures: {a: {websocket: {api: [w], messages: 1}}}", "features.a.websocket.api"),
        ("http_apis: {h: {}}\nfeatures: {a: {http: {api: {x: 1}}}}", "features.a.http.api"),
        ("tables: {t: {}}\nfeatures: {a: {dynamodb: [{table: [t], reads: 1}]}}", "features.a.dynamodb[0].table"),
    ],
)
def test_a_list_or_mapping_where_a_name_goes_is_a_type_error(snippet, field):
    with pytest.raises(ScenarioError) as e:
        loads("name: x\nregion: us-east-1\n" + snippet, source="s.yaml")
    assert e.value.field == field and "must be the name of" in e.value.message and e.value.line == 4


def test_deeply_nested_yaml_is_an_error_not_a_crash(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("name: t\nregion: us-east-1\nfunctions: " + "[" * 1000 + "]" * 1000 + "\n")
    result = subprocess.run([sys.executable, "cli.py", "estimate", str(path)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2 and "nested too deeply" in result.stderr and "Traceback" not in result.stderr


def test_yaml_aliases_cannot_expand_without_limit():
    # Each level repeats the one before 10 times: 10^6 values from a dozen lines ("billion laughs").
    text = "name: t\nregion: us-east-1\na: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for name, prev in zip("bcdef", "abcde"):
        text += f"{name}: &{name} [{', '.join(['*' + prev] * 10)}]\n"
    with pytest.raises(ScenarioError) as e:
        loads(text, source="s.yaml")
    assert "too large" in e.value.message


def test_a_region_without_a_price_is_an_error_even_inside_the_free_tier():
    # 10 GB fits the 25 GB free allowance, but the book has no DynamoDB storage price for ap-southeast-1:
    # the region is not priced, which must not show as $0.
    with pytest.raises(PriceError) as e:
        estimate(loads("name: t\nregion: ap-southeast-1\ntables: {t: {storage_gb: 10}}\n"))
    assert "ap-southeast-1" in str(e.value) and "storage_standard" in str(e.value)


def test_review_refuses_a_user_count_that_is_not_a_number(repo_root):
    result = subprocess.run(
        [
            sys.executable,
            "cli.py",
            "review",
            "--demo",
            "--month",
            "2026-10",
            "--scenario",
            "scenarios/positive-chat-demo.yaml",
            "--users",
            "nan",
            "--json",
            "--no-save",
        ],
        cwd=repo_root,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and "--users must be a positive number" in result.stderr
    assert result.stdout == ""

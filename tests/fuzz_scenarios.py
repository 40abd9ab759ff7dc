"""A bounded, seeded mutation fuzzer over scenario files, for tests/test_fuzz.py and longer campaigns.

Each mutation breaks a valid file the way people and tools do: a value swapped for an odd one (negative,
huge, tiny, NaN, a tag, an escape), a line dropped, doubled, swapped, re-indented or cut short, stray
characters, a renamed key. `check` runs `cli.py estimate` in-process and says how it ended.

A longer campaign: python tests/fuzz_scenarios.py N [SEED]
"""

from __future__ import annotations

import io
import json
import math
import random
import re
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Every shipped scenario; examples/policy.yaml is a `check` policy, not a scenario.
SEEDS = sorted(
    p
    for p in [*ROOT.glob("examples/*.yaml"), *ROOT.glob("scenarios/*.yaml"), *ROOT.glob("benchmarks/*.yaml")]
    if p.name != "policy.yaml"
)

ODD_VALUES = [
    "-1",
    "0",
    "-0",
    "1e12",
    "1e13",
    "1000000000001",
    "1e-300",
    "5e-324",
    "1e-320",
    "1e308",
    "1e309",
    ".nan",
    ".inf",
    "-.inf",
    "nan",
    "abc",
    "''",
    '""',
    "null",
    "~",
    "[]",
    "{}",
    "[1, 2]",
    "{a: 1}",
    "true",
    "no",
    "1e6",
    "0x10",
    "0o17",
    "1_000",
    "99999999999999999999999",
    "10:30",
    "2026-01-01",
    "!!timestamp abc",
    "!!binary x",
    "!!int abc",
    "!!float x",
    "!!bool maybe",
    "!!set x",
    "!!str 1",
    "!!python/object:os.system x",
    "!foo x",
    '"\\ud800"',
    '"\\x01"',
    '"\\e[31m"',
    '"a\\nb"',
    '"\\u202e"',
    "&a 1",
    "*a",
    "*undefined",
    "'" + "x" * 5000 + "'",
    "é",
    "'![t](http://127.0.0.1:9/x)'",
    "<script>",
    "%",
    "@x",
    "`x`",
    "|\n  text",
    ">",
    "- 1",
    "? x",
    "1 # comment",
    "'1e-300'",
    "1e-9",
    "744",
    "745",
]
STRAY = [
    "\t",
    ":",
    "- ",
    "{",
    "}",
    "[",
    "]",
    "&",
    "*",
    "!",
    "!!",
    "#",
    "'",
    '"',
    "\\",
    "\x00",
    "\x01",
    "\x7f",
    "\x85",
    "\u2028",
    "\ufeff",
    "\r",
    "%YAML 1.1\n",
    "---\n",
    "...\n",
    "<<: *a\n",
    "\n  ",
    "é",
]
KEYS = [
    "colour",
    "lambda",
    "websocket",
    "memory_mb",
    "users",
    "tiers",
    "features",
    "api",
    "table",
    "1",
    "null",
    "<<",
    "quotas",
    "lambda_concurrency",
    "services",
    "connects",
    "hot_key_share",
    "peak_to_average",
]

_SCALAR = re.compile(r"(?<=: )[^\s{}\[\],#][^,}\]#\n]*|(?<=[{,] )[^\s:{}\[\],]+(?=: )|(?<=: )\S+(?=[,}])")


def mutate(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    kind = rng.randrange(9)
    i = rng.randrange(len(lines))
    if kind <= 2:  # a value swapped for an odd one (the most telling mutation, so the most frequent)
        spots = [(n, m) for n, line in enumerate(lines) for m in _SCALAR.finditer(line)]
        if spots:
            n, m = rng.choice(spots)
            lines[n] = lines[n][: m.start()] + rng.choice(ODD_VALUES) + lines[n][m.end() :]
    elif kind == 3:
        del lines[i]
    elif kind == 4:
        lines.insert(i, lines[i])
    elif kind == 5:
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    elif kind == 6:
        lines[i] = " " * rng.choice([1, 2, 3, 4, 8]) + lines[i] if rng.random() < 0.5 else lines[i].lstrip()
    elif kind == 7:
        pos = rng.randrange(len(lines[i]) + 1)
        lines[i] = lines[i][:pos] + rng.choice(STRAY) + lines[i][pos:]
    else:
        m = re.match(r"(\s*-?\s*)([A-Za-z_][\w-]*):", lines[i])
        if m:
            lines[i] = m.group(1) + rng.choice(KEYS) + lines[i][m.end(2) :]
        else:  # cut the file short here
            lines = lines[: i + 1]
            lines[-1] = lines[-1][: rng.randrange(len(lines[-1]) + 1)]
    return "\n".join(lines)


def _strict_json(text: str):
    def refuse(name):
        raise ValueError(f"not strict JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def _numbers(value, path="$"):
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, int | float):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _numbers(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _numbers(v, f"{path}[{i}]")


def run(argv: list[str]) -> tuple[int, str, str]:
    import cli

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = cli.main(argv)
        except SystemExit as e:  # argparse
            code = e.code
    return code, out.getvalue(), err.getvalue()


def problems(path: Path) -> tuple[str, list[str]]:
    """How `estimate` on this file ended ("ok" or "bad input"), and what is wrong with how it ended."""
    code, out, err = run(["estimate", str(path), "--json"])
    found = []
    if code == 0:
        try:
            data = _strict_json(out)
        except ValueError as e:
            return "ok", [f"stdout is not strict JSON: {e}"]
        for where, x in _numbers(data):
            if not math.isfinite(x):
                found.append(f"{where} = {x}")
        costs = [data["total"], *(ln["cost"] for ln in data["lines"]), *(f["cost"] for f in data["features"])]
        costs += [t["cost"] for t in data["tiers"]]
        if any(c < 0 for c in costs):
            found.append("a negative cost")
        code_text, out_text, err_text = run(["estimate", str(path)])  # the readable tables must print too
        if code_text != 0 or err_text:
            found.append(f"text output failed: {err_text.strip()[:200]}")
        return "ok", found
    if code != 2:
        found.append(f"exit {code}")
    if out:
        found.append("stdout not empty")
    lines = err.strip().splitlines()
    if len(lines) != 1:
        found.append(f"{len(lines)} lines on stderr")
    elif not lines[0].startswith(f"error: {path}"):
        found.append("message does not start with the file")
    if "internal error" in err or "Traceback" in err:
        found.append("internal error")
    return "bad input", found


def campaign(n: int, seed: int, folder: Path) -> dict:
    """n mutations (one to three each) of the seed files; returns counts and the first failures."""
    rng = random.Random(seed)
    texts = [p.read_text(encoding="utf-8") for p in SEEDS]
    counts = {"ok": 0, "bad input": 0, "without a line": 0}
    failures = []
    for k in range(n):
        text = rng.choice(texts)
        for _ in range(rng.randint(1, 3)):
            text = mutate(text, rng)
        path = folder / f"m{k}.yaml"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        how, found = problems(path)
        counts[how] += 1
        if how == "bad input" and not found and ", line " not in run(["estimate", str(path)])[2]:
            counts["without a line"] += 1
        if found:
            failures.append((k, found, text))
    counts["failed"] = len(failures)
    return {"counts": counts, "failures": failures}


if __name__ == "__main__":
    import tempfile

    sys.path.insert(0, str(ROOT))
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    with tempfile.TemporaryDirectory() as d:
        result = campaign(n, seed, Path(d))
    print(json.dumps(result["counts"]))
    for k, found, text in result["failures"][:20]:
        print(f"--- mutation {k}: {found}\n{text[:1500]}")

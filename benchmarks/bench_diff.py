"""Benchmark: `diff`, `check` and `import --scenario` at size.

- `cli.py diff` and `cli.py check` on the example (subprocesses: what CI waits for per pull request);
- `compare` of two estimates of a scenario with 200 features, 50 tiers and 50 tables;
- `usage.skeleton.pour` of an observed month of 200 functions and 50 tables into a 200-feature skeleton
  (each feature reads and writes 3 tables), in-process: the apportioning, not CloudWatch.

    .venv/bin/python benchmarks/bench_diff.py
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FEATURES, TIERS, TABLES = 200, 50, 50


def skeleton_data() -> dict:
    feats = {}
    for i in range(FEATURES):
        ops = []
        for t in (i % TABLES, (i * 7 + 1) % TABLES, (i * 13 + 2) % TABLES):
            ops += [{"table": f"T{t}", "reads": 0}, {"table": f"T{t}", "writes": 0}]
        feats[f"f{i}"] = {"lambda": {f"F{i}": 1}, "dynamodb": ops}
    return {
        "name": "big",
        "region": "us-east-1",
        "functions": {f"F{i}": {"memory_mb": 256, "duration_ms": 50} for i in range(FEATURES)},
        "tables": {f"T{t}": {"gsis": 1} for t in range(TABLES)},
        "features": feats,
        "tiers": {
            f"tier{k}": {"users": 100 + k, "price": 5, "uses": {f"f{i}": 10 + (i + k) % 7 for i in range(FEATURES)}}
            for k in range(TIERS)
        },
    }


def observed():
    from usage.inventory import FunctionConfig, TableConfig
    from usage.metrics import Window
    from usage.observed import Coverage, FunctionUsage, ObservedUsage, TableUsage

    start = datetime(2026, 10, 1, tzinfo=UTC)
    win = Window(start, start + timedelta(days=30))
    cov = Coverage(720, 720, start, win.end, 0)
    f = 730 / 720
    obs = ObservedUsage("us-east-1", "benchmark", win, 730)
    for i in range(FEATURES):
        name = f"app-F{i}-X{i}"
        obs.functions[name] = FunctionUsage(FunctionConfig(name, 256), cov, f, 10_000 + i, 500_000.0 + i)
    for t in range(TABLES):
        name = f"app-T{t}-Y{t}"
        obs.tables[name] = TableUsage(
            TableConfig(name, gsis=["g"]), cov, f, 50_000 + t, 20_000 + t, {"g": 0.0}, {"g": 20_000 + t}
        )
    return obs


def best(fn, n: int = 5) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    import yaml

    from models.diff import compare
    from models.engine import estimate
    from models.scenario import from_data, loads
    from pricing.book import default_book
    from usage.skeleton import pour
    from usage.to_scenario import with_header

    cli = [sys.executable, str(ROOT / "cli.py")]
    example = str(ROOT / "examples" / "positive-chat.yaml")
    for args in (
        ["diff", example, str(ROOT / "scenarios" / "positive-chat-demo.yaml"), "--json"],
        ["check", example, "--policy", str(ROOT / "examples" / "policy.yaml")],
    ):
        s = best(lambda args=args: subprocess.run([*cli, *args], check=True, capture_output=True), 3)
        print(f"cli.py {args[0]} (subprocess, best of 3): {s * 1000:.0f} ms")

    data = skeleton_data()
    s = from_data(data, "big")
    book = default_book()
    base, head = estimate(s, book), estimate(s, book)
    t = best(lambda: compare(base, head))
    print(f"compare, {FEATURES} features x {TIERS} tiers x {TABLES} tables: {t * 1000:.2f} ms")
    print(f"  (each estimate: {best(lambda: estimate(s, book), 3) * 1000:.0f} ms)")

    obs = observed()
    done = pour(obs, data, s, "big")
    t = best(lambda: pour(obs, data, s, "big"))
    print(f"pour, {FEATURES} functions and {TABLES} tables into {FEATURES} features: {t * 1000:.1f} ms")
    text = with_header(done.data, done.lines)
    loads(text, "poured")  # the result is a valid scenario
    print(
        f"  written: {len(text):,} characters, {len(yaml.safe_load(text)['features'])} features, "
        f"{len(done.unmatched)} unmatched"
    )


if __name__ == "__main__":
    main()

"""`cli.py simulate` and `cli.py forecast` against their bounds (issue 15), whole processes, start-up included:

- simulate of three-tiers-five-features-ranges.yaml (a range on every per-user usage figure): 100,000 samples
  at most 3x the wall time of 1 sample;
- a 24-month forecast of three-tiers-five-features.yaml at most 1.5x a plain `cli.py estimate` of it.

Runs alternate so that the shared machine's noise falls on both sides; the figure is the ratio of medians."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 11
RANGED = "benchmarks/three-tiers-five-features-ranges.yaml"
PLAIN = "benchmarks/three-tiers-five-features.yaml"
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # as people run it: bytecode cached


def wall(args: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "cli.py", *args], cwd=ROOT, env=ENV, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def compare(name: str, a: list[str], b: list[str], bound: float) -> bool:
    wall(a), wall(b)  # warm the file cache and the bytecode
    ta, tb = [], []
    for _ in range(RUNS):
        ta.append(wall(a))
        tb.append(wall(b))
    ratio = statistics.median(tb) / statistics.median(ta)
    print(f"{name}:")
    print(f"  {' '.join(a):<75} median {statistics.median(ta) * 1000:5.0f} ms")
    print(f"  {' '.join(b):<75} median {statistics.median(tb) * 1000:5.0f} ms")
    print(f"  ratio {ratio:.2f} (bound {bound})")
    return ratio <= bound


def main() -> int:
    ok = compare(
        "simulate, 100,000 samples against 1",
        ["simulate", RANGED, "--samples", "1", "--json"],
        ["simulate", RANGED, "--samples", "100000", "--json"],
        3.0,
    )
    ok &= compare(
        "forecast, 24 months against estimate",
        ["estimate", PLAIN, "--json"],
        ["forecast", PLAIN, "--months", "24", "--growth", "pro=8", "--growth", "team=5", "--churn", "free=3", "--json"],
        1.5,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Engine benchmarks (issue 2). Run: .venv/bin/python benchmarks/bench_engine.py

1. `cli.py sweep` of 100,000 points vs 1 point, wall time with process start: the ratio must be <= 2.
2. One in-process estimate of the same scenario: the median must be under 5 ms.
The machine is shared and noisy, so both sweeps are run interleaved and compared as a ratio of medians.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "benchmarks" / "three-tiers-five-features.yaml"
sys.path.insert(0, str(ROOT))


def _sweep_s(points: int) -> float:
    """Wall time of `cli.py sweep ... --json > file`, as a script runs it; the file is checked afterwards."""
    cmd = [sys.executable, "cli.py", "sweep", str(SCENARIO), "--users-from", "0", "--users-to", "10000000"]
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        subprocess.run([*cmd, "--points", str(points), "--json"], cwd=ROOT, stdout=out, check=True)
        elapsed = time.perf_counter() - start
        out.seek(0)
        assert len(json.load(out)) == points
    return elapsed


def main(repeats: int = 9) -> None:
    one, many = [], []
    for _ in range(repeats):
        one.append(_sweep_s(1))
        many.append(_sweep_s(100_000))
    m1, m100k = statistics.median(one), statistics.median(many)
    print(f"sweep, 1 point:        median {m1 * 1000:7.1f} ms  (process start included, {repeats} runs)")
    print(f"sweep, 100,000 points: median {m100k * 1000:7.1f} ms")
    print(f"ratio 100,000 / 1:     {m100k / m1:.2f}  (must be <= 2)")

    from models.engine import estimate
    from models.scenario import load

    scenario = load(SCENARIO)
    estimate(scenario)  # warm the price book cache
    times = []
    for _ in range(500):
        start = time.perf_counter()
        estimate(scenario)
        times.append(time.perf_counter() - start)
    times.sort()
    print(
        f"estimate in-process:   median {statistics.median(times) * 1000:.2f} ms, "
        f"p95 {times[int(len(times) * 0.95)] * 1000:.2f} ms  (must be < 5 ms)"
    )


if __name__ == "__main__":
    main()

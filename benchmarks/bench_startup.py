"""Start-up of `cli.py estimate` (a whole process, examples/positive-chat.yaml) against `python -c "import numpy,
yaml"`, the floor any estimate pays. Runs alternate so that the shared machine's noise falls on both; the
figure is the ratio of medians. Bound (issue 11): <= 1.3."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 21
BOUND = 1.3


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # as people run it: bytecode cached


def wall(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=ENV, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> int:
    floor = [sys.executable, "-c", "import numpy, yaml"]
    estimate = [sys.executable, "cli.py", "estimate", "examples/positive-chat.yaml"]
    wall(estimate)  # warm the file cache and the bytecode
    a, b = [], []
    for _ in range(RUNS):
        a.append(wall(floor))
        b.append(wall(estimate))
    ratio = statistics.median(b) / statistics.median(a)
    print(f"import numpy, yaml: median {statistics.median(a) * 1000:.0f} ms")
    print(f"cli.py estimate:    median {statistics.median(b) * 1000:.0f} ms")
    print(f"ratio {ratio:.2f} (bound {BOUND})")
    return 0 if ratio <= BOUND else 1


if __name__ == "__main__":
    sys.exit(main())

"""`riskwarn backtest` of a 1,000,000-event file on one core: wall time and peak memory,
and the same for a quarter of the file, to show memory follows customers, not events.
Target (issue): 1,000,000 events <= 60 s."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from benchmarks._data import events_file

RW = [sys.executable, "-m", "riskwarn.cli"]


def _run(path: Path, out: Path) -> tuple[float, int, str]:
    cmd = [*RW, "backtest", str(path), "--out", str(out), "--no-progress"]
    if hasattr(os, "sched_getaffinity"):
        cmd = ["taskset", "-c", str(min(os.sched_getaffinity(0))), *cmd]
    start = time.perf_counter()
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, peak_kib, done.stdout


def main() -> int:
    big = events_file(5000, 45, seed=9)
    n_big = sum(1 for _ in big.open("rb"))
    quarter = big.with_name(big.stem + "-quarter.jsonl")
    if not quarter.exists():
        with big.open("rb") as src, quarter.open("wb") as dst:
            for i, line in enumerate(src):
                if i >= n_big // 4:
                    break
                dst.write(line)
    out = big.with_name("alerts-1m.jsonl")
    wall_q, peak_q, _ = _run(quarter, out)
    wall, peak, text = _run(big, out)  # ru_maxrss of children is the max so far
    print(f"backtest on one core: {n_big:,} events (5,000 customers x 45 days)")
    print(f"  quarter file ({n_big // 4:,} events): {wall_q:6.1f} s, peak RSS "
          f"{peak_q / 1024:6.0f} MiB")
    print(f"  whole file:                     {wall:6.1f} s = {n_big / wall:,.0f} events/s, "
          f"peak RSS {peak / 1024:6.0f} MiB")
    print(f"  target <= 60 s for 1,000,000 events: "
          f"{'met' if wall * 1_000_000 / n_big <= 60 else 'NOT met'}")
    print("  " + "\n  ".join(line for line in text.splitlines() if "alerts " in line
                              or "by tier" in line))
    return 0


if __name__ == "__main__":
    sys.exit(main())

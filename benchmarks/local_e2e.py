"""The embedded local stack end to end: events put on Kinesis → alert written → notification
queued, at steady rates, and how fast a burst drains (the local stack's capacity) — first
with the machine otherwise idle, then with a CPU-burning process beside it (a busy laptop),
in one run so the two compare.

Targets (issue): p95 put → alert written ≤ 1 s at the demo's rate with one core busy; a
burst drained at ≥ 1,000 events/s on 2 cores.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from riskwarn.local.commands import send
from riskwarn.local.demo import _events, _latencies, _pct, _wait
from riskwarn.local.stack import LocalConfig, LocalStack, free_port
from riskwarn.offline.backfill import backfill
from riskwarn.runtime.stream import production_ports

CUSTOMERS = 4000
RATES = (50, 150, 250)
PER_RATE = 1500
# long enough that the drain rate is the stack's, not its first and last batches' (a burst
# of 3,000 is over in 3 s: four small batches while it is put, a tail after)
BURST = 4500


@contextmanager
def _busy(on: bool) -> Iterator[None]:
    """A process spinning on one core for the duration (nothing when `on` is False)."""
    if not on:
        yield
        return
    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        burner.kill()
        burner.wait()


def main() -> None:
    stack = LocalStack(LocalConfig(port=free_port(), api_port=free_port(),
                                   state_file=Path(".riskwarn/bench/local.json")))
    stack.start()
    try:
        history, today, _ = _events(CUSTOMERS, seed=23)
        ports = production_ports()
        rep = backfill(history, ports.scorer, ports.profiles)
        print(f"local stack: {CUSTOMERS:,} customers, {rep.events:,} history events "
              f"backfilled; a day of {len(today):,} events to stream")
        stream = stack.p.ref("EventStream") if stack.p else ""
        offset = 0
        for busy in (False, True):
            print("-- one core busy with another process" if busy else "-- machine idle")
            with _busy(busy):
                offset = _measure(stack, stream, today, offset)
    finally:
        stack.stop()


def _measure(stack: LocalStack, stream: str, today: list[bytes], offset: int) -> int:
    stats = stack.stats["ScoreFunctionStream"]
    for rate in RATES:
        lines = today[offset:offset + PER_RATE]
        offset += PER_RATE
        target = stats.events + len(lines)
        put_at = _put(stack, stream, lines, rate)
        _wait(lambda t=target: stats.events >= t, 120)
        written, queued = _latencies(stack, put_at)
        print(f"rate {rate:>4}/s: {len(lines):,} events, {len(written)} new alerts; "
              f"put → alert written p50 {_pct(written, .5) * 1e3:,.0f} ms "
              f"p95 {_pct(written, .95) * 1e3:,.0f} ms; put → notification queued p50 "
              f"{_pct(queued, .5) * 1e3:,.0f} ms p95 {_pct(queued, .95) * 1e3:,.0f} ms")
    lines = today[offset:offset + BURST]
    before = stats.events
    stats.invoke_s.clear()
    started = time.perf_counter()
    _put(stack, stream, lines, None)
    _wait(lambda: stats.events - before >= len(lines), 300, every=0.05)
    took = time.perf_counter() - started
    d = sorted(stats.invoke_s)
    shards = len(stack.client("kinesis").describe_stream(StreamName=stream)[
        "StreamDescription"]["Shards"])
    assert stack.p is not None
    print(f"burst: {len(lines):,} events drained in {took:,.1f} s = "
          f"{len(lines) / took:,.0f} events/s ({shards} shards × ParallelizationFactor "
          f"{stack.p.refs['ParallelizationFactor']}); score function "
          f"invocations p50 {d[len(d) // 2] * 1e3:,.0f} ms p95 "
          f"{d[int(len(d) * .95)] * 1e3:,.0f} ms over {len(d):,} batches")
    return offset + BURST


def _put(stack: LocalStack, stream: str, lines: list[bytes], rate: int | None
         ) -> dict[str, float]:
    import orjson

    from riskwarn.cases.alerts import alert_id_for

    return {alert_id_for(orjson.loads(line)["event_id"]): at
            for line, at in send(stack.client("kinesis"), stream, lines, rate)}


if __name__ == "__main__":
    main()

"""A progress line on stderr for long runs (only when asked for or on a terminal)."""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, total_bytes: int | None, *, enabled: bool, every_s: float = 0.5) -> None:
        self.total = total_bytes
        self.enabled = enabled
        self.every = every_s
        self.done = 0
        self.started = self.last = time.perf_counter()

    def update(self, nbytes: int, events: int) -> None:
        self.done += nbytes
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self.last < self.every:
            return
        self.last = now
        rate = events / max(now - self.started, 1e-9)
        if self.total:
            share = min(self.done / self.total, 1.0)
            bar = "#" * int(share * 30)
            line = f"\r[{bar:<30}] {share:4.0%} {events:,} events {rate:,.0f}/s"
        else:
            line = f"\r{events:,} events {rate:,.0f}/s"
        sys.stderr.write(line)
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()

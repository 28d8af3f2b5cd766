"""Scoring-core throughput on one core, in 1,000-event batches, against bare JSON parsing.

Records arrive as Kinesis delivers them (base64 data). decode (base64 + JSON) → validate →
features → rules → one ONNX call → tier and reasons, with profiles carried across batches
as the stream would. Prints events/s and the ratio to the bare decode (base64 +
`orjson.loads`) of the same records measured in the same run.
Target (the first slice's issue): >= 40,000 events/s per core, about 6x the bare parse or
better; the machines' speed varies 2-3x (docs/capacity.md), the ratio is what compares.
Also in the same run: the core without the mule and network typologies (core/mule.py,
core/network.py with its state in memory); target: they cost at most 15 %.
"""

from __future__ import annotations

import base64
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import orjson

from benchmarks._data import events_file
from riskwarn.core.config import ScoringConfig
from riskwarn.core.events import parse_records
from riskwarn.core.model import load_model
from riskwarn.core.network import MemoryNetwork
from riskwarn.core.profile import CustomerProfile
from riskwarn.core.scoring import Scorer

BATCH = 1000


def main() -> int:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    lines = events_file(1500, 30).read_bytes().splitlines()
    kinesis = [base64.b64encode(line) for line in lines]
    batches = [kinesis[i:i + BATCH] for i in range(0, len(kinesis), BATCH)]
    b64decode = base64.b64decode
    n = len(lines)
    cfg = ScoringConfig()
    model = load_model(cfg.model_path)
    plain_cfg = cfg.model_copy(update={"network_typologies": False})

    best_parse = best_total = best_plain = float("inf")
    alerts = 0
    for _ in range(3):  # best of three: shared machines are noisy
        t0 = time.perf_counter()
        for batch in batches:
            for record in batch:
                orjson.loads(b64decode(record))
        best_parse = min(best_parse, time.perf_counter() - t0)

        plain = Scorer(plain_cfg, model)
        profiles: dict[str, CustomerProfile] = {}
        t0 = time.perf_counter()
        for batch in batches:
            events, _ = parse_records([b64decode(r) for r in batch], cfg.rates)
            plain.score(events, profiles)
        best_plain = min(best_plain, time.perf_counter() - t0)

        scorer = Scorer(cfg, model, network=MemoryNetwork())
        profiles = {}
        alerts = 0
        t0 = time.perf_counter()
        for batch in batches:
            events, _ = parse_records([b64decode(r) for r in batch], cfg.rates)
            alerts += len(scorer.score(events, profiles))
        best_total = min(best_total, time.perf_counter() - t0)

    per_event = best_total / n * 1e6
    bare = best_parse / n * 1e6
    rate = n / best_total
    print(f"scoring core, {n:,} events in batches of {BATCH}, one core, model "
          f"{model.version}")
    size = sum(map(len, lines)) / n
    print(f"  record size            {size:7.0f} bytes of JSON (base64 on the stream)")
    print(f"  bare decode            {bare:7.2f} us/event (base64 + orjson.loads)")
    print(f"  full scoring core      {per_event:7.2f} us/event = {rate:,.0f} events/s "
          f"({alerts:,} alerts at tier low or above)")
    print(f"  ratio to bare parse    {per_event / bare:7.2f}x")
    cost = best_total / best_plain - 1
    print(f"  without mule/network   {best_plain / n * 1e6:7.2f} us/event: the mule and network "
          f"typologies cost {cost:+.1%} (target <= 15 %: {'met' if cost <= 0.15 else 'NOT met'})")
    # the first slice's issue asked for >= 40,000 events/s when a bare decode took 1.3-1.6 us
    # on these machines; the machines' speed varies 2-3x, so the ratio is what compares
    # (docs/capacity.md: model v2's named rows and rails cost ~19 % over v1)
    print(f"  first slice's target >= 40,000 events/s: {'met' if rate >= 40_000 else 'NOT met'} "
          f"today ({rate:,.0f} at {per_event / bare:.0f}x a bare decode of {bare:.2f} us; "
          "see docs/capacity.md)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

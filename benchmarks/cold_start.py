"""Cold start of the scoring path: a fresh interpreter imports the scoring core and loads
the ONNX model, then scores one event. Median of several fresh processes.
Target (issue): import + model load <= 500 ms."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

PROBE = r"""
import time
t0 = time.perf_counter()
from riskwarn.config import ScoringConfig
from riskwarn.events import parse_records
from riskwarn.model import load_model
from riskwarn.scoring import Scorer
t1 = time.perf_counter()
cfg = ScoringConfig()
scorer = Scorer(cfg, load_model(cfg.model_path))
t2 = time.perf_counter()
line = (b'{"event_id":"e1","event_type":"login","occurred_at":"2026-11-28T09:15:02Z",'
        b'"customer_id":"C1","channel":"mobile","success":true}')
events, _ = parse_records([line], cfg.rates)
scorer.score(events, {})
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "first": t3 - t2}))
"""


def main() -> int:
    runs = []
    for _ in range(7):
        out = subprocess.run([sys.executable, "-c", "import json\n" + PROBE], check=True,
                             capture_output=True, text=True).stdout
        runs.append(json.loads(out))
    med = {k: statistics.median(r[k] for r in runs) * 1000 for k in runs[0]}
    total = med["import"] + med["load"]
    print("cold start, median of 7 fresh interpreters")
    print(f"  import scoring core    {med['import']:7.1f} ms")
    print(f"  load ONNX model        {med['load']:7.1f} ms")
    print(f"  import + load          {total:7.1f} ms (target <= 500 ms: "
          f"{'met' if total <= 500 else 'NOT met'})")
    print(f"  first event scored     {med['first']:7.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Cold start: a fresh interpreter imports the score function's module
(functions/score/app.py: powertools, the stream logic, the scoring core) and builds its
ports on the first batch (the ONNX model and the boto3 clients). Median of fresh processes.
Target (issue): import + model load <= 500 ms."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

PROBE = r"""
import json, os, sys, time
os.environ.update({"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x",
                   "AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_TRACE_DISABLED": "true",
                   "RISKWARN_MODEL_PATH": sys.argv[1]})
sys.path.insert(0, sys.argv[2])
t0 = time.perf_counter()
import app  # functions/score/app.py, as Lambda imports it
t1 = time.perf_counter()
from riskwarn.core.model import load_model
from riskwarn.settings import settings
load_model(settings().scoring().model_path)
t2 = time.perf_counter()
from riskwarn.runtime.stream import production_ports
production_ports()  # boto3 clients and the scorer, as the first batch builds them
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "ports": t3 - t2}))
"""


def main() -> int:
    from riskwarn.core.config import DEFAULT_MODEL_PATH

    score_dir = Path(__file__).resolve().parents[1] / "functions" / "score"
    runs = []
    for _ in range(7):
        out = subprocess.run([sys.executable, "-c", PROBE, str(DEFAULT_MODEL_PATH),
                              str(score_dir)], check=True, capture_output=True,
                             text=True).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    med = {k: statistics.median(r[k] for r in runs) * 1000 for k in runs[0]}
    total = med["import"] + med["load"]
    print("cold start of the score function, median of 7 fresh interpreters")
    print(f"  import functions/score/app.py  {med['import']:7.1f} ms")
    print(f"  load the ONNX model            {med['load']:7.1f} ms")
    print(f"  import + model load            {total:7.1f} ms (target <= 500 ms: "
          f"{'met' if total <= 500 else 'NOT met'})")
    print(f"  then boto3 clients + scorer    {med['ports']:7.1f} ms "
          f"(whole cold start {total + med['ports']:.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

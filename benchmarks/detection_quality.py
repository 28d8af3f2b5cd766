"""Detection quality on a held-out seed: the full system against the plain fixed-threshold
rules baseline, on the same generated data (the model was trained on seed 1).

Targets (issue, alerts of tier medium and above): recall >= 0.95 overall and >= 0.90 on
subtle episodes, the right typology on >= 0.85 of detections, precision >= 0.85, at most
1 false alert per 1,000 customer-days.
"""

from __future__ import annotations

import argparse
import io
import sys
from typing import Any

from benchmarks._data import events_file
from riskwarn.backtest import run_backtest
from riskwarn.config import ScoringConfig
from riskwarn.model import load_model

TARGETS = {"recall": 0.95, "subtle_recall": 0.90, "right_typology": 0.85, "precision": 0.85}


def _run(path: str, cfg: ScoringConfig) -> dict[str, Any]:
    model = load_model(cfg.model_path) if cfg.use_model else None
    with open(path, "rb") as source:
        summary = run_backtest(source, io.BytesIO(), cfg, model)
    assert summary.quality is not None
    return {**summary.quality, "events": summary.events_read,
            "events_per_second": summary.events_per_second}


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3f}"
    return "n/a" if v is None else str(v)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--customers", type=int, default=4000)
    ap.add_argument("--days", type=int, default=45)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    path = str(events_file(args.customers, args.days, args.seed))
    full = _run(path, ScoringConfig())
    base = _run(path, ScoringConfig.fixed_rules_baseline())
    print(f"held-out seed {args.seed}: {args.customers:,} customers x {args.days} days, "
          f"{full['events']:,} events, {full['episodes']} episodes "
          f"({full['subtle_episodes']} subtle), {full['active_customer_days']:,} active "
          "customer-days")
    rows = ["recall", "subtle_recall", "plain_recall", "right_typology", "precision",
            "alerts_counted", "false_alerts", "false_alerts_per_1000_customer_days"]
    print(f"  {'':38}{'riskwarn':>12}{'fixed rules':>14}{'target':>10}")
    for key in rows:
        target = TARGETS.get(key)
        if key == "false_alerts_per_1000_customer_days":
            target = 1.0
        print(f"  {key:38}{_fmt(full[key]):>12}{_fmt(base[key]):>14}"
              f"{'' if target is None else _fmt(target):>10}")
    print(f"  {'per typology (recall / subtle recall)':38}")
    for code, row in full["per_typology"].items():
        b = base["per_typology"].get(code, {})
        print(f"    {code:36}{_fmt(row['recall']):>6} / {_fmt(row['subtle_recall']):<6}"
              f"{_fmt(b.get('recall')):>7} / {_fmt(b.get('subtle_recall')):<6}")
    print("  false alerts by cause (riskwarn):", full["false_alerts_by_trap"] or "none")
    print("  false alerts by cause (fixed rules):", base["false_alerts_by_trap"] or "none")
    met = all((full[k] or 0) >= v for k, v in TARGETS.items()) and (
        full["false_alerts_per_1000_customer_days"] or 0) <= 1.0
    print(f"  targets: {'all met' if met else 'NOT all met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Management reports: where risk stands and how good the alerts are.

`summarize` works on plain alert items (as stored) and missed cases, so the staff API, the
local demo and tests compute the same figures. Definitions (docs/api.md):

- time to claim / decide: from the alert's creation to `claimed_at` / `decided_at`;
- SLA breaches: review or supervisor deadlines passed without a decision (the workflow
  counts them on the alert as `sla_breaches`);
- false-positive rate: of alerts decided true or false (`label`), the share cleared as
  false positives — per typology (an alert counts for each of its typologies) and per
  model version;
- miss rate: missed cases (reported by staff, period overlapping the report's) over missed
  cases plus confirmed alerts in the period;
- over time: alerts by tier and by typology per UTC day of creation.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _rates(groups: dict[str, list[str]]) -> dict[str, dict[str, Any]]:
    out = {}
    for key, labels in sorted(groups.items()):
        fp = labels.count("negative")
        out[key] = {"decided": len(labels), "false_positives": fp,
                    "rate": round(fp / len(labels), 4)}
    return out


def overlaps(case: dict[str, Any], start: datetime, end: datetime) -> bool:
    return _ts(case["period_from"]) < end and _ts(case["period_to"]) > start


def summarize(alerts: Iterable[dict[str, Any]], missed: Iterable[dict[str, Any]],
              start: datetime, end: datetime) -> dict[str, Any]:
    by: dict[str, Counter[str]] = {k: Counter() for k in ("tier", "category", "typology",
                                                           "status")}
    to_claim: list[float] = []
    to_decide: list[float] = []
    breaches = breached = positives = total = 0
    per_typology: dict[str, list[str]] = defaultdict(list)
    per_model: dict[str, list[str]] = defaultdict(list)
    # over time: per UTC day of creation, alerts by tier and by typology
    day_tier: dict[str, Counter[str]] = defaultdict(Counter)
    day_typology: dict[str, Counter[str]] = defaultdict(Counter)
    for a in alerts:
        total += 1
        day = str(a["created_at"])[:10]
        day_tier[day][a["tier"]] += 1
        for code in a.get("typologies", []):
            day_typology[day][code] += 1
        by["tier"][a["tier"]] += 1
        by["category"][a["risk_category"]] += 1
        by["status"][a["status"]] += 1
        for code in a.get("typologies", []):
            by["typology"][code] += 1
        created = _ts(a["created_at"])
        if a.get("claimed_at"):
            to_claim.append((_ts(a["claimed_at"]) - created).total_seconds())
        if a.get("decided_at"):
            to_decide.append((_ts(a["decided_at"]) - created).total_seconds())
        n = int(a.get("sla_breaches", 0))
        breaches += n
        breached += n > 0
        label = a.get("label")
        if label in ("positive", "negative"):
            positives += label == "positive"
            for code in a.get("typologies", []):
                per_typology[code].append(label)
            per_model[a.get("model_version") or "rules only"].append(label)
    cases = [c for c in missed if overlaps(c, start, end)]
    found = positives + len(cases)
    return {
        "from": start.isoformat(), "to": end.isoformat(), "alerts": total,
        "by_tier": dict(by["tier"]), "by_category": dict(by["category"]),
        "by_typology": dict(by["typology"]), "by_status": dict(by["status"]),
        "mean_seconds_to_claim": _mean(to_claim), "mean_seconds_to_decide": _mean(to_decide),
        "sla_breaches": breaches, "alerts_with_sla_breach": breached,
        "false_positive_rate_by_typology": _rates(per_typology),
        "false_positive_rate_by_model_version": _rates(per_model),
        "confirmed": positives, "missed_cases": len(cases),
        "miss_rate": round(len(cases) / found, 4) if found else None,
        "by_day_tier": {d: dict(c) for d, c in sorted(day_tier.items())},
        "by_day_typology": {d: dict(c) for d, c in sorted(day_typology.items())},
    }

"""Detection quality on labelled events (generated data): what `backtest` reports.

Definitions (docs/typologies.md, "Measuring"):
- An alert counts when its tier is medium or above.
- An episode is *detected* when a counted alert's evidence holds one of its events.
- The *right typology*: some counted alert on the episode names the episode's typology,
  as a rule code or, for a model-driven alert, as the model's typology.
- *Precision*: counted alerts holding an episode's event / all counted alerts.
- *False alerts per 1,000 customer-days*: counted alerts with no episode event, per 1,000
  active customer-days (a customer and a calendar day (UTC) with at least one event). A
  customer who does nothing on a day is not counted for it, which makes this rate stricter
  than customers × days.
- Fraud labelled outside the unit recall counts (`Label.unit` false: synthfin's transfers
  at its chains' ends, whose unit is the mule account): an alert on such an event and on no
  episode's is neither true nor false (`alerts_on_fraud_outside_unit`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from riskwarn.cases.alerts import Alert
from riskwarn.core.config import TIERS, AlertBudget
from riskwarn.core.events import Event, Label

COUNTED = ("medium", "high", "critical")


@dataclass
class _Episode:
    typology: str
    subtle: bool
    detected: bool = False
    right_typology: bool = False


def customer_day(event: Event) -> tuple[str, int]:
    """A customer and the UTC day of one of its events: the unit of the alert rates."""
    return event.customer_id, int(event.occurred_at.timestamp() // 86_400)


def read_episodes(lines: Iterable[bytes]) -> dict[str, Label]:
    """An episodes file (JSON Lines: event_id, episode, typology, subtle, and `unit`:
    false for fraud outside the unit recall counts): the labels of an outside data set,
    kept apart from its events."""
    labels: dict[str, Label] = {}
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = orjson.loads(line)
            labels[str(row["event_id"])] = Label(typology=row["typology"],
                                                 episode=row["episode"],
                                                 subtle=bool(row.get("subtle", False)),
                                                 unit=bool(row.get("unit", True)))
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"episodes line {n}: {exc}") from exc
    return labels


@dataclass
class Evaluation:
    labels: Mapping[str, Label] = field(default_factory=dict)  # from an episodes file
    episodes: dict[str, _Episode] = field(default_factory=dict)
    event_episode: dict[str, str] = field(default_factory=dict)
    active_days: set[tuple[str, int]] = field(default_factory=set)
    # fraud labelled outside the unit recall counts (Label.unit false)
    outside_unit: set[str] = field(default_factory=set)
    on_outside_unit: int = 0  # counted alerts on such fraud only: neither true nor false
    alerts_counted: int = 0
    true_alerts: int = 0
    claimed: Counter[str] = field(default_factory=Counter)
    claimed_true: Counter[str] = field(default_factory=Counter)
    false_by_trap: Counter[str] = field(default_factory=Counter)
    false_by_typology: Counter[str] = field(default_factory=Counter)
    by_tier: Counter[str] = field(default_factory=Counter)
    model_only_by_tier: Counter[str] = field(default_factory=Counter)

    def observe_events(self, events: list[Event]) -> None:
        active = self.active_days
        labels = self.labels
        for ev in events:
            active.add(customer_day(ev))
            label = ev.label or (labels.get(ev.event_id) if labels else None)
            if label is not None and not label.unit:
                self.outside_unit.add(ev.event_id)
            elif label is not None:
                self.event_episode[ev.event_id] = label.episode
                if label.episode not in self.episodes:
                    self.episodes[label.episode] = _Episode(label.typology, label.subtle)

    @property
    def labelled(self) -> bool:
        return bool(self.episodes)

    def observe_alert(self, alert: Alert, trap: str | None) -> None:
        self.by_tier[alert.tier] += 1
        if alert.typologies == ["MODEL"]:
            self.model_only_by_tier[alert.tier] += 1
        if alert.tier not in COUNTED:
            return
        hit = {self.event_episode[e] for e in alert.event_ids if e in self.event_episode}
        if not hit and any(e in self.outside_unit for e in alert.event_ids):
            self.on_outside_unit += 1  # on fraud, but none the recall counts
            return
        self.alerts_counted += 1
        claims = {c for c in alert.typologies if c != "MODEL"}
        if alert.model_typology and "MODEL" in alert.typologies:
            claims.add(alert.model_typology)
        for code in claims:
            self.claimed[code] += 1
        if hit:
            self.true_alerts += 1
            for code in claims:
                self.claimed_true[code] += 1
            for ep_id in hit:
                ep = self.episodes[ep_id]
                ep.detected = True
                ep.right_typology = ep.right_typology or ep.typology in claims
        else:
            self.false_by_trap[trap or "ordinary"] += 1
            for code in claims:
                self.false_by_typology[code] += 1

    def customer_days(self) -> int:
        return len(self.active_days)

    def budget(self, budget: AlertBudget) -> dict[str, Any]:
        """Alerts per 1,000 active customer-days by tier (and model-only, medium and
        above) against the configured budget; `over` names what exceeds it."""
        cdays = self.customer_days()
        rate: dict[str, float] = {
            t: round(1000.0 * self.by_tier[t] / cdays, 3) if cdays else 0.0 for t in TIERS}
        model_only = sum(self.model_only_by_tier[t] for t in COUNTED)
        rate["model_only"] = round(1000.0 * model_only / cdays, 3) if cdays else 0.0
        limits: dict[str, float] = {t: budget.for_tier(t) for t in TIERS}
        limits["model_only"] = budget.model_only
        return {"per_1000_customer_days": rate, "budget": limits,
                "over": sorted(k for k, v in rate.items() if v > limits[k]),
                "model_only_critical": self.model_only_by_tier["critical"]}

    def result(self) -> dict[str, Any]:
        eps = list(self.episodes.values())
        detected = [e for e in eps if e.detected]
        subtle = [e for e in eps if e.subtle]
        false_alerts = self.alerts_counted - self.true_alerts
        cdays = self.customer_days()
        per_typology: dict[str, dict[str, Any]] = {}
        for code in sorted({e.typology for e in eps} | set(self.claimed)):
            mine = [e for e in eps if e.typology == code]
            per_typology[code] = {
                "episodes": len(mine),
                "recall": _ratio(sum(e.detected for e in mine), len(mine)),
                "subtle_recall": _ratio(sum(e.detected for e in mine if e.subtle),
                                        sum(e.subtle for e in mine)),
                "alerts_naming_it": self.claimed[code],
                "precision": _ratio(self.claimed_true[code], self.claimed[code]),
            }
        return {
            "episodes": len(eps),
            "subtle_episodes": len(subtle),
            "recall": _ratio(len(detected), len(eps)),
            "subtle_recall": _ratio(sum(e.detected for e in subtle), len(subtle)),
            "plain_recall": _ratio(sum(e.detected for e in eps if not e.subtle),
                                   len(eps) - len(subtle)),
            "right_typology": _ratio(sum(e.right_typology for e in detected), len(detected)),
            "alerts_counted": self.alerts_counted,
            "precision": _ratio(self.true_alerts, self.alerts_counted),
            "false_alerts": false_alerts,
            "alerts_on_fraud_outside_unit": self.on_outside_unit,
            "active_customer_days": cdays,
            "false_alerts_per_1000_customer_days": round(1000.0 * false_alerts / cdays, 3)
            if cdays else None,
            "false_alerts_by_trap": dict(self.false_by_trap.most_common()),
            "false_alerts_by_typology": dict(self.false_by_typology.most_common()),
            "per_typology": per_typology,
        }


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None

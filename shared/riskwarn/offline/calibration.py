"""`riskwarn calibrate`: set the model's tier cut-offs from a book's own history.

The history is scored by the same core as everything else (profiles built event by event,
the committed model, no labels needed). Among the events no typology rule fires on — the
ones only the model could raise — the cut-offs are the model-risk quantiles that keep
model-only alerts within the alert budget per 1,000 active customer-days: `model_only` at
medium and above, a third of it at high, and the `low` budget at low and above (the split
the flood rail uses too, core/model_rail.py). Counting
events rather than de-duplicated alerts makes the budget hold with room to spare.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from riskwarn.core.config import ModelCutoffs, ScoringConfig
from riskwarn.core.drift import DriftBaseline, baseline_of
from riskwarn.core.features import Prepared
from riskwarn.core.model import Matrix, ModelPort
from riskwarn.core.model_rail import tier_allowances
from riskwarn.core.profile import CustomerProfile
from riskwarn.core.scoring import featurize_lines
from riskwarn.offline.evaluation import customer_day

BATCH = 5000
SAMPLE_EVERY = 4  # rows kept for the drift baseline (a quarter: deciles need no more)
FLOOR, CEILING = 0.02, 0.999999


@dataclass(frozen=True)
class Calibration:
    cutoffs: ModelCutoffs
    events: int
    customer_days: int
    unhit_events: int  # events no rule fired on: what the cut-offs were set from
    expected_per_1000: dict[str, float]  # model-only events per 1,000 customer-days
    drift: DriftBaseline  # the history's distribution of the model's inputs


def calibrate(lines: Iterable[bytes], cfg: ScoringConfig, model: ModelPort) -> Calibration:
    profiles: dict[str, CustomerProfile] = {}
    risks: list[Matrix] = []
    sample: list[Matrix] = []  # the model's inputs, every SAMPLE_EVERY-th event
    days: set[tuple[str, int]] = set()
    total = 0
    for feats, _ in featurize_lines(lines, profiles, Prepared.of(cfg), model.features, BATCH):
        total += len(feats.events)
        days.update(customer_day(ev) for ev in feats.events)
        sample.append(feats.matrix[::SAMPLE_EVERY])
        unhit = [i for i, hits in enumerate(feats.hits) if not hits]
        if unhit:
            risks.append(model.risk(feats.matrix[unhit]))
    if not days:
        raise ValueError("the history holds no events to calibrate on")
    risk = np.concatenate(risks) if risks else np.zeros(0, dtype=np.float32)
    budget = cfg.alert_budget
    per = len(days) / 1000.0

    ranked = np.sort(risk)[::-1]

    def cut(allowed_per_1000: float) -> float:
        """The lowest cut-off that at most `allowed` events reach (ties stay below it)."""
        allowed = int(allowed_per_1000 * per)
        if allowed >= len(ranked):
            return FLOOR
        above = np.nextafter(np.float32(ranked[allowed]), np.float32(1.0))
        return float(np.clip(above, FLOOR, CEILING))

    allowed = tier_allowances(budget)
    medium = cut(allowed["medium"])
    high = max(cut(allowed["high"]), medium + 1e-7)
    low = min(cut(allowed["low"]), medium - 1e-7)
    cutoffs = ModelCutoffs(low=max(low, FLOOR / 2), medium=medium, high=min(high, 0.9999995))
    expected = {name: round(float((risk >= c).sum()) / per, 3) for name, c in (
        ("low", cutoffs.low), ("medium", cutoffs.medium), ("high", cutoffs.high))}
    drift = baseline_of(np.concatenate(sample), model.features)
    return Calibration(cutoffs, total, len(days), len(risk), expected, drift)

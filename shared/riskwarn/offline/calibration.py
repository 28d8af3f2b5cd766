"""`riskwarn calibrate`: set the model's tier cut-offs, and the amount that is unusual for a
customer with little history, from a book's own history.

The history is scored by the same core as everything else (profiles built event by event,
the committed model, no labels needed). Among the events no typology rule fires on — the
ones only the model could raise — the cut-offs are the model-risk quantiles that keep
model-only alerts within the alert budget per 1,000 active customer-days: `model_only` at
medium and above, a third of it at high, and the `low` budget at low and above (the split
the flood rail uses too, core/model_rail.py). Medium and high are set on the events the
model alone may raise past low (`scoring.alone_passes_low`: a customer it has a baseline
for, no money coming in), per 1,000 of those customers' active days: at the start of a
history no customer has a baseline yet, and a book going live knows most of its
customers. Counting events rather than de-duplicated alerts makes the budget hold with
room to spare.

FRAUD-UNUSUAL-AMOUNT measures a payment against the customer's own amounts; a customer
with little history (fewer than `baseline_min_txns` transactions) has none, and is
measured against a fixed amount. What is large for a book's customers is the book's own (a
book of small businesses pays suppliers sums a retail book never sees), so the amount is
set so that such hits stay within the budget's `little_history` rate over the settled part
of the history: its first SETTLE_DAYS, when every customer has little history because the
history has only begun, are not counted. It moves between the shipped amount (or a lower
one in force) and LITTLE_CEILING times the shipped amount, never further: a book that needs
more is one for people to look at.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from riskwarn.core.config import ModelCutoffs, ScoringConfig, TypologyThresholds
from riskwarn.core.drift import DriftBaseline, baseline_of
from riskwarn.core.features import Prepared
from riskwarn.core.model import Matrix, ModelPort
from riskwarn.core.model_rail import tier_allowances
from riskwarn.core.profile import CustomerProfile
from riskwarn.core.scoring import alone_passes_low, featurize_lines, known
from riskwarn.offline.evaluation import customer_day

BATCH = 5000
SAMPLE_EVERY = 4  # rows kept for the drift baseline (a quarter: deciles need no more)
FLOOR, CEILING = 0.02, 0.999999
SETTLE_DAYS = 14  # the history's first days: every customer still has little history
LITTLE_CEILING = 4.0  # the amount rises to this many times the shipped one at most
SHIPPED_LITTLE = TypologyThresholds().unusual_little_history_amount


@dataclass(frozen=True)
class LittleHistory:
    """FRAUD-UNUSUAL-AMOUNT's amount for customers with little history."""

    amount: float
    customer_days: int  # the settled part of the history it was set on (0: too short)
    per_1000: float  # such hits per 1,000 of those customer-days at the lowest amount
    expected_per_1000: float  # and at `amount`


@dataclass(frozen=True)
class Calibration:
    cutoffs: ModelCutoffs
    events: int
    customer_days: int
    unhit_events: int  # events no rule fired on: what the cut-offs were set from
    # model-only events per 1,000 customer-days (medium, high: of customers it knows)
    expected_per_1000: dict[str, float]
    drift: DriftBaseline  # the history's distribution of the model's inputs
    little: LittleHistory

    def applied(self, cfg: ScoringConfig) -> ScoringConfig:
        """`cfg` with the calibrated cut-offs, drift baseline and little-history amount."""
        return cfg.model_copy(update={"model_cutoffs": self.cutoffs,
                                      "drift_baseline": self.drift,
                                      "thresholds": cfg.thresholds.model_copy(
                                          update=self.typology_values())})

    def typology_values(self) -> dict[str, float]:
        """The typology thresholds calibration sets: the little-history amount."""
        return {"unusual_little_history_amount": self.little.amount}


def calibrate(lines: Iterable[bytes], cfg: ScoringConfig, model: ModelPort) -> Calibration:
    profiles: dict[str, CustomerProfile] = {}
    risks: list[Matrix] = []
    alone: list[bool] = []  # per unhit event: whether the model alone may raise it past low
    sample: list[Matrix] = []  # the model's inputs, every SAMPLE_EVERY-th event
    days: set[tuple[str, int]] = set()
    known_days: set[tuple[str, int]] = set()  # of customers the model has a baseline for
    # the little-history hits (day, amount), counted from the lowest amount it may be set to
    lowest = min(cfg.thresholds.unusual_little_history_amount, SHIPPED_LITTLE)
    scoring = cfg.model_copy(update={"thresholds": cfg.thresholds.model_copy(
        update={"unusual_little_history_amount": lowest})})
    little_hits: list[tuple[int, float]] = []
    total = 0
    for feats, _ in featurize_lines(lines, profiles, Prepared.of(scoring), model.features,
                                    BATCH):
        total += len(feats.events)
        days.update(customer_day(ev) for ev in feats.events)
        known_days.update(customer_day(ev) for ev, row in zip(feats.events, feats.rows,
                                                               strict=True) if known(row, cfg))
        sample.append(feats.matrix[::SAMPLE_EVERY])
        unhit = [i for i, hits in enumerate(feats.hits) if not hits]
        if unhit:
            risks.append(model.risk(feats.matrix[unhit]))
            alone.extend(alone_passes_low(feats.rows[i], cfg) for i in unhit)
        little_hits.extend((customer_day(feats.events[i])[1], feats.rows[i]["amount"])
                          for i, hits in enumerate(feats.hits)
                          if any(h.little_history for h in hits))
    if not days:
        raise ValueError("the history holds no events to calibrate on")
    risk = np.concatenate(risks) if risks else np.zeros(0, dtype=np.float32)
    budget = cfg.alert_budget
    per = len(days) / 1000.0

    # medium and high from the events the model alone may raise past low (a customer it
    # knows, no money coming in), per 1,000 of those customers' active days (at the start of
    # a history no customer is known yet: a book going live knows most); low from all
    raising = risk[np.asarray(alone, dtype=bool)] if alone else risk
    per_known = len(known_days) / 1000.0

    def cut(among: Matrix, allowed_per_1000: float, over: float) -> float:
        """The lowest cut-off that at most `allowed` events reach (ties stay below it)."""
        ranked = np.sort(among)[::-1]
        allowed = int(allowed_per_1000 * over)
        if allowed >= len(ranked):
            return FLOOR
        above = np.nextafter(np.float32(ranked[allowed]), np.float32(1.0))
        return float(np.clip(above, FLOOR, CEILING))

    allowed = tier_allowances(budget)
    medium = cut(raising, allowed["medium"], per_known)
    high = max(cut(raising, allowed["high"], per_known), medium + 1e-7)
    low = min(cut(risk, allowed["low"], per), medium - 1e-7)
    cutoffs = ModelCutoffs(low=max(low, FLOOR / 2), medium=medium, high=min(high, 0.9999995))
    expected = {name: round(float((among >= c).sum()) / max(over, 1e-3), 3)
                for name, among, c, over in (
                    ("low", risk, cutoffs.low, per), ("medium", raising, cutoffs.medium, per_known),
                    ("high", raising, cutoffs.high, per_known))}
    drift = baseline_of(np.concatenate(sample), model.features)
    little = _little_history(little_hits, days, lowest, cfg.alert_budget.little_history)
    return Calibration(cutoffs, total, len(days), len(risk), expected, drift, little)


def _little_history(hits: list[tuple[int, float]], days: set[tuple[str, int]],
                  lowest: float, allowed_per_1000: float) -> LittleHistory:
    """The lowest amount at which the settled history's little-history hits stay within
    `allowed_per_1000` customer-days, between `lowest` and the ceiling. The book starts on
    the first day with a tenth of its busiest day's customers (a dormant account's event
    months before is not the start of the book)."""
    per_day = Counter(day for _, day in days)
    busiest = max(per_day.values())
    start = min(d for d, n in per_day.items() if n * 10 >= busiest)
    settled = start + SETTLE_DAYS
    cdays = sum(n for d, n in per_day.items() if d >= settled)
    if not cdays:
        return LittleHistory(lowest, 0, 0.0, 0.0)
    amounts = sorted((a for d, a in hits if d >= settled), reverse=True)
    allowed = int(allowed_per_1000 * cdays / 1000.0)
    amount = lowest
    if allowed < len(amounts):
        amount = min(max(float(np.nextafter(amounts[allowed], np.inf)), lowest),
                     LITTLE_CEILING * SHIPPED_LITTLE)
    kept = sum(1 for a in amounts if a >= amount)
    return LittleHistory(amount, cdays, round(1000.0 * len(amounts) / cdays, 3),
                       round(1000.0 * kept / cdays, 3))

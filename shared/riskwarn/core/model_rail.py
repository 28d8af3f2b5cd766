"""The flood rail: what the model alone may raise, held to the book it is scoring.

A model meeting a book it never saw can score that book's ordinary customers as risky all
day long (a population whose customers routinely send large sums to new payees looks like
one long rapid-movement episode to a model trained elsewhere). Calibration fixes that
once somebody runs it; the rail keeps an uncalibrated book out of a flood until then.

It watches the model's risk on the events no typology rule fired on — the only ones the
model alone could raise — as the highest risk per customer per UTC day, over the active
customer-days of the book (a decayed window, `half_life_days`). When the model alone would
raise more than `factor` × the alert budget's model-only rate, the model's cut-offs rise
to the risk that keeps it there; they never go below the cut-offs in force (shipped or
calibrated) and never move before `min_customer_days` have been seen. The same Scorer, and
so the same rail, runs in the stream, the backtest and the benchmarks.

Each scoring process keeps its own watch (a Lambda instance sees its shard's customers,
a random share of the book): a fresh instance scores with the cut-offs in force until its
watch has seen `min_customer_days`.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from riskwarn.core.config import AlertBudget, ModelCutoffs, ModelRail

# Bins on the log-odds of the model's risk: fine where cut-offs live (p near 1 is
# logit 7–14), and a risk of exactly 0 or 1 still falls in a bin.
_LOGIT_LO, _LOGIT_HI, _BINS = -14.0, 14.0, 1400
_EDGES_LOGIT = np.linspace(_LOGIT_LO, _LOGIT_HI, _BINS + 1)
_EDGES_P = 1.0 / (1.0 + np.exp(-_EDGES_LOGIT))  # the risk at each bin's lower edge
DAY_S = 86_400.0


def tier_allowances(budget: AlertBudget, factor: float = 1.0) -> dict[str, float]:
    """Model-only events per 1,000 customer-days the budget allows at each cut-off:
    `model_only` at medium and above, a third of it at high, the low tier's budget at low.
    Calibration sets the cut-offs at these rates; the rail at `factor` times them."""
    return {"low": budget.low * factor, "medium": budget.model_only * factor,
            "high": budget.model_only / 3.0 * factor}


def _bin(risk: npt.NDArray[np.float64]) -> npt.NDArray[np.intp]:
    clipped = np.clip(risk, 1e-12, 1.0 - 1e-12)
    logit = np.log(clipped / (1.0 - clipped))
    return np.clip(((logit - _LOGIT_LO) / (_LOGIT_HI - _LOGIT_LO) * _BINS).astype(np.intp),
                   0, _BINS - 1)


class ModelWatch:
    """The book's customer-days and, per customer-day, the model's highest risk on events
    no rule fired on (a histogram), both decayed by event time."""

    def __init__(self, rail: ModelRail) -> None:
        self.rail = rail
        self.counts = np.zeros(_BINS, dtype=np.float64)
        self.customer_days = 0.0
        self.day = -1  # the latest UTC day seen; older evidence decays from it

    def observe(self, days: list[int], opened: list[bool], risk: list[float],
                previous: list[float]) -> None:
        """One batch: per event its UTC day, whether it opened a customer-day, the model's
        risk if no rule fired on it (else -1), and the customer-day's highest such risk
        before it (-1 if none): a risk above that moves the customer-day up a bin."""
        if not days:
            return
        latest = max(days)
        if latest > self.day:
            if self.day >= 0:
                keep = 0.5 ** ((latest - self.day) / self.rail.half_life_days)
                self.counts *= keep
                self.customer_days *= keep
            self.day = latest
        self.customer_days += sum(opened)
        r = np.asarray(risk, dtype=np.float64)
        was = np.asarray(previous, dtype=np.float64)
        rises = r > was
        if rises.any():
            np.add.at(self.counts, _bin(r[rises]), 1.0)
            gone = rises & (was >= 0)
            if gone.any():
                np.subtract.at(self.counts, _bin(was[gone]), 1.0)
                np.maximum(self.counts, 0.0, out=self.counts)

    def cutoffs(self, floor: ModelCutoffs, budget: AlertBudget) -> ModelCutoffs:
        """The model's cut-offs for the next batch: those in force, raised where the book's
        model-only rate would pass the rail's ceiling."""
        if self.customer_days < self.rail.min_customer_days:
            return floor
        allowed = tier_allowances(budget, self.rail.factor)
        above = np.cumsum(self.counts[::-1])[::-1]  # customer-days at or above each bin
        per = self.customer_days / 1000.0
        raised = {}
        for tier in ("low", "medium", "high"):
            limit = allowed[tier] * per
            over = np.flatnonzero(above > limit)
            # the lowest bin edge above which the book stays within the ceiling
            edge = float(_EDGES_P[over[-1] + 1]) if len(over) else 0.0
            raised[tier] = max(float(getattr(floor, tier)), edge)
        low, medium, high = raised["low"], raised["medium"], raised["high"]
        high = min(max(high, math.nextafter(medium, 1.0)), 1.0 - 1e-9)
        medium = min(medium, math.nextafter(high, 0.0))
        low = min(low, math.nextafter(medium, 0.0))
        return ModelCutoffs(low=low, medium=medium, high=high)

"""The flood rail for rules: what one fraud typology may raise alone, held to the book.

The unusual-amount and velocity rules measure an event against the customer's own history.
A book whose ordinary customers routinely pay tens of times their usual amount (brokerage
clients depositing, small traders paying a supplier, a population of savers who move money
in lumps) sets them off all day long: each hit a medium alert nobody can work, and the
alerts that matter drown among them. The model rail (core/model_rail.py) keeps what the
model alone raises within the alert budget; this rail does the same for a rule alone.

It watches, per watched typology, the events on which that typology alone would raise an
alert at medium or above — no other typology on the event, no confirmed case near it, the
model under medium — with how far past the rule's own bar each one is (its margin: the
amount against the customer's median, over the rule's multiple; 1 is at the bar). Over the
book's active customer-days (decayed, `half_life_days`), when they pass `factor` × the
budget's medium rate per 1,000 customer-days, the typology's bar rises to the margin that
keeps it alone at that rate: weaker hits are held at low (kept on the alert list, nobody
told; their reason says why), the strongest still stand. Never before `min_customer_days`.

A hit is corroborated, and never held, when another typology fires on the same event or
the model scores the event at medium or above: the rail trims a flood of one rule's
uncorroborated opinions, not evidence. Regulatory typologies are never watched (config
refuses them). The watch counts what the rule alone would raise, not what the rail let
stand, so its bar does not chase itself. Each scoring process keeps its own watch, as for
the model rail.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence

import numpy as np
import numpy.typing as npt

from riskwarn.core.config import AlertBudget, RuleRail
from riskwarn.core.hits import Hit
from riskwarn.core.model_rail import DecayedBook

# Bins on the log of the margin: 1x to 1,000x past the bar.
_TOP = math.log(1000.0)
_BINS = 350
_EDGES = np.exp(np.linspace(0.0, _TOP, _BINS + 1))  # the margin at each bin's lower edge


def margin(found: Hit) -> float:
    """How far past its rule's bar a hit is; a rule that does not say is at the bar."""
    return max(found.margin, 1.0)


def alone(hits: Sequence[Hit], model_score: int, medium: int,
          watched: Collection[str]) -> Hit | None:
    """The event's one watched typology when nothing corroborates it (its strongest hit),
    else None."""
    if model_score >= medium or not hits:
        return None
    code = hits[0].code
    if code not in watched or any(h.code != code or h.boost for h in hits):
        return None
    return max(hits, key=margin)


class RuleWatch(DecayedBook):
    """Per watched typology, the margins of the events it alone would raise at medium or
    above (a histogram each), over the book's decayed active customer-days."""

    def __init__(self, rail: RuleRail) -> None:
        super().__init__()
        self.rail = rail
        self.counts: dict[str, npt.NDArray[np.float64]] = {}

    def observe(self, days: list[int], opened: list[bool],
                alone_hits: Sequence[tuple[str, float]]) -> None:
        """One batch: per event its UTC day and whether it opened a customer-day; the
        typology and margin of each event a watched typology alone would raise."""
        if not days:
            return
        keep = self._advance(days, opened, self.rail.half_life_days)
        if keep != 1.0:
            for counts in self.counts.values():
                counts *= keep
        for code, m in alone_hits:
            counts = self.counts.setdefault(code, np.zeros(_BINS, dtype=np.float64))
            counts[_bin(m)] += 1.0

    def rate(self, code: str) -> float:
        """Events the typology alone would raise, per 1,000 active customer-days."""
        counts = self.counts.get(code)
        if counts is None or not self.customer_days:
            return 0.0
        return 1000.0 * float(counts.sum()) / self.customer_days

    def ceiling(self, budget: AlertBudget) -> float:
        """What one typology alone may raise per 1,000 active customer-days."""
        return self.rail.factor * budget.medium

    def bars(self, budget: AlertBudget) -> dict[str, float]:
        """Per typology over its ceiling, the margin a hit needs to stand alone (typologies
        within it are absent: all their hits stand)."""
        if self.customer_days < self.rail.min_customer_days:
            return {}
        limit = self.ceiling(budget) * self.customer_days / 1000.0
        out: dict[str, float] = {}
        for code, counts in self.counts.items():
            above = np.cumsum(counts[::-1])[::-1]  # events at or above each bin
            over = np.flatnonzero(above > limit)
            if len(over):
                out[code] = float(_EDGES[over[-1] + 1])
        return out

    def why(self, code: str, found: Hit, bar: float, budget: AlertBudget) -> str:
        """The reason a held hit carries."""
        return (f" (held at low by the flood rail: {code} alone would raise "
                f"{self.rate(code):.1f} alerts per 1,000 customer-days on this book, over "
                f"the {self.ceiling(budget):.1f} the alert budget allows it; alone it stands "
                f"from {bar:.1f}x its bar, and this is {margin(found):.1f}x)")


def _bin(m: float) -> int:
    return min(max(int(math.log(max(m, 1.0)) / _TOP * _BINS), 0), _BINS - 1)

"""The scoring core: events → features → typology rules + one ONNX call → score, tier,
category, reasons. Pure (profiles and the model are passed in); the Lambda, backtest,
training and the benchmarks all go through `featurize` and `Scorer`.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np

from riskwarn.config import ScoringConfig, Tier
from riskwarn.events import Event, in_customer_order
from riskwarn.features import N_FEATURES, Prepared, observe
from riskwarn.model import Matrix, ModelPort
from riskwarn.profile import CustomerProfile
from riskwarn.typologies import CATEGORY, Hit, evaluate

Profiles = MutableMapping[str, CustomerProfile]


@dataclass(slots=True)
class Featurized:
    events: list[Event]  # in the order they were applied (per customer, by occurred_at)
    matrix: Matrix
    hits: list[list[Hit]]
    duplicates: list[Event]  # already applied to their profile earlier: skipped


def featurize(events: Sequence[Event], profiles: Profiles, prep: Prepared) -> Featurized:
    """Apply each event to its customer's profile in time order; one feature row and the
    typology hits per event. An event the profile has applied already (a redelivery) is
    skipped, so it never counts twice in a window."""
    ordered: list[Event] = []
    duplicates: list[Event] = []
    rows: list[list[float]] = []
    hits: list[list[Hit]] = []
    for event in in_customer_order(events):
        prof = profiles.get(event.customer_id)
        if prof is None:
            prof = profiles[event.customer_id] = CustomerProfile(event.customer_id)
        if not prof.remember(event.event_id):
            duplicates.append(event)
            continue
        ordered.append(event)
        row = observe(prof, event, prep)
        rows.append(row)
        hits.append(evaluate(row, event, prof, prep))
    matrix = np.fromiter(chain.from_iterable(rows), dtype=np.float32,
                         count=len(rows) * N_FEATURES).reshape(len(rows), N_FEATURES)
    return Featurized(ordered, matrix, hits, duplicates)


@dataclass(slots=True)
class Scored:
    """An event whose score reached a tier: the makings of an alert."""

    event: Event
    score: int
    tier: Tier
    risk_category: str
    typologies: list[str]
    reasons: list[str]
    evidence: list[str]
    model_score: int
    model_typology: str | None


@dataclass(slots=True)
class ScoreRun:
    scored: list[Scored]  # events that reached a tier
    applied: int  # events applied to their profiles
    duplicates: int  # events their profiles had applied already (skipped)
    changed: set[str]  # customers whose profile took at least one event


class Scorer:
    def __init__(self, cfg: ScoringConfig, model: ModelPort | None) -> None:
        if cfg.use_model and model is None:
            raise ValueError("use_model is on but no model was given")
        self.cfg = cfg
        self.prep = Prepared.of(cfg)
        self.model = model if cfg.use_model else None

    def score(self, events: Sequence[Event], profiles: Profiles) -> list[Scored]:
        """Score a batch; returns only the events that reach a tier (low and above)."""
        return self.run(events, profiles).scored

    def run(self, events: Sequence[Event], profiles: Profiles) -> ScoreRun:
        """Score a batch and say what happened to every event (applied or a duplicate)."""
        feats = featurize(events, profiles, self.prep)
        return ScoreRun(self._score(feats), len(feats.events), len(feats.duplicates),
                        {e.customer_id for e in feats.events})

    def _score(self, feats: Featurized) -> list[Scored]:
        cfg = self.cfg
        low = cfg.tiers.low
        if self.model is not None:
            risk = np.rint(1000.0 * self.model.risk(feats.matrix)).astype(np.int32).tolist()
        else:
            risk = [0] * len(feats.events)
        out: list[Scored] = []
        model_rows: list[int] = []
        for i, hits in enumerate(feats.hits):
            model_score = risk[i]
            if not hits and model_score < low:
                continue
            scored = self._combine(feats.events[i], hits, model_score)
            if scored is not None:
                out.append(scored)
                if "MODEL" in scored.typologies:
                    model_rows.append(i)
        if model_rows and self.model is not None:
            self._add_model_findings(out, feats.matrix[model_rows])
        return out

    def _combine(self, event: Event, hits: list[Hit], model_score: int) -> Scored | None:
        cfg = self.cfg
        tiers = cfg.tiers
        ranked: list[tuple[int, Hit]] = []
        reasons: list[str] = []
        for hit in hits:
            s = hit.score
            if hit.tempered and model_score < cfg.temper_below and s >= tiers.medium:
                s = tiers.medium - 1
            ranked.append((s, hit))
        ranked.sort(key=lambda p: -p[0])
        rule_score = ranked[0][0] if ranked else 0
        score = max(rule_score, model_score)
        # Each further typology (not held back by the model) and a model that agrees add
        # weight; typologies the model held at low add none.
        standing = {h.code for s, h in ranked if s >= h.score or not h.tempered}
        if len(standing) > 1:
            score += cfg.extra_typology_bonus * (len(standing) - 1)
        if standing and model_score >= tiers.medium:
            score += cfg.extra_typology_bonus
        score = min(score, 1000)
        if not ranked and not cfg.model_alone_critical:
            # the model alone never triggers the automatic restriction that critical
            # brings: a person reviews first (high)
            score = min(score, tiers.critical - 1)
        tier = tiers.tier_for(score)
        if tier is None:
            return None
        typologies: list[str] = []
        evidence: list[str] = []
        for s, hit in ranked:
            if hit.code not in typologies:
                typologies.append(hit.code)
            held = " (held at low: the model sees this as usual for the customer)" if (
                s < hit.score and hit.tempered) else ""
            reasons.append(hit.reason + held)
            evidence.extend(e for e in hit.evidence if e not in evidence)
        if event.event_id not in evidence:
            evidence.append(event.event_id)
        if self.model is not None and model_score >= tiers.low:
            typologies.append("MODEL")
        # a model-driven alert takes its category from the model's typology (filled in by
        # _add_model_findings); otherwise the strongest rule's
        category = ranked[0][1].category if ranked and rule_score >= model_score else ""
        return Scored(event, score, tier, category, typologies, reasons, evidence, model_score,
                      None)

    def _add_model_findings(self, out: list[Scored], rows: Matrix) -> None:
        """The typology model and the explanations, for alert rows only: two ONNX calls."""
        assert self.model is not None
        names = self.model.typologies(rows)
        explained = self.model.explain(rows)
        with_model = [s for s in out if "MODEL" in s.typologies]
        for scored, name, why in zip(with_model, names, explained, strict=True):
            scored.model_typology = name
            if not scored.risk_category:
                scored.risk_category = CATEGORY[name]
            lead = f"model risk {scored.model_score}: most like {name}"
            scored.reasons.append(lead + (": " + "; ".join(why) if why else ""))

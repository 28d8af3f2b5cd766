"""The scoring core: events → features → typology rules + one ONNX call → score, tier,
category, reasons. Pure (profiles and the model are passed in); the Lambda, backtest,
training and the benchmarks all go through `featurize` and `Scorer`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from riskwarn.core import late_receipts
from riskwarn.core.config import TIERS, ModelCutoffs, ScoringConfig, Tier
from riskwarn.core.events import Event, Transaction
from riskwarn.core.feature_row import FeatureRow
from riskwarn.core.features import Prepared
from riskwarn.core.featurize import (  # featurize_lines: offline callers take it from here
    Featurized,
    Profiles,
    featurize,
    featurize_lines,
)
from riskwarn.core.model import Matrix, ModelPort
from riskwarn.core.model_rail import DAY_S, ModelWatch
from riskwarn.core.network import Edge, Finding, NetworkPort, link
from riskwarn.core.standing import hold_own_trade, hold_unusual, own_trade
from riskwarn.core.typologies import CATEGORY, Hit

__all__ = [
    "Featurized",
    "Profiles",
    "ScoreRun",
    "Scored",
    "Scorer",
    "featurize",
    "featurize_lines",
]


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
    # the typologies a confident model lowered here, and the score without that lowering:
    # the same typology lowered again while its alert is open stands at this score instead
    # (cases.alerts.merge: once may be usual, twice within the window is not)
    lowered: tuple[str, ...] = ()
    unlowered: int = 0
    unlowered_tier: Tier | None = None
    # money between accounts behind a chain or a link (from, to, amount, epoch s)
    network: tuple[Edge, ...] = ()
    # of the lowered typologies, those the rules themselves found familiar to the customer
    # (a rapid movement from and to parties it deals with): repeating is its routine, so a
    # repeat does not stand at the unlowered score
    routine: tuple[str, ...] = ()

    @property
    def held(self) -> list[str]:
        """The lowered typologies that are not the customer's routine: the holds an alert
        allows once (cases.alerts.merge)."""
        return [c for c in self.lowered if c not in self.routine]


@dataclass(slots=True)
class ScoreRun:
    scored: list[Scored]  # events that reached a tier
    applied: int  # events applied to their profiles
    duplicates: int  # events their profiles had applied already (skipped)
    conflicts: list[Event]  # another event under an id already applied: to quarantine
    changed: set[str]  # customers whose profile took at least one event
    matrix: Matrix  # the model's inputs of the applied events (drift is measured on it)
    # customers that began to keep a receipt for its payer's hop (core/late_receipts.py):
    # the stream asks their shard to look again in a moment
    waiting: set[str] = field(default_factory=set)


def known(row: FeatureRow, cfg: ScoringConfig) -> bool:
    """A customer the model has a baseline for: it may call an event usual for it."""
    return row["customer_txns"] >= cfg.thresholds.baseline_min_txns


def money_in(row: FeatureRow) -> bool:
    """A credit: a transfer or cash paid in, a refund to the card. It harms nobody by
    itself; its risks are in the flow, which the typology rules read (a mule's many payers,
    money passed on, structuring, large cash, the purchase-refund cycle)."""
    return row["is_debit"] == 0 and bool(row["is_transfer"] or row["is_cash"]
                                         or row["is_card"])


def alone_passes_low(row: FeatureRow, cfg: ScoringConfig) -> bool:
    """Whether the model alone may raise the event above low: a customer it knows, and no
    money coming in. Calibration sets the medium and high cut-offs on these events only."""
    return known(row, cfg) and not money_in(row)


class Scorer:
    def __init__(self, cfg: ScoringConfig, model: ModelPort | None,
                 watch: ModelWatch | None = None, network: NetworkPort | None = None) -> None:
        """`watch`: the flood rail's view of the book so far, handed on when the config
        changes (a new Scorer for new thresholds keeps what the old one learnt).
        `network`: the counterparty graph's state (core/network.py); without it, or with
        `network_typologies` off, no chain across customers is looked for."""
        if cfg.use_model and model is None:
            raise ValueError("use_model is on but no model was given")
        self.cfg = cfg
        self.prep = Prepared.of(cfg)
        self.model = model if cfg.use_model else None
        self.inputs: tuple[str, ...] = tuple(self.model.features) if self.model else ()
        tiers = cfg.tiers
        # the model's own ceiling: the top of the highest tier it may reach alone
        above = TIERS[TIERS.index(cfg.model_alone_max_tier) + 1]
        self.model_cap = int(getattr(tiers, above)) - 1
        self.watch = watch or ModelWatch(cfg.model_rail)
        self.watch.rail = cfg.model_rail
        self._use_cutoffs(cfg.model_cutoffs)
        self.regulatory = frozenset(cfg.regulatory_typologies)
        self.network_port = network  # kept for the next config, whatever this one says

    @property
    def network(self) -> NetworkPort | None:
        """The graph this config looks for chains in (none with network typologies off)."""
        return self.network_port if self.cfg.network_typologies else None

    def _use_cutoffs(self, cut: ModelCutoffs) -> None:
        tiers = self.cfg.tiers
        self.cutoffs = cut  # in force: the config's, or raised by the rail
        # compared as float32, as the model's risk is: P = the cut-off reaches its tier
        self._cut_x = [float(np.float32(x)) for x in (0.0, cut.low, cut.medium, cut.high, 1.0)]
        self._cut_y = [0.0, tiers.low, tiers.medium, tiers.high, float(self.model_cap)]

    def score(self, events: Sequence[Event], profiles: Profiles) -> list[Scored]:
        """Score a batch; returns only the events that reach a tier (low and above)."""
        return self.run(events, profiles).scored

    def run(self, events: Sequence[Event], profiles: Profiles,
            recheck: Collection[str] = ()) -> ScoreRun:
        """Score a batch and say what happened to every event (applied or a duplicate).
        `recheck`: customers (their profiles loaded) whose waiting receipts to look at
        again although no event of theirs is in the batch."""
        feats = featurize(events, profiles, self.prep, self.inputs)
        waiting: set[str] = set()
        # receipts start waiting on the batch's customers and are raised late on them or on
        # `recheck`'s: those two sets hold every profile the batch may have changed
        changed = {e.customer_id for e in feats.events} | set(recheck)
        late = self._link(feats, profiles, changed, waiting) if self.network else []
        return ScoreRun(self._score(feats, profiles) + late, len(feats.events),
                        len(feats.duplicates), feats.conflicts, changed, feats.matrix,
                        waiting)

    def _score(self, feats: Featurized, profiles: Profiles) -> list[Scored]:
        cfg = self.cfg
        low = cfg.tiers.low
        if self.model is not None:
            p = self.model.risk(feats.matrix)
            if cfg.model_rail.enabled:
                cut = self.watch.cutoffs(cfg.model_cutoffs, cfg.alert_budget)
                if cut != self.cutoffs:
                    self._use_cutoffs(cut)
                self._watch(feats, profiles, p)
            risk = self.model_scores(p).tolist()
            # "usual for the customer" needs a customer to compare with: without a baseline
            # (too little history) the model may not lower a rule hit
            knows = [known(row, cfg) for row in feats.rows]
            calm = [c and k for c, k in zip((p < cfg.temper_below).tolist(), knows,
                                            strict=True)]
            support = (p >= cfg.support_at).tolist()
            # the model alone reaches low at most on money coming in (alone_passes_low)
            based = [k and not money_in(row) for k, row in zip(knows, feats.rows, strict=True)]
        else:
            risk = [0] * len(feats.events)
            calm = based = support = [False] * len(feats.events)
        out: list[Scored] = []
        model_rows: list[int] = []
        for i, hits in enumerate(feats.hits):
            model_score = risk[i]
            if not hits and model_score < low:
                continue
            scored = self._combine(feats.events[i], hits, model_score, calm[i], based[i],
                                   supported=support[i])
            if scored is not None and scored.lowered:
                firm = self._combine(feats.events[i], hits, model_score, False, based[i],
                                     temper=False)
                if firm is not None:
                    scored.unlowered, scored.unlowered_tier = firm.score, firm.tier
            if scored is not None:
                out.append(scored)
                if "MODEL" in scored.typologies:
                    model_rows.append(i)
        if model_rows and self.model is not None:
            self._add_model_findings(out, feats.matrix[model_rows])
        return out

    def _link(self, feats: Featurized, profiles: Profiles, customers: Collection[str],
              waiting: set[str]) -> list[Scored]:
        """Chains across customers and links to confirmed cases (the counterparty graph)
        join the events' rule hits. Receipts kept waiting for their payer's hop are looked
        at again (`customers`: the batch's and the recheck's): those a hop now explains come
        back scored on their credit; credits no hop explained start waiting (their
        customers are added to `waiting`, with the customers that waited on a payer whose
        hop this batch wrote: both get a recheck record)."""
        assert self.network is not None
        # the accounts passing money on or paying large sums: their own standing may show
        # that is their trade
        passing = {i: ev.account_id
                   for i, (ev, hits) in enumerate(zip(feats.events, feats.hits, strict=True))
                   if isinstance(ev, Transaction) and any(own_trade(h, ev.event_id) for h in hits)}
        linked = link(feats.events, feats.passages, self.network, self.prep,
                      also=late_receipts.payers(profiles, customers), own=set(passing.values()))
        for f in linked.findings:
            feats.hits[f.index].append(self._hit(f))
        marked = {a for a, flows in linked.state.items() if flows.marks}
        # an unusual amount paid to a counterparty the book trades with
        for i, found in linked.standing.items():
            if feats.hits[i]:
                feats.hits[i] = hold_unusual(feats.events[i], feats.hits[i], found, marked,
                                             self.prep)
        for i, account in passing.items():  # what an account whose trade it is does
            feats.hits[i] = hold_own_trade(feats.events[i], feats.hits[i],
                                           linked.accounts.get(account), marked, self.prep)
        late = [self._combine(credit, [self._hit(f)], 0, False)
                for credit, f in late_receipts.recheck(profiles, customers, linked.state,
                                                       self.prep, linked.accounts)]
        payers: dict[str, set[str]] = {}  # payer account -> customers now waiting on it
        for i in linked.unmatched:
            ev = feats.events[i]
            assert isinstance(ev, Transaction)
            prof = profiles[ev.customer_id]
            # a payer the customer knows (its employer) is no pass-through's; but on the
            # customer's first event the profile knows no payer at all (features only mark
            # a new counterparty from the second event on), and a new account's first
            # credit is the mule's: it waits too
            if (not feats.rows[i]["counterparty_new"]
                    and ev.occurred_at.timestamp() != prof.first_seen):
                continue
            if late_receipts.keep(prof, ev, feats.rows[i]["amount"], self.prep):
                waiting.add(ev.customer_id)
                payers.setdefault(str(ev.counterparty_id), set()).add(ev.customer_id)
        # the payers learn who waits on them (after the read that found no hop): a hop
        # written since names them to its own batch, whose recheck records then come
        if payers:
            self.network.wait(payers, max(e.occurred_at.timestamp() for e in feats.events))
        waiting |= linked.waiters
        return [s for s in late if s is not None]

    def _hit(self, f: Finding) -> Hit:
        severity = self.cfg.severity[f.code]
        score = severity.score if f.score is None else min(f.score, severity.score)
        return Hit(f.code, score, f.reason, f.evidence, False, f.boost, f.edges)

    def _watch(self, feats: Featurized, profiles: Profiles, p: Matrix) -> None:
        """Show the flood rail this batch: per event, its customer-day and the model's risk
        where no rule fired (what the model alone could raise)."""
        days: list[int] = []
        opened: list[bool] = []
        risk: list[float] = []
        previous: list[float] = []
        for event, hits, r in zip(feats.events, feats.hits, p.tolist(), strict=True):
            day = int(event.occurred_at.timestamp() // DAY_S)
            seen = profiles[event.customer_id].model_day
            is_new = seen[0] != day
            if is_new:
                seen[0], seen[1] = day, -1.0
            days.append(day)
            opened.append(is_new)
            previous.append(seen[1])
            r = -1.0 if hits else r
            risk.append(r)
            if r > seen[1]:
                seen[1] = r
        self.watch.observe(days, opened, risk, previous)

    def model_scores(self, risk: Matrix) -> npt.NDArray[np.int32]:
        """P(episode) → the model's score on the 0–1000 scale through the book's cut-offs
        (interpolated between them), never above the model's own ceiling."""
        # floor, not round: a risk just under a cut-off stays under its tier
        return np.floor(np.interp(risk, self._cut_x, self._cut_y)).astype(np.int32)

    def _lowered(self, hit: Hit, score: int) -> int:
        """A confident model lowers a tempered hit by one tier at most: to the top of the
        tier below; a regulatory typology never below medium."""
        if hit.code in self.regulatory and self.cfg.tiers.tier_for(score) == "medium":
            return score
        return self._lowered_tier(score)

    def _lowered_tier(self, score: int) -> int:
        """The top of the tier below `score`'s (a score in the lowest tier stays)."""
        tiers = self.cfg.tiers
        tier = tiers.tier_for(score)
        if tier is None or tier == "low":
            return score
        return int(getattr(tiers, tier)) - 1

    def _rule_side(self, ranked: list[tuple[int, Hit]], model_score: int) -> int:
        """The rules' score of an event from its hits (strongest first, as they stand):
        each further typology the model did not hold back, and a model that agrees, add
        weight; typologies the model lowered add none."""
        cfg = self.cfg
        rule_side = ranked[0][0] if ranked else 0
        codes = {h.code for _, h in ranked}
        standing = {h.code for s, h in ranked
                    if (s >= h.score or not h.tempered) and h.restates not in codes}
        # what the customer's own book explains (flows the rules found familiar) counts once:
        # a familiar rapid movement and a burst to the customer's usual payees are one habit
        familiar = {h.code for _, h in ranked if h.familiar} & standing
        findings = len(standing) - max(0, len(familiar) - 1)
        if findings > 1:
            rule_side += cfg.extra_typology_bonus * (findings - 1)
        if standing and model_score >= cfg.tiers.medium:
            rule_side += cfg.extra_typology_bonus
        # a confirmed case nearby (NETWORK-LINKED) raises the event's other hits
        boost = max((h.boost for _, h in ranked), default=0)
        others = [s for s, h in ranked if not h.boost]
        if boost and others:
            rule_side = max(rule_side, others[0] + boost)
        return rule_side

    def _combine(self, event: Event, hits: list[Hit], model_score: int, calm: bool,
                 based: bool = True, temper: bool = True, supported: bool = True
                 ) -> Scored | None:
        """The event's score, tier and reasons from its rule hits and the model's score;
        `temper=False`: the rules' own standing, before any lowering by the model;
        `supported`: the model's risk is at least `support_at`."""
        cfg = self.cfg
        tiers = cfg.tiers
        ranked: list[tuple[int, Hit]] = []
        reasons: list[str] = []
        # a hit that needs the model's support is held a tier lower when the model, on a
        # customer it knows, sees no risk at all: its score under low, or its risk under
        # `support_at` (a book's calibration may set the low tier's cut-off below that)
        unsupported = temper and based and self.model is not None and (
            model_score < tiers.low or not supported)
        for hit in hits:
            s = hit.score
            if hit.tempered and (calm or (hit.corroborate and unsupported)):
                s = self._lowered(hit, s)
            ranked.append((s, hit))
        ranked.sort(key=lambda p: -p[0])
        rule_score = ranked[0][0] if ranked else 0
        rule_side = self._rule_side(ranked, model_score)
        if any(s < h.score for s, h in ranked):
            # the rail holds for the alert as for each hit: the model lowers what the rules
            # make of the event (two typologies together: high) by one tier at most
            firm = self._rule_side(sorted(((h.score, h) for _, h in ranked),
                                          key=lambda p: -p[0]), model_score)
            rule_side = max(rule_side, self._lowered_tier(firm))
        # The model's own side never passes its ceiling (high by default): critical, and
        # the automatic restriction with it, is reached by rules only. Alone, about a
        # customer it has no baseline for, it reaches low at most (queue, no one told).
        model_side = min(model_score, self.model_cap if based or ranked else tiers.medium - 1)
        score = min(max(rule_side, model_side), 1000)
        tier = tiers.tier_for(score)
        if tier is None:
            return None
        typologies: list[str] = []
        evidence: list[str] = []
        for s, hit in ranked:
            if hit.code not in typologies:
                typologies.append(hit.code)
            held = ""
            if s < hit.score:  # only the model's lowering makes a hit score less
                to = tiers.tier_for(s)
                why = ("the model sees this as usual for the customer" if calm else
                       "the model sees no risk in it")
                held = (f" (lowered to {to or 'no tier'}: {why})" if to == tier or to is None
                        else
                        f" (held back: {why}; the alert stands one tier below the rules' "
                        "together)")
            reasons.append(hit.reason + held)
            evidence.extend(e for e in hit.evidence if e not in evidence)
        if event.event_id not in evidence:
            evidence.append(event.event_id)
        if self.model is not None and model_score >= tiers.low:
            typologies.append("MODEL")
        # a model-driven alert takes its category from the model's typology (filled in by
        # _add_model_findings); otherwise the strongest rule's
        category = ranked[0][1].category if ranked and rule_score >= model_score else ""
        lowered = tuple(dict.fromkeys(h.code for s, h in ranked if s < h.score))
        routine = tuple(dict.fromkeys(h.code for s, h in ranked
                                      if s < h.score and (h.familiar or h.restates)))
        network = tuple(dict.fromkeys(e for _, h in ranked for e in h.network))
        return Scored(event, score, tier, category, typologies, reasons, evidence, model_score,
                      None, lowered, score, tier, network, routine)

    def _add_model_findings(self, out: list[Scored], rows: Matrix) -> None:
        """The typology model and the explanations, for alert rows only: two ONNX calls."""
        assert self.model is not None
        names = self.model.typologies(rows)
        explained = self.model.explain(rows, currency=self.prep.cfg.reporting_currency)
        with_model = [s for s in out if "MODEL" in s.typologies]
        for scored, name, why in zip(with_model, names, explained, strict=True):
            scored.model_typology = name
            if not scored.risk_category:
                scored.risk_category = CATEGORY[name]
            lead = f"model risk {scored.model_score}: most like {name}"
            scored.reasons.append(lead + (": " + "; ".join(why) if why else ""))

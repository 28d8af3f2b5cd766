"""Alerts (docs/events.md, "Alert") and de-duplication.

The same typology firing again for the same customer while an alert for it is open (within
`dedup_window_h` of that alert's latest evidence) adds evidence to that alert instead of
raising a new one. Alert ids derive from the triggering event id, so a redelivered event
maps to the same alert.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from riskwarn.core.config import TIERS, Tier
from riskwarn.core.scoring import Scored

Status = Literal["open", "in_review", "confirmed", "false_positive", "escalated", "closed",
                 "workflow_failed"]
MAX_EVENT_IDS = 200
MAX_REASONS = 12
MAX_EVIDENCE_ITEMS = 20


def alert_id_for(event_id: str) -> str:
    return "AL-" + hashlib.blake2b(event_id.encode(), digest_size=10).hexdigest()


class HistoryEntry(BaseModel):
    at: datetime
    actor: str
    action: str
    detail: str = ""


class EvidenceItem(BaseModel):
    """A transaction behind an alert, as the profile's ledger holds it."""

    event_id: str
    at: datetime
    amount: float  # reporting currency
    direction: Literal["debit", "credit"]
    method: str
    counterparty: str | None = None
    own_account: bool = False


class NetworkEdge(BaseModel):
    """Money between two accounts behind a network alert (a chain's hop, a link to a
    confirmed case): who paid whom, how much (reporting currency), when."""

    source: str
    target: str
    amount: float
    at: datetime


MAX_NETWORK_EDGES = 40


def _edges(s: Scored) -> list[NetworkEdge]:
    return [NetworkEdge(source=a, target=b, amount=round(m, 2),
                        at=datetime.fromtimestamp(t, UTC)) for a, b, m, t in s.network]


class Alert(BaseModel):
    model_config = ConfigDict(extra="forbid")

    alert_id: str
    customer_id: str
    account_id: str | None = None
    tier: Tier
    score: int = Field(ge=0, le=1000)
    risk_category: Literal["fraud", "aml", "account_takeover", "credit"]
    typologies: list[str]
    reason_codes: list[str]
    event_ids: list[str]
    evidence: list[EvidenceItem] = Field(default_factory=list)
    model_score: int = 0
    model_typology: str | None = None
    model_version: str | None = None
    # typologies the model has held at a lower tier in this alert, other than the
    # customer's routine (once each: see merge)
    lowered: list[str] = Field(default_factory=list)
    # the network behind a chain or a link (AML-LAYERING-CHAIN, NETWORK-LINKED)
    network: list[NetworkEdge] = Field(default_factory=list)
    occurred_at: datetime  # the triggering event's time
    last_evidence_at: datetime
    created_at: datetime
    status: Status = "open"
    assignee: str | None = None
    history: list[HistoryEntry] = Field(default_factory=list)

    @classmethod
    def from_scored(cls, s: Scored, model_version: str | None,
                    now: datetime | None = None,
                    evidence: list[dict[str, Any]] | None = None) -> Alert:
        created = now or datetime.now(UTC)
        return cls(
            alert_id=alert_id_for(s.event.event_id),
            customer_id=s.event.customer_id,
            account_id=getattr(s.event, "account_id", None),
            tier=s.tier,
            score=s.score,
            risk_category=s.risk_category,
            typologies=list(s.typologies),
            reason_codes=s.reasons[:MAX_REASONS],
            event_ids=s.evidence[-MAX_EVENT_IDS:],
            evidence=[EvidenceItem(**e) for e in (evidence or [])[-MAX_EVIDENCE_ITEMS:]],
            model_score=s.model_score,
            model_typology=s.model_typology,
            model_version=model_version,
            lowered=s.held,
            network=_edges(s)[-MAX_NETWORK_EDGES:],
            occurred_at=s.event.occurred_at,
            last_evidence_at=s.event.occurred_at,
            created_at=created,
            history=[HistoryEntry(at=created, actor="riskwarn", action="raised",
                                  detail=f"tier {s.tier}, score {s.score}")],
        )


@dataclass(slots=True)
class Merge:
    """What a repeat firing did to an open alert: the alert as it is now, and the history
    entries the change writes (evidence added; the tier raised, if it rose)."""

    alert: Alert
    entries: list[HistoryEntry]
    tier_raised: bool


def merge(alert: Alert, s: Scored, at: datetime,
          evidence: list[dict[str, Any]] | None = None) -> Merge:
    """The one merge of a repeat firing into an open alert (backtest and stream alike; the
    alert given is not changed). Bounds: the latest MAX_EVENT_IDS event ids, MAX_REASONS
    distinct reasons (the first ones kept), the latest MAX_EVIDENCE_ITEMS evidence items by
    time. Score, model score and tier only rise; `last_evidence_at` only moves forward (a
    late event does not move it back). Merging the same firing twice changes nothing more."""
    out = alert.model_copy(deep=True)
    score, tier = s.score, s.tier
    known = set(out.event_ids)
    # The same typology lowered again while the alert is open, on evidence of its own (a
    # separate occurrence, not the same burst or inflow seen one event later): the
    # model's "usual for the customer" may hold once; a pattern that repeats is not usual.
    # Unless the rules themselves found the flow familiar (a shop paying its usual
    # suppliers from its takings every few days): for that, repeating is the routine.
    separate = not known.intersection(s.evidence)
    again = [c for c in s.held if c in out.lowered] if separate else []
    if again:
        score = max(score, s.unlowered)
        tier = higher_tier(tier, s.unlowered_tier or tier)
    # the customer's routine held low is no first time: only the other holds count
    out.lowered += [c for c in s.held if c not in out.lowered]
    new_ids = [e for e in s.evidence if e not in known]
    out.event_ids = (out.event_ids + new_ids)[-MAX_EVENT_IDS:]
    out.typologies += [c for c in dict.fromkeys(s.typologies) if c not in out.typologies]
    for reason in s.reasons:
        if reason not in out.reason_codes and len(out.reason_codes) < MAX_REASONS:
            out.reason_codes.append(reason)
    held = {e.event_id for e in out.evidence}
    items = out.evidence + [EvidenceItem(**e) for e in evidence or ()
                            if e["event_id"] not in held]
    out.evidence = sorted(items, key=lambda e: e.at)[-MAX_EVIDENCE_ITEMS:]
    edges = {(e.source, e.target, e.amount, e.at): e for e in (*out.network, *_edges(s))}
    out.network = sorted(edges.values(), key=lambda e: e.at)[-MAX_NETWORK_EDGES:]
    if again:
        why = (f"{', '.join(again)} again while this alert is open: not usual for the "
               f"customer (stands at {tier})")
        if why not in out.reason_codes:
            out.reason_codes = [*out.reason_codes[:MAX_REASONS - 1], why]
    out.score = max(out.score, score)
    out.model_score = max(out.model_score, s.model_score)
    out.last_evidence_at = max(out.last_evidence_at, s.event.occurred_at)
    entries = [HistoryEntry(at=at, actor="riskwarn", action="evidence_added",
                            detail=f"{len(new_ids)} events, {tier} {score}: "
                                   + "; ".join(s.reasons[:2]))]
    raised = TIERS.index(tier) > TIERS.index(out.tier)
    if raised:
        entries.append(HistoryEntry(at=at, actor="riskwarn", action="tier_raised",
                                    detail=f"{out.tier} -> {tier}"))
        out.tier = tier
    out.history += entries
    return Merge(out, entries, raised)


def higher_tier(a: Tier, b: Tier) -> Tier:
    return a if TIERS.index(a) >= TIERS.index(b) else b


def dedup_keys(s: Scored) -> list[str]:
    """The typology keys an alert is de-duplicated on: its rule codes, and the model's
    typology for a model-driven alert."""
    codes = [c for c in s.typologies if c != "MODEL"]
    if s.model_typology is not None and "MODEL" in s.typologies:
        codes.append("MODEL:" + s.model_typology)
    return codes


OpenRef = tuple[str, float, str]  # (alert id, latest evidence time, tier)


def open_alert_for(refs: Mapping[str, OpenRef], keys: list[str], ts: float,
                   window_s: float) -> OpenRef | None:
    """The open alert a new firing merges into: one sharing a key whose latest evidence is
    within the window. The same rule serves the backtest's in-memory book and the stream's
    profile-held references."""
    for key in keys:
        ref = refs.get(key)
        if ref is not None and ts - ref[1] <= window_s:
            return ref
    return None


class AlertBook:
    """Open alerts in memory, keyed by (customer, typology), for de-duplication."""

    def __init__(self, window_h: float, model_version: str | None) -> None:
        self.window_s = window_h * 3600.0
        self.model_version = model_version
        self._open: dict[str, dict[str, OpenRef]] = {}  # customer -> key -> ref
        self._alerts: dict[str, Alert] = {}

    def add(self, s: Scored, now: datetime | None = None,
            evidence: list[dict[str, Any]] | None = None) -> tuple[Alert, bool]:
        """Raise a new alert or merge into an open one; returns (alert, is_new)."""
        ts = s.event.occurred_at.timestamp()
        keys = dedup_keys(s)
        refs = self._open.setdefault(s.event.customer_id, {})
        ref = open_alert_for(refs, keys, ts, self.window_s)
        if ref is not None and ref[0] in self._alerts:
            alert = merge(self._alerts[ref[0]], s, s.event.occurred_at, evidence).alert
            self._alerts[alert.alert_id] = alert
            new = False
        else:
            alert = Alert.from_scored(s, self.model_version, now, evidence)
            existing = self._alerts.get(alert.alert_id)
            if existing is not None:  # the same event again: nothing new
                return existing, False
            self._alerts[alert.alert_id] = alert
            new = True
        latest = alert.last_evidence_at.timestamp()
        for key in keys:
            refs[key] = (alert.alert_id, latest, alert.tier)
        return alert, new

    def closable(self, watermark: float) -> Iterator[Alert]:
        """Alerts no later evidence can reach any more (their window has passed), removed."""
        done = [a for a in self._alerts.values()
                if watermark - a.last_evidence_at.timestamp() > self.window_s]
        for alert in done:
            del self._alerts[alert.alert_id]
            refs = self._open.get(alert.customer_id, {})
            for key in [k for k, ref in refs.items() if ref[0] == alert.alert_id]:
                del refs[key]
            if not refs:
                self._open.pop(alert.customer_id, None)
        yield from done

    def drain(self) -> Iterator[Alert]:
        yield from self._alerts.values()
        self._alerts.clear()
        self._open.clear()

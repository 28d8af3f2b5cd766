"""Money through our customers' accounts, linked across customers: AML-LAYERING-CHAIN.

Every passage (core/mule.Passage: money in from other parties, most of it sent on within
hours) is kept on its account as a *hop* in the network state, a store keyed by account:
the DynamoDB table in the stream (store/network.py), a dict in the backtest. Scoring a batch
reads the state of every account the batch names (its own and its counterparties': one
BatchGetItem per 100 accounts), then, in time order across the batch's customers:

- a passage whose inflow came from an account that had passed it on to this one within
  `chain_window_h` extends that account's chain: hops = the payer's hops + 1. A chain of
  `chain_min_hops` pass-through accounts fires on the latest hop (A -> B -> C -> D: C's
  debit to D is the second hop);
- a credit from an account whose hop paid this account fires on the receiving account at
  `chain_receive_score` (the money arrived through a pass-through account): the end of a
  chain is often an account that only collects.

Only the owner of an account writes its hops (events are partitioned by customer), so one
writer per item: no lost update between shards. A hop scored on another shard before the
next one is written is found later, when the receiving account passes the money on (its
passage names the payer), or — an account that only collects — when its credit, kept
waiting, is looked at again (core/late_receipts.py; docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from riskwarn.core.events import Event, Transaction
from riskwarn.core.features import Prepared
from riskwarn.core.mule import MAX_PARTIES, Passage, money_text
from riskwarn.core.profile import DAY, HOUR
from riskwarn.core.standing import Note, Standing, counterparties, dealings, merged, walk

CHAIN = "AML-LAYERING-CHAIN"
LINKED = "NETWORK-LINKED"
# the typologies whose confirmed alerts mark the network (a mule's or a fraudster's account)
MULE_TYPOLOGIES = frozenset({"AML-MULE-FAN-IN", "AML-MULE-FAN-OUT", "AML-PASS-THROUGH",
                             CHAIN, "AML-RAPID-MOVEMENT", LINKED})
MARKING_CATEGORIES = frozenset({"fraud", "account_takeover"})
MAX_MARKS = 8
Edge = tuple[str, str, float, float]  # money moved: from account, to account, amount, when
MAX_EDGES = 24  # the chain's latest moves, kept with each hop and shown on its alerts
MAX_HOPS = 16  # hops kept per account (the newest): a busy pass-through account's last ones
MAX_EVIDENCE = 20  # event ids a hit (and the hop it comes from) carries as evidence


@dataclass(frozen=True, slots=True)
class Hop:
    """Money passed through one account: in from `payers`, on to `payee`, at `ts`."""

    account: str
    customer_id: str
    ts: float
    first_in: float
    inflow: float
    out: float
    payers: tuple[str, ...]
    payee: str
    hops: int  # pass-through accounts in a row up to and including this one
    path: tuple[str, ...]  # the accounts of the chain so far, oldest first, this one last
    event_ids: tuple[str, ...]  # this hop's and the hops' before it (bounded)
    edges: tuple[Edge, ...] = ()  # the chain's money moves so far (bounded)
    # where the chain began: when money first came in at its first account, and how much
    # (a first hop's own first_in and inflow; 0: as this hop's, in a form stored before)
    start: float = 0.0
    start_in: float = 0.0

    def to_json(self) -> dict[str, object]:
        return {"a": self.account, "c": self.customer_id, "t": self.ts, "f": self.first_in,
                "i": self.inflow, "o": self.out, "p": list(self.payers), "q": self.payee,
                "h": self.hops, "w": list(self.path), "e": list(self.event_ids),
                "g": [list(e) for e in self.edges], "s": self.start, "n": self.start_in}

    @property
    def began(self) -> tuple[float, float]:
        """When money first came in at the chain's first account, and how much."""
        return (self.start or self.first_in, self.start_in or self.inflow)

    @classmethod
    def from_json(cls, d: Mapping[str, object]) -> Hop:
        edges = tuple((str(a), str(b), float(m), float(t))
                      for a, b, m, t in d.get("g") or ())  # type: ignore[attr-defined]
        return cls(str(d["a"]), str(d["c"]), float(d["t"]), float(d["f"]),  # type: ignore[arg-type]
                   float(d["i"]), float(d["o"]),  # type: ignore[arg-type]
                   tuple(d["p"]), str(d["q"]), int(d["h"]),  # type: ignore[arg-type,call-overload]
                   tuple(d["w"]), tuple(d["e"]), edges,  # type: ignore[arg-type]
                   float(d.get("s") or 0.0), float(d.get("n") or 0.0))  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Link:
    """A mark on an account: `hops` from an account with a confirmed mule or fraud decision
    (0: this is that account; 1: it paid or was paid by it), since `at` (epoch seconds),
    over `amount` (reporting currency) of money between them. Written by the workflow's
    confirm step (cases/workflow_steps.py); read by NETWORK-LINKED (core/linked.py)."""

    case_account: str
    alert_id: str
    at: float
    hops: int
    amount: float

    def to_json(self) -> dict[str, object]:
        return {"a": self.case_account, "id": self.alert_id, "t": self.at, "h": self.hops,
                "m": self.amount}

    @classmethod
    def from_json(cls, d: Mapping[str, object]) -> Link:
        return cls(str(d["a"]), str(d["id"]), float(d["t"]),  # type: ignore[arg-type]
                   int(d["h"]), float(d["m"]))  # type: ignore[call-overload,arg-type]


@dataclass(slots=True)
class AccountFlows:
    """The network state of one account: its recent hops (newest last), and the marks
    confirmed cases left on it."""

    account: str
    hops: list[Hop] = field(default_factory=list)
    marks: list[Link] = field(default_factory=list)

    def add(self, hop: Hop, keep_s: float) -> bool:
        if any(h.event_ids[-1:] == hop.event_ids[-1:] for h in self.hops):
            return False  # a redelivered batch: this hop is here already
        self.hops.append(hop)
        self.hops.sort(key=lambda h: h.ts)
        newest = self.hops[-1].ts
        self.hops = [h for h in self.hops if newest - h.ts <= keep_s][-MAX_HOPS:]
        return True

    def paid(self, account: str, before: float, window_s: float) -> Hop | None:
        """The longest recent hop of this account that paid `account`, up to `before`
        (a minute's tolerance: both legs of one transfer can carry slightly different
        times) and no longer than the window before it."""
        best: Hop | None = None
        for h in self.hops:
            if (h.payee == account and h.ts <= before + 60.0 and before - h.ts <= window_s
                    and (best is None or h.hops > best.hops)):
                best = h
        return best


class NetworkPort(Protocol):
    def read(self, accounts: Collection[str], standing: Collection[str]
             ) -> tuple[dict[str, AccountFlows], dict[str, Standing]]:
        """The state of `accounts` and the standing in the book (core/standing.py) of
        `standing`, in one read; those never seen are left out."""

    def save(self, flows: Iterable[AccountFlows]) -> set[str]:
        """Write the accounts' hops (their marks are the workflow's: left as they are);
        returns the customers that `wait` on any of them, who wait there no longer."""

    def wait(self, payers: Mapping[str, Collection[str]], at: float) -> None:
        """Leave on each payer account the customers keeping a receipt from it waiting for
        its hop: the payer's next `save` names them (each write atomic per account, so a
        hop written before the wait is found by the customer's recheck, and one written
        after names the customer)."""

    def mark(self, account: str, link: Link) -> None:
        """Leave a confirmed case's mark on an account (one per case: idempotent)."""

    def note(self, added: Mapping[str, Note], at: float) -> None:
        """Add a batch's customers to its counterparties' standing (sets: idempotent)."""


class MemoryNetwork:
    """The network state in memory: the backtest's, and the unit tests'."""

    def __init__(self) -> None:
        self.accounts: dict[str, AccountFlows] = {}
        self.waiting: dict[str, set[str]] = {}  # payer account -> customers waiting on it
        self.standings: dict[str, Standing] = {}

    def read(self, accounts: Collection[str], standing: Collection[str]
             ) -> tuple[dict[str, AccountFlows], dict[str, Standing]]:
        return ({a: self.accounts[a] for a in accounts if a in self.accounts},
                self.standing(standing))

    def save(self, flows: Iterable[AccountFlows]) -> set[str]:
        waiters: set[str] = set()
        for f in flows:
            kept = self.accounts.get(f.account)
            self.accounts[f.account] = AccountFlows(f.account, list(f.hops),
                                                    kept.marks if kept else [])
            if f.hops:
                waiters |= self.waiting.pop(f.account, set())
        return waiters

    def wait(self, payers: Mapping[str, Collection[str]], at: float) -> None:
        for account, customers in payers.items():
            self.waiting.setdefault(account, set()).update(customers)

    def mark(self, account: str, link: Link) -> None:
        flows = self.accounts.setdefault(account, AccountFlows(account))
        flows.marks = [m for m in flows.marks if m.alert_id != link.alert_id] + [link]

    def standing(self, accounts: Collection[str]) -> dict[str, Standing]:
        return {a: self.standings[a] for a in accounts if a in self.standings}

    def note(self, added: Mapping[str, Note], at: float) -> None:
        for account, n in added.items():
            self.standings[account] = merged(self.standings.get(account), n, at)


@dataclass(frozen=True, slots=True)
class Finding:
    index: int  # the event's position in the batch
    code: str
    score: int | None  # None: the typology's configured severity
    reason: str
    evidence: tuple[str, ...]
    boost: int = 0  # added to the event's other rule hits (NETWORK-LINKED)
    edges: tuple[Edge, ...] = ()  # the money between the accounts involved


def _span(seconds: float) -> str:
    h = seconds / HOUR
    return f"{h * 60:.0f} min" if h < 1 else f"{h:.1f} h"


@dataclass(slots=True)
class Linked:
    findings: list[Finding]
    unmatched: list[int]  # credits from another account that no hop explained (indexes)
    state: dict[str, AccountFlows]  # the accounts read, with the batch's hops added
    waiters: set[str] = field(default_factory=set)  # customers waiting on a hop written
    # the standing in the book of each dealing's counterparty just before it (by index)
    standing: dict[int, Standing] = field(default_factory=dict)
    # the standing of the payers of receipts waiting for their hop (`also`) and of the
    # accounts asked for (`own`), as the batch read it
    accounts: dict[str, Standing] = field(default_factory=dict)


def link(events: Sequence[Event], passages: Sequence[Passage | None], port: NetworkPort,
         prep: Prepared, also: Collection[str] = (), own: Collection[str] = ()) -> Linked:
    """Record the batch's passages as hops and find the chains they extend; one read of
    the state of the accounts named (the batch's own, their counterparties, the payers
    of each passage's inflow, and `also`: the payers of receipts waiting for their hop)
    with the standing in the book (core/standing.py) of the counterparties, of `also` and
    of `own` (the batch's accounts whose own standing a rule hit asks for), one write of
    those that took a hop, and the batch's customers added to its counterparties'
    standing."""
    names: set[str] = set(also)
    for ev in events:
        if isinstance(ev, Transaction):
            names.add(ev.account_id)
            if ev.counterparty_id and ev.method != "card":  # shops are no mule's account
                names.add(ev.counterparty_id)
    for found in passages:  # payers of earlier batches' inflows, too
        if found is not None:
            names.update(found.payers)
    if not names:
        return Linked([], [], {})
    dealt = dealings(events)
    state, standing = port.read(names, counterparties(dealt) | set(also) | set(own))
    before, added = walk(dealt, standing, prep.rates)
    changed: dict[str, AccountFlows] = {}
    findings = _hops(events, passages, state, changed, prep)
    received, unmatched = _receipts(events, state, before, prep)
    findings.extend(received)
    findings.extend(linked(events, state, prep))
    waiters = port.save(changed.values()) if changed else set()
    if added:
        port.note(added, dealt[-1][0])
    return Linked(findings, unmatched, state, waiters, before,
                  {a: standing[a] for a in (*also, *own) if a in standing})


def _hops(events: Sequence[Event], passages: Sequence[Passage | None],
          state: dict[str, AccountFlows], changed: dict[str, AccountFlows], prep: Prepared
          ) -> list[Finding]:
    """Each passage, in time order across the batch, becomes a hop on its account: the
    next in a chain when a payer's hop paid this account within the window."""
    t = prep.cfg.thresholds
    window = t.chain_window_h * HOUR
    findings: list[Finding] = []
    order = sorted((i for i, p in enumerate(passages) if p is not None),
                   key=lambda i: (events[i].occurred_at, i))
    for i in order:
        ev, found = events[i], passages[i]
        assert isinstance(ev, Transaction) and found is not None
        before: Hop | None = None
        for payer in found.payers:
            flows = state.get(payer)
            hop = flows.paid(ev.account_id, found.ts, window) if flows else None
            if hop is not None and (before is None or hop.hops > before.hops):
                before = hop
        onward: Edge = (ev.account_id, found.payee or "?", found.out, found.ts)
        if before is None:
            edges = tuple((p or "?", ev.account_id, m, at) for p, m, at in found.inflows)
            hop = Hop(ev.account_id, ev.customer_id, found.ts, found.first_in, found.inflow,
                      found.out, found.payers, found.payee, 1, (ev.account_id,),
                      found.event_ids[-MAX_EVIDENCE:], (*edges, onward)[-MAX_EDGES:])
        else:
            hop = Hop(ev.account_id, ev.customer_id, found.ts, found.first_in, found.inflow,
                      found.out, found.payers, found.payee, before.hops + 1,
                      (*before.path[-(MAX_PARTIES - 1):], ev.account_id),
                      (*before.event_ids, *found.event_ids)[-MAX_EVIDENCE:],
                      (*before.edges, onward)[-MAX_EDGES:], *before.began)
        flows = state.get(ev.account_id) or AccountFlows(ev.account_id)
        if flows.add(hop, window * 2):
            state[ev.account_id] = changed[ev.account_id] = flows
        if before is not None and hop.hops >= t.chain_min_hops:
            findings.append(Finding(i, CHAIN, None, _chain_reason(hop, prep),
                                    hop.event_ids, edges=hop.edges))
    return findings


def _receipts(events: Sequence[Event], state: Mapping[str, AccountFlows],
              standing: Mapping[int, Standing], prep: Prepared
              ) -> tuple[list[Finding], list[int]]:
    """The receiving end: a credit from an account whose hop paid this one. Also returns the
    credits from another account that found no such hop (core/late_receipts.py keeps them:
    the payer's hop may be written a moment later, by another shard)."""
    findings: list[Finding] = []
    unmatched: list[int] = []
    for i, ev in enumerate(events):
        if not (isinstance(ev, Transaction) and ev.direction == "credit" and ev.counterparty_id):
            continue
        amount = float(ev.amount) * prep.rates[ev.currency]
        found = receipt(i, ev.event_id, ev.account_id, ev.counterparty_id, amount,
                        ev.occurred_at.timestamp(), state, prep, ev.customer_id,
                        standing.get(i))
        if found is not None:
            findings.append(found)
        elif ev.method not in ("card", "cash"):
            unmatched.append(i)
    return findings, unmatched


def receipt(index: int, event_id: str, account: str, payer: str, amount: float, ts: float,
            state: Mapping[str, AccountFlows], prep: Prepared, customer_id: str = "",
            payer_standing: Standing | None = None) -> Finding | None:
    """AML-LAYERING-CHAIN on a credit of `amount` from `payer` when a hop of the payer paid
    this account within the window. Money that came through one pass-through account only
    (chain_receive_score), from an account that pays our customers sums of this size and
    has for weeks (`payer_standing`: its standing just before the credit;
    core/standing.Standing.pays_out), is a payout, not a hop: a broker or an exchange
    paying a client from what other clients paid in. It is held at low and says so; a
    longer chain, a mark on the payer or a model that alone reaches medium still raise it."""
    t = prep.cfg.thresholds
    flows = state.get(payer)
    hop = flows.paid(account, ts, t.chain_window_h * HOUR) if flows else None
    if hop is None or hop.hops < t.chain_receive_hops:
        return None
    score = None if hop.hops >= t.chain_min_hops else t.chain_receive_score
    payout = (payer_standing.pays_out(customer_id, ts, amount, prep)
              if score is not None and payer_standing is not None and flows is not None
              and not flows.marks and prep.cfg.customer_baselines else "")
    if payout:
        score = min(score or 0, prep.cfg.tiers.medium - 1)
    return Finding(
        index, CHAIN, score,
        f"{money_text(amount, prep)} received from {payer}, which passed on "
        f"{hop.out / hop.inflow:.0%} of {money_text(hop.inflow, prep)} within "
        f"{_span(hop.ts - hop.first_in)}"
        + (f" ({hop.hops} pass-through accounts in a row: {' -> '.join(hop.path)})"
           if hop.hops > 1 else "")
        + (f"; held at low: {payer} pays our customers sums of this size ({payout})"
           if payout else ""),
        (*hop.event_ids, event_id)[-MAX_EVIDENCE:], edges=hop.edges)


def linked(events: Sequence[Event], state: Mapping[str, AccountFlows], prep: Prepared
           ) -> list[Finding]:
    """NETWORK-LINKED: a transaction of an account that paid or was paid by an account with
    a confirmed case (its own mark, 1 hop), or with an account that has one (the
    counterparty's mark: 1 hop from the confirmed account itself, 2 from a linked one).
    Strength: 1 for one hop, `linked_second_hop` for two; halved every
    `linked_half_life_days` since the mark; and (amount / `linked_amount_ref`)^0.5 capped
    at 1. The hit scores `linked_base_score` + strength x `linked_span`, and adds strength x
    `linked_boost` to the event's other rule hits."""
    t = prep.cfg.thresholds
    findings: list[Finding] = []
    for i, ev in enumerate(events):
        if not isinstance(ev, Transaction):
            continue
        ts = ev.occurred_at.timestamp()
        amount = float(ev.amount) * prep.rates[ev.currency]
        best: tuple[float, Link, int] | None = None
        own = state.get(ev.account_id)
        other = state.get(ev.counterparty_id) if ev.counterparty_id else None
        candidates = [(m, m.hops, m.amount) for m in (own.marks if own else ())
                      if m.hops >= 1 and m.at <= ts]
        candidates += [(m, m.hops + 1, amount) for m in (other.marks if other else ())
                       if m.at <= ts + 60.0]
        for mark, hops, money in candidates:
            if hops > 2:
                continue
            strength = ((1.0 if hops == 1 else t.linked_second_hop)
                        * 0.5 ** ((ts - mark.at) / (t.linked_half_life_days * DAY))
                        * min(1.0, money / t.linked_amount_ref) ** 0.5)
            if strength >= t.linked_min_strength and (best is None or strength > best[0]):
                best = (strength, mark, hops)
        if best is None:
            continue
        strength, mark, hops = best
        via_other = bool(other and mark in other.marks)
        via = f" through {ev.counterparty_id}" if hops == 2 and via_other else ""
        cp = ev.counterparty_id or "?"
        now: Edge = ((ev.account_id, cp, amount, ts) if ev.direction == "debit"
                     else (cp, ev.account_id, amount, ts))
        if not via_other:  # the mark is on this account: the money with the case account
            edges: tuple[Edge, ...] = ((mark.case_account, ev.account_id, mark.amount,
                                        mark.at),)
        elif mark.hops == 0:
            edges = (now,)
        else:
            edges = ((mark.case_account, cp, mark.amount, mark.at), now)
        findings.append(Finding(
            i, LINKED, t.linked_base_score + round(t.linked_span * strength),
            f"{'one' if hops == 1 else 'two'} hop{'s' if hops > 1 else ''} from "
            f"{mark.case_account}{via}, confirmed in alert {mark.alert_id} "
            f"{(ts - mark.at) / DAY:.0f} days ago ({money_text(mark.amount, prep)} between "
            f"them; link strength {strength:.2f})", (ev.event_id,),
            boost=round(t.linked_boost * strength), edges=edges))
    return findings


def _chain_reason(hop: Hop, prep: Prepared) -> str:
    """From where the chain began: its first account's inflow, and the time since it came."""
    began, came = hop.began
    first = hop.path[0] if len(hop.path) >= hop.hops else "its first account"  # path bounded
    return (f"money passed through {hop.hops} accounts in a row within "
            f"{_span(hop.ts - began)}: {' -> '.join(hop.path)} -> {hop.payee or '?'}"
            f"; {money_text(came, prep)} in at {first}, "
            f"{money_text(hop.out, prep)} sent on from this account")

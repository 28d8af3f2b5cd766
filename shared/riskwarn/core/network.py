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
passage names the payer); docs/architecture.md says what a scheduled graph pass would add.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from riskwarn.core.events import Event, Transaction
from riskwarn.core.features import Prepared
from riskwarn.core.mule import MAX_PARTIES, Passage

HOUR = 3600.0
MAX_HOPS = 16  # hops kept per account (the newest): a busy pass-through account's last ones
MAX_EVIDENCE = 20


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

    def to_json(self) -> dict[str, object]:
        return {"a": self.account, "c": self.customer_id, "t": self.ts, "f": self.first_in,
                "i": self.inflow, "o": self.out, "p": list(self.payers), "q": self.payee,
                "h": self.hops, "w": list(self.path), "e": list(self.event_ids)}

    @classmethod
    def from_json(cls, d: Mapping[str, object]) -> Hop:
        return cls(str(d["a"]), str(d["c"]), float(d["t"]), float(d["f"]),  # type: ignore[arg-type]
                   float(d["i"]), float(d["o"]),  # type: ignore[arg-type]
                   tuple(d["p"]), str(d["q"]), int(d["h"]),  # type: ignore[arg-type,call-overload]
                   tuple(d["w"]), tuple(d["e"]))  # type: ignore[arg-type]


@dataclass(slots=True)
class AccountFlows:
    """The network state of one account: its recent hops (newest last)."""

    account: str
    hops: list[Hop] = field(default_factory=list)

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
    def load(self, accounts: Collection[str]) -> dict[str, AccountFlows]: ...

    def save(self, flows: Iterable[AccountFlows]) -> None: ...


class MemoryNetwork:
    """The network state in memory: the backtest's, and the unit tests'."""

    def __init__(self) -> None:
        self.accounts: dict[str, AccountFlows] = {}

    def load(self, accounts: Collection[str]) -> dict[str, AccountFlows]:
        return {a: self.accounts[a] for a in accounts if a in self.accounts}

    def save(self, flows: Iterable[AccountFlows]) -> None:
        for f in flows:
            self.accounts[f.account] = f


@dataclass(frozen=True, slots=True)
class ChainFinding:
    index: int  # the event's position in the batch
    score: int | None  # None: the typology's configured severity
    reason: str
    evidence: tuple[str, ...]
    hop: Hop  # the last hop of the chain found


def _money(v: float, prep: Prepared) -> str:
    return f"{v:,.0f} {prep.cfg.reporting_currency}"


def _span(seconds: float) -> str:
    h = seconds / HOUR
    return f"{h * 60:.0f} min" if h < 1 else f"{h:.1f} h"


def link(events: Sequence[Event], passages: Sequence[Passage | None], port: NetworkPort,
         prep: Prepared) -> list[ChainFinding]:
    """Record the batch's passages as hops and find the chains they extend; one read of
    the state of the accounts named (the batch's own, their counterparties, and the payers
    of each passage's inflow) and one write of those that took a hop."""
    names: set[str] = set()
    for ev in events:
        if isinstance(ev, Transaction):
            names.add(ev.account_id)
            if ev.counterparty_id:
                names.add(ev.counterparty_id)
    for found in passages:  # payers of earlier batches' inflows, too
        if found is not None:
            names.update(found.payers)
    if not names:
        return []
    state = port.load(names)
    changed: dict[str, AccountFlows] = {}
    findings = _hops(events, passages, state, changed, prep)
    findings.extend(_receipts(events, state, prep))
    if changed:
        port.save(changed.values())
    return findings


def _hops(events: Sequence[Event], passages: Sequence[Passage | None],
          state: dict[str, AccountFlows], changed: dict[str, AccountFlows], prep: Prepared
          ) -> list[ChainFinding]:
    """Each passage, in time order across the batch, becomes a hop on its account: the
    next in a chain when a payer's hop paid this account within the window."""
    t = prep.cfg.thresholds
    window = t.chain_window_h * HOUR
    findings: list[ChainFinding] = []
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
        if before is None:
            hop = Hop(ev.account_id, ev.customer_id, found.ts, found.first_in, found.inflow,
                      found.out, found.payers, found.payee, 1, (ev.account_id,),
                      found.event_ids[-MAX_EVIDENCE:])
        else:
            hop = Hop(ev.account_id, ev.customer_id, found.ts, found.first_in, found.inflow,
                      found.out, found.payers, found.payee, before.hops + 1,
                      (*before.path[-(MAX_PARTIES - 1):], ev.account_id),
                      (*before.event_ids, *found.event_ids)[-MAX_EVIDENCE:])
        flows = state.get(ev.account_id) or AccountFlows(ev.account_id)
        if flows.add(hop, window * 2):
            state[ev.account_id] = changed[ev.account_id] = flows
        if before is not None and hop.hops >= t.chain_min_hops:
            findings.append(ChainFinding(i, None, _chain_reason(hop, before, prep),
                                         hop.event_ids, hop))
    return findings


def _receipts(events: Sequence[Event], state: Mapping[str, AccountFlows], prep: Prepared
              ) -> list[ChainFinding]:
    """The receiving end: a credit from an account whose hop paid this one."""
    t = prep.cfg.thresholds
    window = t.chain_window_h * HOUR
    findings: list[ChainFinding] = []
    for i, ev in enumerate(events):
        if not (isinstance(ev, Transaction) and ev.direction == "credit" and ev.counterparty_id):
            continue
        flows = state.get(ev.counterparty_id)
        hop = flows.paid(ev.account_id, ev.occurred_at.timestamp(), window) if flows else None
        if hop is None or hop.hops < t.chain_receive_hops:
            continue
        score = None if hop.hops >= t.chain_min_hops else t.chain_receive_score
        findings.append(ChainFinding(
            i, score,
            f"{_money(float(ev.amount) * prep.rates[ev.currency], prep)} received from "
            f"{ev.counterparty_id}, which passed on {hop.out / hop.inflow:.0%} of "
            f"{_money(hop.inflow, prep)} within {_span(hop.ts - hop.first_in)}"
            + (f" ({hop.hops} pass-through accounts in a row: {' -> '.join(hop.path)})"
               if hop.hops > 1 else ""),
            (*hop.event_ids, ev.event_id)[-MAX_EVIDENCE:], hop))
    return findings


def _chain_reason(hop: Hop, before: Hop, prep: Prepared) -> str:
    return (f"money passed through {hop.hops} accounts in a row within "
            f"{_span(hop.ts - before.first_in)}: {' -> '.join(hop.path)} -> {hop.payee or '?'}"
            f"; {_money(before.inflow, prep)} in at {before.account}, "
            f"{_money(hop.out, prep)} sent on from this account")

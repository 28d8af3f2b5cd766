"""Mule rings across customers, and the traps that look like them (docs/synthetic-data.md).

A ring recruits a few of the book's customers: a *collector* receives from many payers new
to it and sends most of it on within hours to a *layer*, who passes it (less a small fee) to
another layer or to a *distributor*, who splits it to many payees new to it. Every transfer
between two of our customers is two events, the sender's debit and the receiver's credit,
each naming the other's account. Each recruited customer is one episode, labelled with its
role's typology. Subtle rings use fewer payers, smaller sums and longer gaps, still within
what a launderer in a hurry does.

Traps: a small business paid by many customers (it keeps the money), a family pooling money
into one member's account for a large bill paid to a known payee, and a salary swept to the
customer's own savings (population traps already hold that one).

Everything here draws from the ring planner's own random stream, so the rest of the book
(customers' ordinary days, other episodes) is the same with or without rings.
"""

from __future__ import annotations

import random
from itertools import pairwise
from typing import Any

from riskwarn.offline.synth.population import DAY, HOUR, Customer, txn

Planned = list[tuple[float, dict[str, Any]]]
ROLE_TYPOLOGY = {"collector": "AML-MULE-FAN-IN", "layer": "AML-LAYERING-CHAIN",
                 "distributor": "AML-MULE-FAN-OUT"}


def _outside(rng: random.Random, prefix: str) -> str:
    return f"{prefix}{rng.randrange(10**8):08d}"


def _transfer(a: Customer, b: Customer, ts: float, amount: float) -> tuple[
        tuple[float, dict[str, Any]], tuple[float, dict[str, Any]]]:
    """One transfer from a to b: a's debit and b's credit (amounts in the reporting
    currency; each leg in its holder's currency)."""
    return (txn(a, ts, amount, "debit", "transfer", counterparty_id=b.current),
            txn(b, ts + 2.0, amount, "credit", "transfer", channel="api",
                counterparty_id=a.current))


def ring(members: list[Customer], t0: float, subtle: bool, rng: random.Random
         ) -> dict[int, tuple[str, Planned]]:
    """The events of one ring by member index: (role, events)."""
    collector, *layers, distributor = members
    plan: dict[int, tuple[str, Planned]] = {
        collector.index: ("collector", []), distributor.index: ("distributor", []),
        **{m.index: ("layer", []) for m in layers}}
    n_payers = rng.randint(5, 7) if subtle else rng.randint(8, 16)
    each = (rng.uniform(4_000, 9_000) if subtle else rng.uniform(6_000, 20_000))
    spread = rng.uniform(12, 30) if subtle else rng.uniform(3, 20)
    total = 0.0
    for k in range(n_payers):
        amount = each * rng.uniform(0.6, 1.4)
        total += amount
        plan[collector.index][1].append(txn(
            collector, t0 + spread * HOUR * k / n_payers, amount, "credit", "transfer",
            channel="api", counterparty_id=_outside(rng, "P")))
    ts = t0 + spread * HOUR + rng.uniform(0.5, 5.0) * HOUR
    amount = total * (rng.uniform(0.75, 0.85) if subtle else rng.uniform(0.88, 0.97))
    chain = [collector, *layers, distributor]
    for a, b in pairwise(chain):
        debit, credit = _transfer(a, b, ts, amount)
        plan[a.index][1].append(debit)
        plan[b.index][1].append(credit)
        ts += rng.uniform(1.0, 8.0 if subtle else 4.0) * HOUR
        amount *= rng.uniform(0.95, 0.99)  # the layer's fee
    n_payees = rng.randint(5, 6) if subtle else rng.randint(6, 10)
    for k in range(n_payees):
        plan[distributor.index][1].append(txn(
            distributor, ts + k * rng.uniform(0.2, 1.5) * HOUR,
            amount * rng.uniform(0.85, 0.97) / n_payees, "debit", "transfer",
            counterparty_id=_outside(rng, "Q")))
    return plan


def small_business(c: Customer, t0: float, rng: random.Random) -> Planned:
    """Paid by many new customers over a day or two; keeps the money (small payouts)."""
    out = [txn(c, t0 + rng.uniform(0, 40) * HOUR, rng.uniform(2_000, 9_000), "credit",
               "transfer", channel="api", counterparty_id=_outside(rng, "BUYER"))
           for _ in range(rng.randint(8, 20))]
    out.append(txn(c, t0 + 30 * HOUR, rng.uniform(500, 3_000), "debit", "transfer",
                   counterparty_id=c.payees[0]))
    return [(t, {**e, "trap": "small_business"}) for t, e in out]


def family_pooling(family: list[Customer], t0: float, rng: random.Random
                   ) -> dict[int, Planned]:
    """Relatives send money to one of them, who pays a large bill to a payee it has paid
    before (school fees, a hospital) a day later."""
    keeper, *others = family
    plan: dict[int, Planned] = {c.index: [] for c in family}
    total = 0.0
    for k, c in enumerate(others):
        amount = rng.uniform(8_000, 30_000)
        total += amount
        debit, credit = _transfer(c, keeper, t0 + k * rng.uniform(1, 6) * HOUR, amount)
        plan[c.index].append(debit)
        plan[keeper.index].append(credit)
    plan[keeper.index].append(txn(keeper, t0 + rng.uniform(20, 40) * HOUR,
                                  total * rng.uniform(0.9, 1.0), "debit", "transfer",
                                  counterparty_id=keeper.payees[0]))
    return {i: [(t, {**e, "trap": "family_pooling"}) for t, e in p] for i, p in plan.items()}


def plan_rings(people: list[Customer], taken: set[int], seed: int, warmup_days: int,
               days: int, ring_rate: float, subtle_share: float, start: float
               ) -> None:
    """Recruit ring members (about `ring_rate` of the customers) among those not in another
    episode, and plant the traps; label each member's events as its own episode."""
    rng = random.Random(f"{seed}:rings")
    free = [c for c in people if c.index not in taken and not c.dormant]
    rng.shuffle(free)
    recruits = round(len(people) * ring_rate)
    r = 0
    while recruits >= 3 and len(free) >= 3:
        size = min(rng.randint(3, 5), recruits)
        members, free = free[:size], free[size:]
        recruits -= size
        subtle = rng.random() < subtle_share
        t0 = start + rng.randrange(warmup_days, days - 3) * DAY + rng.uniform(0, 12) * HOUR
        for index, (role, events) in ring(members, t0, subtle, rng).items():
            member = next(m for m in members if m.index == index)
            taken.add(index)
            label = {"typology": ROLE_TYPOLOGY[role], "episode": f"RING-{seed}-{r:04d}-{index}",
                     "subtle": subtle}
            for ts, ev in events:
                member.plan(ts, {**ev, "label": label}, start)
        r += 1
    for c in free[:max(1, round(len(people) * ring_rate / 2))]:  # traps: as many as rings
        for ts, ev in small_business(c, start + rng.randrange(warmup_days, days - 2) * DAY,
                                     rng):
            c.plan(ts, ev, start)
    free = free[max(1, round(len(people) * ring_rate / 2)):]
    for k in range(0, min(len(free), round(len(people) * ring_rate)) - 2, 3):
        family = free[k:k + 3]
        t0 = start + rng.randrange(warmup_days, days - 2) * DAY + rng.uniform(8, 12) * HOUR
        by = {c.index: c for c in family}
        for index, events in family_pooling(family, t0, rng).items():
            for ts, ev in events:
                by[index].plan(ts, ev, start)

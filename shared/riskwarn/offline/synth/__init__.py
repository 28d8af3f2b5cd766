"""`riskwarn generate`: seeded synthetic customers, ordinary days, traps and labelled
typology episodes, written as JSON Lines in time order (docs/synthetic-data.md)."""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

import orjson

from riskwarn.offline.synth.population import (
    DAY,
    HOUR,
    Customer,
    make_customer,
    ordinary_day,
    ordinary_payer,
    txn,
    waking,
)
from riskwarn.offline.synth.rings import plan_rings
from riskwarn.offline.synth.scenarios import EPISODES, TRAPS, eligible

__all__ = ["GenerateSpec", "generate", "write_jsonl"]


@dataclass(frozen=True)
class GenerateSpec:
    customers: int = 1000
    days: int = 45
    seed: int = 7
    start: datetime = datetime(2026, 9, 1, tzinfo=UTC)
    warmup_days: int = 21  # no episode or trap before this day: profiles learn customers
    episode_rate: float = 0.05  # share of customers with one injected episode
    subtle_share: float = 0.4
    ring_rate: float = 0.01  # share of customers recruited into mule rings (rings.py)
    randomise: bool = False  # domain randomisation (population.py): wide scales and mixes

    def __post_init__(self) -> None:
        if self.customers < 1 or self.days < 1:
            raise ValueError("customers and days must be at least 1")
        if self.warmup_days >= self.days - 3:  # episodes start before the last 3 days
            raise ValueError("warmup_days must leave at least 4 days for episodes")
        if not (0 <= self.episode_rate <= 1 and 0 <= self.subtle_share <= 1
                and 0 <= self.ring_rate <= 0.2):
            raise ValueError("episode_rate and subtle_share are shares between 0 and 1, "
                             "ring_rate between 0 and 0.2")


def _label(events: list[tuple[float, dict[str, Any]]], typology: str, episode: str,
           subtle: bool) -> list[tuple[float, dict[str, Any]]]:
    """Every event of an episode labelled, except those planned as its cover (`_cover`:
    ordinary on its own, such as the purchases refund abuse returns): the model learns
    from what is suspicious, and an alert counts when it holds a labelled event."""
    label = {"typology": typology, "episode": episode, "subtle": subtle}
    return [(t, {k: v for k, v in e.items() if k != "_cover"} if e.get("_cover")
             else {**e, "label": label}) for t, e in events]


def _plan(spec: GenerateSpec, people: list[Customer], start: float) -> None:
    master = random.Random(f"{spec.seed}:plan")
    for c in people:
        _plan_customer(spec, c, start, master)
    taken = _plan_episodes(spec, people, start, master)
    if spec.ring_rate:
        plan_rings(people, taken, spec.seed, spec.warmup_days, spec.days, spec.ring_rate,
                   spec.subtle_share, start)


def _plan_customer(spec: GenerateSpec, c: Customer, start: float, master: random.Random
                   ) -> None:
    """A customer's traps and the history it has before the data starts."""
    for name, (share, make) in TRAPS.items():
        if not c.dormant and c.rng.random() < share:
            day = c.rng.randrange(spec.warmup_days, spec.days - 2)
            planned = make(c, waking(c, start + day * DAY))
            for ts, ev in planned:
                c.plan(ts, ev, start)
            if name == "late_repayment":
                c.skip_repayment_days.update(range(day - 15, day + 15))
    if c.salary and not c.dormant:  # last month's pay: the payer is known already
        payer = ordinary_payer(c)
        c.plan(start + (c.pay_day - 31) * DAY + 9 * HOUR,
               txn(c, 0.0, c.salary, "credit", "transfer", channel="api",
                   counterparty_id=payer)[1], start)
    if c.segment == "high_net_worth" and not c.dormant:  # the broker is known already
        c.plan(start - master.uniform(10, 60) * DAY,
               txn(c, 0.0, c.salary * 0.5, "debit", "transfer", channel="web",
                   counterparty_id=f"BROKER-{c.index % 13}")[1], start)
    if c.dormant:  # last activity long ago; some wake up harmlessly
        c.plan(start - master.uniform(200, 400) * DAY + 12 * HOUR,
               txn(c, 0.0, master.uniform(100, 5_000), "debit", "transfer",
                   counterparty_id=c.payees[0])[1], start)
        if c.rng.random() < 0.3:
            ts = waking(c, start + c.rng.randrange(spec.days) * DAY)
            c.plan(ts, txn(c, ts, c.rng.uniform(20, 1_500), "credit", "transfer",
                           counterparty_id=c.payees[0])[1], start)


def _plan_episodes(spec: GenerateSpec, people: list[Customer], start: float,
                   master: random.Random) -> set[int]:
    """One-customer episodes; returns the customers taken."""
    n_episodes = round(len(people) * spec.episode_rate)
    taken: set[int] = set()
    codes = list(EPISODES)
    for k in range(n_episodes):
        typology = codes[k % len(codes)]
        pool = [c for c in people if c.index not in taken and eligible(c, typology)]
        if not pool:
            continue
        c = master.choice(pool)
        taken.add(c.index)
        subtle = master.random() < spec.subtle_share
        day = master.randrange(spec.warmup_days, spec.days - 3)
        t0 = waking(c, start + day * DAY)
        episode = f"EP-{spec.seed}-{k:05d}"
        for ts, ev in _label(EPISODES[typology](c, t0, subtle), typology, episode, subtle):
            c.plan(ts, ev, start)
        if typology == "CREDIT-DELINQUENCY":
            c.skip_repayment_days.update(range(day - 15, day + 15))
    return taken


def generate(spec: GenerateSpec) -> Iterator[dict[str, Any]]:
    """Events in `occurred_at` order, about two days in memory at a time."""
    start = spec.start.timestamp()
    people = [make_customer(i, spec.seed, spec.randomise) for i in range(spec.customers)]
    _plan(spec, people, start)
    pending: list[tuple[float, int, dict[str, Any]]] = []
    seq = 0

    def push(pairs: Iterable[tuple[float, dict[str, Any]]]) -> None:
        nonlocal seq
        for ts, event in pairs:
            heapq.heappush(pending, (ts, seq, event))
            seq += 1

    def release(before: float) -> Iterator[dict[str, Any]]:
        while pending and pending[0][0] < before:
            ts, _, event = heapq.heappop(pending)
            event["occurred_at"] = _iso(ts)
            yield event

    push(pair for c in people for d, items in c.planned.items() if d < 0 for pair in items)
    for day in range(spec.days):
        day_start = start + day * DAY
        for c in people:
            push(ordinary_day(c, day, day_start))
            push(c.planned.pop(day, ()))
        # A day's events reach at most a day either side of it (local time, planned spans).
        yield from release(day_start - DAY)
    yield from release(float("inf"))


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


def write_jsonl(events: Iterator[dict[str, Any]], out: IO[bytes]) -> int:
    n = 0
    for event in events:
        out.write(orjson.dumps(event))
        out.write(b"\n")
        n += 1
    return n

"""Backfill: history applied through the scoring core; profiles learn, nothing is raised."""

from __future__ import annotations

from typing import Any

import orjson

from riskwarn.core.config import ScoringConfig
from riskwarn.core.network import MemoryNetwork
from riskwarn.core.scoring import Scorer
from riskwarn.core.standing import band, customer_key
from riskwarn.offline.backfill import backfill
from tests.builders import raw


class FakeProfileStore:
    def __init__(self) -> None:
        self.saved: list[Any] = []

    def save(self, profiles: Any) -> set[str]:
        self.saved = list(profiles)
        return set()


def test_backfill_learns_every_customer_and_counts_bad_lines() -> None:
    # Given history for two customers, with one broken line among it
    lines = [orjson.dumps(raw("transaction", customer_id=c, event_id=f"{c}-{i}"))
             for c in ("C1", "C2") for i in range(3)]
    lines.insert(2, b"{not json")
    store = FakeProfileStore()
    # When it is backfilled in small chunks
    report = backfill(lines, Scorer(ScoringConfig(use_model=False), None), store)  # type: ignore[arg-type]
    # Then every good event taught its customer's profile and the bad line is counted
    assert (report.events, report.rejected, report.customers) == (6, 1, 2)
    assert sorted(p.customer_id for p in store.saved) == ["C1", "C2"]
    assert all(p.n_events == 3 for p in store.saved)


def test_backfill_writes_the_historys_counterparties_standing() -> None:
    """A counterparty the book trades with is known from the first live day: whom it paid
    how much in the history, since when (card payments at shops count for none)."""
    lines = [orjson.dumps(raw("transaction", customer_id=c, event_id=f"{c}-{d}",
                              direction=d, method="transfer", counterparty_id="BROKER-01"))
             for c in ("C1", "C2", "C3") for d in ("debit", "credit")]
    lines.append(orjson.dumps(raw("transaction", customer_id="C1", counterparty_id="SHOP-1")))
    net = MemoryNetwork()
    report = backfill(lines, Scorer(ScoringConfig(use_model=False), None, network=net),
                      FakeProfileStore())  # type: ignore[arg-type]
    assert report.counterparties == 1
    (standing,) = net.standing(["BROKER-01", "SHOP-1"]).values()
    assert standing.payouts == {band(100.0): {customer_key(c) for c in ("C1", "C2", "C3")}}

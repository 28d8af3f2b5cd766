"""The receiving end of a chain whose legs are scored by different shards at once: C's
credit from B is scored before B's shard has written B's hop (core/late_receipts.py)."""

from __future__ import annotations

from typing import Any

from riskwarn.core.config import ScoringConfig
from riskwarn.core.events import Event
from riskwarn.core.network import MemoryNetwork
from riskwarn.core.profile import CustomerProfile
from riskwarn.core.scoring import Scorer, ScoreRun
from tests.builders import txn

RULES = ScoringConfig(use_model=False)
CHAIN = "AML-LAYERING-CHAIN"


def _history(cid: str) -> list[Event]:
    return [txn(-24.0 * d, 120, customer_id=cid, account_id=f"{cid}-01", method="card",
                counterparty_id="MERCHANT-1") for d in range(40, 0, -1)]


def _t(cid: str, hours: float, amount: float, direction: str, cp: str, **kw: Any) -> Event:
    return txn(hours, amount, customer_id=cid, account_id=f"{cid}-01", direction=direction,
               method="transfer", counterparty_id=cp, **kw)


class Book:
    """Profiles and the graph, scored batch by batch as shards would."""

    def __init__(self) -> None:
        self.net = MemoryNetwork()
        self.profiles: dict[str, CustomerProfile] = {}
        self.run([e for c in "ABC" for e in _history(c)])

    def run(self, events: list[Event], recheck: tuple[str, ...] = ()) -> ScoreRun:
        return Scorer(RULES, None, network=self.net).run(events, self.profiles, recheck)


def _legs(received: float = 55_000) -> tuple[list[Event], Event]:
    """A passes 57,000 to B, B passes 55,000 to C (B's side), and C's credit from B."""
    ab = [_t("A", 1.0, 60_000, "credit", "SRC-01"), _t("A", 1.5, 57_000, "debit", "B-01"),
          _t("B", 1.5, 57_000, "credit", "A-01"), _t("B", 2.0, received, "debit", "C-01")]
    return ab, _t("C", 2.0, received, "credit", "B-01")


def test_a_receipt_scored_before_its_payers_hop_is_raised_when_the_recheck_comes() -> None:
    book = Book()
    ab, credit = _legs()
    first = book.run([credit])  # C's shard reads B's account before B's shard writes it
    assert not any(CHAIN in s.typologies for s in first.scored)
    assert first.waiting == {"C"} and len(book.profiles["C"].pending_receipts) == 1
    book.run(ab)  # B's shard: B's hop, paid to C-01
    again = book.run([], recheck=("C",))  # the recheck record on C's shard
    (late,) = again.scored
    assert late.event.event_id == credit.event_id and late.event.customer_id == "C"
    assert late.typologies == [CHAIN] and late.tier in ("medium", "high")
    assert any("received from B-01, which passed on" in r for r in late.reasons)
    assert credit.event_id in late.evidence and ab[3].event_id in late.evidence
    assert "C" in again.changed and not book.profiles["C"].pending_receipts
    assert not book.run([], recheck=("C",)).scored  # raised once


def test_a_new_accounts_first_credit_waits_too() -> None:
    """A mule's account is often new: its first event is the credit from the pass-through.
    The profile knows no payer yet, so it cannot call this one known."""
    book = Book()
    ab, _ = _legs()
    first = _t("N", 2.0, 55_000, "credit", "B-01")
    ab[3] = _t("B", 2.0, 55_000, "debit", "N-01")
    assert book.run([first]).waiting == {"N"}  # scored before B's hop is written
    book.run(ab)
    (late,) = book.run([], recheck=("N",)).scored
    assert late.event.event_id == first.event_id and late.typologies == [CHAIN]


def test_the_payers_hop_names_the_customers_waiting_on_it_once() -> None:
    """A recheck can come before the payer's hop (the payer's shard lags): the wait left on
    the payer's account makes the batch that writes the hop ask for another."""
    book = Book()
    ab, credit = _legs()
    book.run([credit])
    assert book.net.waiting == {"B-01": {"C"}}
    assert not book.run([], recheck=("C",)).scored  # before the hop: still waiting
    assert "C" in book.run(ab).waiting  # B's batch writes the hop: C is asked again
    assert "B-01" not in book.net.waiting  # told once (A waits on its outside payer)
    (late,) = book.run([], recheck=("C",)).scored
    assert late.event.event_id == credit.event_id and late.typologies == [CHAIN]


def test_the_customers_next_event_looks_again_too() -> None:
    book = Book()
    ab, credit = _legs()
    book.run([credit])
    book.run(ab)
    later = book.run([txn(3.0, 40, customer_id="C", account_id="C-01", method="card",
                          counterparty_id="MERCHANT-1")])
    assert [s.event.event_id for s in later.scored if CHAIN in s.typologies] == [
        credit.event_id]


def test_a_recheck_before_the_hop_keeps_the_receipt_waiting() -> None:
    book = Book()
    ab, credit = _legs()
    book.run([credit])
    assert not book.run([], recheck=("C",)).scored  # B's shard lags: nothing yet
    assert len(book.profiles["C"].pending_receipts) == 1
    book.run(ab)
    assert book.run([], recheck=("C",)).scored


def test_a_receipt_stops_waiting_after_the_chain_window() -> None:
    book = Book()
    ab, credit = _legs()
    book.run([credit])
    book.run(ab)
    a_day_on = txn(2.0 + 25.0, 40, customer_id="C", account_id="C-01", method="card",
                   counterparty_id="MERCHANT-1")
    assert not [s for s in book.run([a_day_on]).scored if CHAIN in s.typologies]
    assert not book.profiles["C"].pending_receipts


def test_small_credits_money_from_its_own_account_and_known_payers_do_not_wait() -> None:
    book = Book()
    _, small = _legs(received=900)
    assert not book.run([small]).waiting
    pay = [txn(-24.0 * d, 9_000, customer_id="C", account_id="C-01", method="transfer",
               direction="credit", counterparty_id="EMPLOYER-01") for d in (30, 1)]
    assert book.run(pay[:1]).waiting == {"C"}  # a first payment from a new payer waits
    assert not book.run(pay[1:]).waiting  # the employer's next salary does not
    book.run([_t("C", 0.5, 10, "debit", "C-02"),  # the profile learns its second account
              txn(0.6, 10, customer_id="C", account_id="C-02", method="transfer",
                  direction="credit", counterparty_id="C-01")])
    own = txn(1.0, 5_000, customer_id="C", account_id="C-01", method="transfer",
              direction="credit", counterparty_id="C-02")
    assert not book.run([own]).waiting


def test_a_recheck_record_names_its_customer_and_anything_else_is_an_event() -> None:
    from riskwarn.runtime.recheck import customer_of, record

    assert customer_of(record("C-42")) == "C-42"
    for raw in (b'{"recheck":"receipts"}', b'{"recheck":"receipts","customer_id":7}',
                b'{"recheck":"all","customer_id":"C-42"}', b'{"recheck":',
                b'{"recheck":"receipts","customer_id":"' + b"x" * 65 + b'"}',
                b'{"event_id":"e-1","customer_id":"C-42"}'):
        assert customer_of(raw) is None, raw  # parsed as an event: quarantined if bad

"""A counterparty's standing in the book (core/standing.py): an account that has paid our
customers sums of a payment's size for weeks (a broker, an exchange) is one the book trades
with. An unusual amount paid to it, a one-hop receipt from it and its own trade are held at
low; a collecting account (paid by many, paying none), a person's circle (small sums both
ways) or an account new to the book stand."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from riskwarn.core.config import ScoringConfig, TypologyThresholds
from riskwarn.core.events import Event
from riskwarn.core.features import Prepared
from riskwarn.core.hits import Hit
from riskwarn.core.network import Link, MemoryNetwork
from riskwarn.core.profile import DAY, CustomerProfile
from riskwarn.core.scoring import Scored, Scorer
from riskwarn.core.standing import (
    BAND_CAP,
    REFRESH_S,
    Dealing,
    Note,
    Standing,
    band,
    customer_key,
    dealings,
    hold_unusual,
    walk,
)
from tests.builders import txn

RULES = ScoringConfig(use_model=False)
UA = "FRAUD-UNUSUAL-AMOUNT"


def _t(cid: str, days: float, amount: float, direction: str, cp: str, **kw: Any) -> Event:
    return txn(days=days, amount=amount, customer_id=cid, account_id=f"{cid}-01",
               direction=direction, method="transfer", counterparty_id=cp, **kw)


def _payouts(account: str, amounts: list[float], first_day: float) -> list[Event]:
    """`account` paying our customers R0, R1, ... these sums (nobody of ours paying it)."""
    return [_t(f"R{i}", first_day + i, a, "credit", account) for i, a in enumerate(amounts)]


def _notes(dealt: list[Dealing], known: dict[str, Standing]) -> dict[str, Note]:
    """What a batch writes to its counterparties' standing."""
    return walk(dealt, known, Prepared.of(RULES).rates)[1]


def _history(cid: str) -> list[Event]:
    """An ordinary customer: a card purchase a day for 40 days."""
    return [txn(days=-d, amount=120, customer_id=cid, account_id=f"{cid}-01", method="card",
                counterparty_id="SHOP-1") for d in range(40, 0, -1)]


def _paid(account: str, book: list[Event], cfg: ScoringConfig = RULES,
          net: MemoryNetwork | None = None) -> Scored:
    """A customer's 50,000 payment to `account` after the book's events (scored first)."""
    net, profiles = net or MemoryNetwork(), dict[str, CustomerProfile]()
    scorer = Scorer(cfg, None, network=net)
    scorer.score(sorted(book, key=lambda e: e.occurred_at), profiles)
    scorer.score(_history("C1"), profiles)
    (payment,) = scorer.score([_t("C1", 0, 50_000, "debit", account)], profiles)
    return payment


def test_an_unusual_amount_to_a_counterparty_the_book_trades_with_is_held_at_low() -> None:
    """A broker's redemptions, an exchange's withdrawals: it has paid three of our other
    customers sums of the payment's size (a quarter of it or more), for weeks. None of our
    customers need have paid it."""
    payment = _paid("BROKER-02", _payouts("BROKER-02", [40_000, 16_000, 90_000], -30))
    assert payment.typologies == [UA]
    assert payment.tier == "low"
    assert any("held at low: paid to BROKER-02, a counterparty the book trades with (it has "
               "paid 3 of our other customers sums of this size, dealing with the book for "
               "30 days)" in r for r in payment.reasons)


def test_the_batchs_earlier_events_count_towards_the_standing_of_its_later_ones() -> None:
    """The book's dealings and the payment in one batch (a backtest's, a busy shard's): the
    payment is judged on the standing as of just before it, not as the batch found it."""
    scorer, profiles = Scorer(RULES, None, network=MemoryNetwork()), dict[str, CustomerProfile]()
    batch = [*_payouts("BROKER-01", [40_000] * 3, -30), *_history("C1"),
             _t("C1", 0, 50_000, "debit", "BROKER-01")]
    scored = scorer.score(sorted(batch, key=lambda e: e.occurred_at), profiles)
    (payment,) = [s for s in scored if s.event.customer_id == "C1"]
    assert payment.tier == "low" and any("held at low" in r for r in payment.reasons)


def test_a_collecting_account_a_persons_circle_or_one_new_to_the_book_is_no_trading_partner(
) -> None:
    # paid by many of our customers but paying none of them: a fraudster's collecting account
    sink = [_t(f"P{i}", -30 + i, 50_000, "debit", "SINK-01") for i in range(12)]
    assert _paid("SINK-01", sink).tier == "medium"
    # paid by six of our customers and paying six small sums: a person's circle (an active
    # person's account, or a mule's around its chain), not the book's trade
    circle = [*[_t(f"P{i}", -30 + i, 3_000, "debit", "FEW-01") for i in range(6)],
              *_payouts("FEW-01", [3_000] * 6, -30)]
    assert _paid("FEW-01", circle).tier == "medium"
    # small payouts, however many, are not this payment's scale
    assert _paid("SMALL-01", _payouts("SMALL-01", [3_000] * 12, -30)).tier == "medium"
    # two at scale are a person's dealings, not the book's
    assert _paid("TWO-01", _payouts("TWO-01", [40_000, 60_000, 500], -30)).tier == "medium"
    # three at scale, but within the fortnight
    assert _paid("NEW-02", _payouts("NEW-02", [40_000] * 3, -10)).tier == "medium"
    # the comparator (no customer baselines) has no standing to weigh
    fixed = RULES.model_copy(update={"customer_baselines": False})
    assert _paid("BROKER-01", _payouts("BROKER-01", [40_000] * 3, -30), fixed).tier != "low"


def test_payouts_are_kept_per_band_so_small_ones_never_crowd_out_large_ones() -> None:
    """At most BAND_CAP customers per power of two of the sum: a payroll of hundreds of
    small payments leaves room for the large ones."""
    assert (band(1.0), band(3_000.0), band(50_000.0), band(0.5)) == (0, 11, 15, 0)
    book = _payouts("HUB-02", [3_000] * (BAND_CAP + 5) + [40_000] * 3, 0)
    (note,) = _notes(dealings(book), {}).values()
    assert len(note.payouts[band(3_000)]) == BAND_CAP
    assert len(note.payouts[band(40_000)]) == 3
    s = Standing(0.0, 0.0, {k: frozenset(v) for k, v in note.payouts.items()})
    assert s.paid_at_scale("X", 50_000, 2) == 3  # 40,000 is within two bands of 50,000
    assert s.paid_at_scale("X", 70_000, 0) == 0  # a band above
    assert s.paid_at_scale("X", 300_000, 2) == 0  # beyond two bands: not this scale
    assert s.paid_at_scale("R0", 5_000, 2) == BAND_CAP + 2  # R0 itself is left out


def test_an_account_with_a_confirmed_case_is_no_trading_partner() -> None:
    """A confirmed mule or fraud decision marked the account: whatever it paid, an unusual
    amount paid to it stands (and the link to the case adds to it)."""
    net = MemoryNetwork()
    net.mark("BROKER-01", Link("BROKER-01", "AL-1", 0.0, 0, 50_000.0))
    payment = _paid("BROKER-01", _payouts("BROKER-01", [40_000] * 3, -30), net=net)
    assert "FRAUD-UNUSUAL-AMOUNT" in payment.typologies and payment.tier != "low"
    assert not any("held at low" in r for r in payment.reasons)


def test_a_batch_notes_only_customers_not_yet_counted_in_a_band_and_refreshes_weekly() -> None:
    book = [*_payouts("HUB-01", [40_000] * 4, 0), _t("P1", 1, 9_000, "debit", "HUB-01")]
    (note,) = _notes(dealings(book), {}).values()
    assert note.payouts == {band(40_000): {customer_key(f"R{i}") for i in range(4)}}
    assert note.since == min(e.occurred_at.timestamp() for e in book)
    seen = max(e.occurred_at.timestamp() for e in book)
    known = {"HUB-01": Standing(note.since, seen,
                                {b: frozenset(k) for b, k in note.payouts.items()})}
    assert _notes(dealings(book), known) == {}  # nothing new, written within the week: no write
    later = _t("R1", 6, 3_000, "credit", "HUB-01")  # R1 again, in another band: new there
    (again,) = _notes(dealings([later]), known).values()
    assert again.payouts == {band(3_000): {customer_key("R1")}} and not again.refresh
    # a week after its last write, the account is written again (its item's TTL)
    stale = _t("P1", 3 + REFRESH_S / DAY + 1, 3_000, "debit", "HUB-01")
    (refresh,) = _notes(dealings([stale]), known).values()
    assert refresh.refresh and not refresh.payouts
    # an account only paid by our customers is noted too: since when the book knows it
    (first,) = _notes(dealings([_t("P2", 0, 9_000, "debit", "SHOP-9")]), {}).values()
    assert first.refresh and not first.payouts


def test_card_payments_and_cash_count_for_no_standing() -> None:
    shop = txn(0, 50, customer_id="C1", method="card", counterparty_id="SHOP-1")
    assert _notes(dealings([shop]), {}) == {}


def test_a_split_over_new_payees_is_not_answered_by_one_payees_standing() -> None:
    """The split's sign is money spread to strangers (its evidence names every payment):
    one of them being a trading partner of the book does not hold it."""
    prep = Prepared.of(RULES)
    payment = _t("C1", 0, 50_000, "debit", "BROKER-01")
    hub = Standing(0.0, 0.0, {band(40_000): frozenset(range(6))})
    single = Hit(UA, 640, "amount", (payment.event_id,), True)
    split = Hit(UA, 640, "3 transfers", ("e-a", "e-b", payment.event_id), False)
    held, kept = hold_unusual(payment, [single, split], hub, (), prep)
    assert held.score == RULES.tiers.medium - 1 and "held at low" in held.reason
    assert kept == split
    assert hold_unusual(payment, [split], hub, (), prep) == [split]


CHAIN = "AML-LAYERING-CHAIN"


def _passed_on(payer: str, paid: list[float], net: MemoryNetwork | None = None
               ) -> tuple[Scorer, dict[str, CustomerProfile], list[Event], Event]:
    """`payer`'s account B-01 has paid our customers R0, R1, ... these sums for weeks; now A
    pays B 57,000 and B passes 55,000 on to C within the hour. Returns the scorer and
    profiles with the history scored, B's legs, and C's credit from B."""
    scorer = Scorer(RULES, None, network=net or MemoryNetwork())
    profiles = dict[str, CustomerProfile]()
    history = [*_payouts("B-01", paid, -30), *_history("A"), *_history(payer), *_history("C")]
    scorer.score(sorted(history, key=lambda e: e.occurred_at), profiles)
    legs = [_t("A", 0.01, 57_000, "debit", "B-01"), _t(payer, 0.01, 57_000, "credit", "A-01"),
            _t(payer, 0.03, 55_000, "debit", "C-01")]
    return scorer, profiles, legs, _t("C", 0.03, 55_000, "credit", "B-01")


def test_money_from_an_account_that_pays_our_customers_such_sums_is_a_payout_not_a_hop(
) -> None:
    """A broker paying a client from what another client paid in passes money on within
    the hour, as a mule does. Its client's receipt is held at low when the broker has paid
    three of our other customers sums of this size for weeks; a mule pays on small sums."""
    scorer, profiles, legs, credit = _passed_on("B", [40_000, 90_000, 30_000])
    scored = scorer.score([*legs, credit], profiles)
    (receipt,) = [s for s in scored if s.event.event_id == credit.event_id]
    assert receipt.typologies == [CHAIN] and receipt.tier == "low"
    assert any("held at low: B-01 pays our customers sums of this size (it has paid 3 of "
               "our other customers sums of this size, dealing with the book for 30 days)"
               in r for r in receipt.reasons)
    scorer, profiles, legs, credit = _passed_on("B", [400, 900, 300, 500])
    scored = scorer.score([*legs, credit], profiles)
    (receipt,) = [s for s in scored if s.event.event_id == credit.event_id]
    assert receipt.typologies == [CHAIN] and receipt.tier == "medium"


def test_a_payout_waiting_for_its_payers_hop_is_judged_on_the_payers_standing_too() -> None:
    """C's shard scores the credit before B's shard writes the hop: when the recheck finds
    it, the payer's standing (read with the batch) holds it as it would have at once."""
    scorer, profiles, legs, credit = _passed_on("B", [40_000, 90_000, 30_000])
    first = scorer.run([credit], profiles)
    assert first.waiting == {"C"}
    scorer.run(legs, profiles)
    (late,) = scorer.run([], profiles, ("C",)).scored
    assert late.typologies == [CHAIN] and late.tier == "low"
    assert any("held at low: B-01 pays our customers" in r for r in late.reasons)


def test_money_passed_on_by_an_account_whose_trade_that_is_is_held_at_low() -> None:
    """B receives 57,000 and pays 55,000 on within the hour: rapid movement. B's account has
    paid three of our other customers sums of this size for weeks (a broker, an exchange):
    passing clients' money on is its trade, held at low with the reason. An account that
    has not, or one with a confirmed case on it, stands."""
    rapid = "AML-RAPID-MOVEMENT"

    def passed_on(paid: list[float], net: MemoryNetwork | None = None) -> Scored:
        scorer, profiles, legs, _ = _passed_on("B", paid, net)
        scored = scorer.score(legs, profiles)
        (sent,) = [s for s in scored if s.event.event_id == legs[2].event_id]
        return sent

    sent = passed_on([40_000, 90_000, 30_000])
    assert rapid in sent.typologies and sent.tier == "low"
    assert any("held at low: this account pays our customers sums of this size (it has paid "
               "3 of our other customers sums of this size, dealing with the book for 30 days)"
               in r for r in sent.reasons)
    assert passed_on([400, 900, 300, 500]).tier in ("medium", "high")
    net = MemoryNetwork()
    net.mark("B-01", Link("B-01", "AL-1", 0.0, 0, 50_000.0))
    marked = passed_on([40_000, 90_000, 30_000], net)
    assert rapid in marked.typologies and marked.tier != "low"


def test_a_large_payment_of_the_size_the_account_pays_our_customers_anyway_is_its_trade(
) -> None:
    """An escrow or a broker paying out: its own account has paid three of our other
    customers sums of this size for weeks, so one more such payment is no unusual amount
    for it, however far above its median (held at low with the reason)."""
    scorer, profiles, _, _ = _passed_on("B", [40_000, 90_000, 30_000])
    (paid,) = scorer.score([_t("B", 0.1, 55_000, "debit", "NEWPAYEE-01")], profiles)
    assert paid.typologies == [UA] and paid.tier == "low"
    assert any("held at low: this account pays our customers sums of this size" in r
               for r in paid.reasons)
    scorer, profiles, _, _ = _passed_on("B", [400, 900, 300])
    (paid,) = scorer.score([_t("B", 0.1, 55_000, "debit", "NEWPAYEE-01")], profiles)
    assert paid.typologies == [UA] and paid.tier == "medium"


def test_a_thresholds_version_stored_with_the_retired_two_way_rule_still_loads() -> None:
    """established_payers / established_payees were retired (payouts at the payment's size
    replaced them): a version stored before loads without them; any other unknown key is
    still refused."""
    old = TypologyThresholds.model_validate({"established_payers": 5, "established_payees": 5,
                                             "established_days": 10.0})
    assert old == TypologyThresholds(established_days=10.0)
    with pytest.raises(ValidationError):
        TypologyThresholds.model_validate({"established_payer": 5})

"""AML-RAPID-MOVEMENT through an account used as a conduit: a stranger's money far beyond
the customer's usual, and within the hour a stranger paid as far beyond it, whether or not
the two sums match."""

from __future__ import annotations

from riskwarn.core.config import ScoringConfig
from riskwarn.core.events import Event
from riskwarn.core.hits import Hit
from riskwarn.core.network import MemoryNetwork
from riskwarn.core.profile import CustomerProfile
from riskwarn.core.scoring import Scorer
from tests.builders import txn
from tests.unit.test_typologies import PLAIN, RULES, card_history, hits

RAPID = "AML-RAPID-MOVEMENT"


def _rapid(events: list[Event]) -> Hit | None:
    return next((h for h in hits(events) if h.code == RAPID), None)


def _customer(scale: float = 100) -> list[Event]:
    """Shops paid with the card, money from family every week, a salary: its typical
    amounts are about `scale`."""
    family = [txn(-24.0 * 7 * w, 3 * scale, direction="credit", method="transfer",
                  counterparty_id="MUM") for w in range(8, 0, -1)]
    return [*card_history(amount=scale), *family,
            *(txn(-24.0 * d, 30 * scale, direction="credit", method="transfer",
                  counterparty_id="EMPLOYER") for d in (40, 10))]


def _through(came: float, went: float, minutes: float = 40, payer: str = "STRANGER-1",
             payee: str = "NEW-PAYEE", method: str = "transfer") -> list[Event]:
    received = txn(0, came, direction="credit", method=method,
                   counterparty_id=None if method == "cash" else payer)
    return [received, txn(minutes / 60, went, method="transfer", counterparty_id=payee)]


def test_a_strangers_money_paid_on_to_a_stranger_within_the_hour_whatever_the_sums() -> None:
    # a quarter of what came in (the rapid-movement band wants 80-150 %)
    less = _rapid([*_customer(), *_through(36_000, 9_000)])
    # more than came in, from a receipt under the rapid-movement floor
    more = _rapid([*_customer(), *_through(8_000, 30_000)])
    for found in (less, more):
        assert found is not None and "the account used as a conduit" in found.reason
        assert found.score < RULES.tiers.high  # medium: the model may lower it, as below
        assert len(found.evidence) == 2  # the receipt and the payment
    assert less is not None and "from STRANGER-1, new to the customer" in less.reason
    assert "to NEW-PAYEE, a payee new to it, 40 min later" in less.reason
    with_model = [h for h in hits([*_customer(), *_through(36_000, 9_000)], ScoringConfig())
                  if h.code == RAPID]
    assert with_model and with_model[0].tempered


def test_what_is_not_a_conduit() -> None:
    history = _customer()
    # a payee the customer has paid before
    known = [*history, txn(-48, 200, method="transfer", counterparty_id="LANDLORD"),
             *_through(36_000, 9_000, payee="LANDLORD")]
    assert _rapid(known) is None
    # paid on hours later, not within the hour
    assert _rapid([*history, *_through(36_000, 9_000, minutes=180)]) is None
    # sums at the customer's own scale (card payments of 5,000: 8x is 40,000)
    assert _rapid([*_customer(scale=5_000), *_through(36_000, 9_000)]) is None
    # the two sums too far apart (a fifth of a fifth)
    assert _rapid([*history, *_through(36_000, 1_400)]) is None
    # cash paid in is nobody's money to trace here (large cash and structuring weigh it)
    assert _rapid([*history, *_through(36_000, 9_000, method="cash")]) is None
    # the fixed-rules baseline has no customer to compare with
    assert RAPID not in {h.code for h in hits([*history, *_through(36_000, 9_000)], PLAIN)}


def test_the_receipt_sent_on_in_the_band_is_still_plain_rapid_movement() -> None:
    found = _rapid([*_customer(), *_through(36_000, 34_000)])
    assert found is not None and "sent on to other parties within 24 h" in found.reason
    assert "conduit" not in found.reason


def test_conduits_in_a_row_are_a_chain_across_customers() -> None:
    """SRC pays A; A pays a third of it on to B, B three times what it got on to C, C on to
    D, each within the hour: no pass-through band holds (synthfin draws each hop's sum
    afresh), but every account was a conduit, and the graph links them."""
    def t(cid: str, hours: float, amount: float, direction: str, cp: str) -> Event:
        return txn(hours, amount, customer_id=cid, account_id=f"{cid}-01", method="transfer",
                   direction=direction, counterparty_id=cp)
    history = [txn(-24.0 * d, 120, customer_id=c, account_id=f"{c}-01",
                   counterparty_id="MERCHANT-1") for c in "ABCD" for d in range(40, 0, -1)]
    chain = [t("A", 1.0, 60_000, "credit", "SRC-01"),
             t("A", 1.5, 20_000, "debit", "B-01"), t("B", 1.5, 20_000, "credit", "A-01"),
             t("B", 2.0, 70_000, "debit", "C-01"), t("C", 2.0, 70_000, "credit", "B-01"),
             t("C", 2.5, 30_000, "debit", "D-01"), t("D", 2.5, 30_000, "credit", "C-01")]
    net = MemoryNetwork()
    profiles: dict[str, CustomerProfile] = {}
    Scorer(RULES, None, network=net).score(history, profiles)
    scored = Scorer(RULES, None, network=net).score(chain, profiles)
    chained = {s.event.customer_id for s in scored if "AML-LAYERING-CHAIN" in s.typologies}
    assert {"B", "C", "D"} <= chained
    (c_out,) = [s for s in scored if s.event.customer_id == "C"
                and s.event.direction == "debit"]
    assert any("3 accounts in a row within 1.5 h" in r and "60,000 CNY in at A-01" in r
               for r in c_out.reasons)
    assert all(len(net.accounts[f"{c}-01"].hops) == 1 for c in "ABC")

"""Rapid movement of money the customer's own book explains: its usual cash takings, and a
pass-through that states the same familiar flow again."""

from __future__ import annotations

import re

from riskwarn.core.config import ScoringConfig
from riskwarn.core.events import Event
from riskwarn.core.scoring import Scorer
from tests.builders import txn
from tests.fakes import FakeModel
from tests.unit.test_typologies import RULES, card_history, hits

SHOP_DAYS = 30


def _shop(daily_cash: float = 20_000) -> list[Event]:
    """A shop that banks its cash takings every morning and pays a known supplier weekly."""
    out: list[Event] = []
    for d in range(SHOP_DAYS, 0, -1):
        out.append(txn(-24.0 * d, daily_cash, direction="credit", method="cash",
                       counterparty_id=None))
        if d % 7 == 0:
            out.append(txn(-24.0 * d + 2, 30_000, method="transfer", counterparty_id="SUP1"))
    return out


def _paid_to_family(cash_today: float) -> list[Event]:
    return [txn(0, cash_today, direction="credit", method="cash", counterparty_id=None),
            txn(2, 0.85 * cash_today, method="transfer", counterparty_id="SISTER")]


def _rapid(events: list[Event]) -> str | None:
    found = [h for h in hits(events) if h.code == "AML-RAPID-MOVEMENT"]
    return found[0].reason if found else None


def test_cash_takings_at_the_customers_usual_scale_count_as_known_money() -> None:
    """A shop that banks ~20,000 in cash every day paying 18,700 to a new payee (family)
    from today's takings: the money is its own trade, a tier lower. Cash far beyond what it
    usually banks, or cash from a customer that does not bank cash, is not."""
    usual = _rapid([*_shop(), *_paid_to_family(22_000)])
    assert usual is not None and "its usual cash takings" in usual
    # ~20,000 a day over the 72 h window (the decayed sum slightly under the plain one)
    about = float(re.search(r"usually about ([\d,]+) CNY", usual)[1].replace(",", ""))  # type: ignore[index]
    assert 54_000 <= about <= 60_000

    beyond = _rapid([*_shop(), *_paid_to_family(150_000)])
    assert beyond is not None and "dealt with" not in beyond

    no_cash_habit = [txn(-24.0 * d, 20_000, direction="credit", method="transfer",
                         counterparty_id="EMPLOYER") for d in range(SHOP_DAYS, 0, -1)]
    placed = _rapid([*no_cash_habit, *_paid_to_family(22_000)])
    assert placed is not None and "dealt with" not in placed


def test_a_few_cash_deposits_are_not_a_habit() -> None:
    few = [txn(-24.0 * d, 20_000, direction="credit", method="cash", counterparty_id=None)
           for d in (20, 10)]
    reason = _rapid([*few, *_paid_to_family(22_000)])
    assert reason is not None and "dealt with" not in reason


def investor() -> list[Event]:
    """A redemption from the customer's fund moved to its broker within minutes: rapid
    movement and a pass-through of the same receipt, both parties known for months."""
    known: list[Event] = []
    for month in (3, 2, 1):  # a redemption moved to the broker each month
        known += [txn(-24.0 * 30 * month, 120_000, direction="credit", method="transfer",
                      counterparty_id="INVEST-6"),
                  txn(-24.0 * 30 * month + 1, 118_000, method="transfer",
                      counterparty_id="BROKER-8")]
    return [*known, *card_history(),
            txn(0, 127_234, direction="credit", method="transfer", counterparty_id="INVEST-6"),
            txn(0.2, 122_174, method="transfer", counterparty_id="BROKER-8")]


def test_a_pass_through_of_a_familiar_flow_adds_no_weight_of_its_own() -> None:
    found = {h.code: h for h in hits(investor())}
    assert found["AML-RAPID-MOVEMENT"].familiar
    through = found["AML-PASS-THROUGH"]
    assert through.restates == "AML-RAPID-MOVEMENT"
    assert through.reason.endswith("the same flow as the rapid movement, familiar to the "
                                   "customer")
    events = investor()
    run = Scorer(RULES, None).score(events, {})
    scored = next(s for s in run if s.event.event_id == events[-1].event_id)
    # one familiar flow stated twice stands where the rapid movement alone stands: medium
    assert RULES.tiers.tier_for(scored.score) == "medium"
    assert {"AML-RAPID-MOVEMENT", "AML-PASS-THROUGH"} <= set(scored.typologies)


def test_a_pass_through_from_new_payers_still_adds_weight() -> None:
    mule = [*investor()[:-2],
            txn(0, 127_234, direction="credit", method="transfer", counterparty_id="STRANGER"),
            txn(0.2, 122_174, method="transfer", counterparty_id="ELSEWHERE")]
    found = {h.code: h for h in hits(mule)}
    assert not found["AML-RAPID-MOVEMENT"].familiar
    assert "AML-PASS-THROUGH" in found and not found["AML-PASS-THROUGH"].restates
    cfg = ScoringConfig(use_model=False)
    scored = next(s for s in Scorer(cfg, None).score(mule, {})
                  if s.event.event_id == mule[-1].event_id)
    assert cfg.tiers.tier_for(scored.score) in ("high", "critical")


def _pay_day() -> list[Event]:
    """A customer paid by its employer, who pays two people it has paid before within the
    hour of the next pay: a familiar rapid movement and a burst to its usual payees."""
    shops = [txn(-24.0 * i, 100, counterparty_id=f"M{i % 3}") for i in range(20, 0, -1)]
    pay = [txn(-24.0 * d, 30_000, direction="credit", method="transfer",
               counterparty_id="EMPLOYER") for d in (35, 5)]
    usual = [txn(-24.0 * d + 1, 8_000, method="transfer", counterparty_id=p)
             for d, p in ((34, "P1"), (33, "P2"), (4, "P1"))]
    today = [txn(0, 33_000, direction="credit", method="transfer", counterparty_id="EMPLOYER"),
             *(txn(1 + 0.2 * i, 10_500 + i, method="transfer", counterparty_id=p)
               for i, p in enumerate(("P1", "P2", "P1")))]
    return [*shops, *pay, *usual, *today]


def test_two_familiar_findings_are_one_habit_and_add_no_weight_to_each_other() -> None:
    """What the customer's own book explains counts once: the familiar rapid movement and
    the burst to usual payees stand where one of them stands (medium), not high together,
    and a confident model lowers the alert to low."""
    events = _pay_day()
    found = {h.code: h for h in hits(events)}
    assert found["AML-RAPID-MOVEMENT"].familiar and found["FRAUD-VELOCITY"].familiar
    (alone,) = Scorer(RULES, None).score(events, {})[-1:]
    assert set(alone.typologies) == {"AML-RAPID-MOVEMENT", "FRAUD-VELOCITY"}
    assert alone.score == RULES.tiers.high - 1
    (calm,) = Scorer(ScoringConfig(), FakeModel({10_502.0: 0.05})).score(  # type: ignore[arg-type]
        events, {})[-1:]
    assert calm.tier == "low" and set(calm.routine) == {"AML-RAPID-MOVEMENT", "FRAUD-VELOCITY"}

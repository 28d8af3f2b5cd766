"""Cycles whatever the size of the sums: inflows forwarded almost whole within minutes, over
and over (AML-PASS-THROUGH by forwarding), and card purchases refunded within hours, over
and over (FRAUD-REFUND-ABUSE); with the shapes an ordinary customer has, which must not
fire."""

from __future__ import annotations

from typing import Any

import pytest

from riskwarn.core.config import ScoringConfig
from riskwarn.core.events import Event
from riskwarn.core.scoring import Scored, Scorer
from tests.builders import txn
from tests.fakes import FakeModel

RULES = ScoringConfig(use_model=False)


def _history(cid: str) -> list[Event]:
    """A month of ordinary life: a coffee a day at a known shop, pay and rent."""
    out = [txn(-24.0 * d, 30, customer_id=cid, account_id=f"{cid}-01", method="card",
               counterparty_id="CAFE") for d in range(30, 0, -1)]
    out += [txn(-24.0 * d, 9_000, customer_id=cid, account_id=f"{cid}-01", direction="credit",
                method="transfer", counterparty_id="EMPLOYER") for d in (28, 3)]
    return out


def _t(hours: float, amount: float, direction: str, cp: str | None, **kw: Any) -> Event:
    return txn(hours, amount, customer_id="C1", account_id="C1-01", direction=direction,
               method="transfer", counterparty_id=cp, **kw)


def _card(hours: float, amount: float, direction: str, shop: str) -> Event:
    return txn(hours, amount, customer_id="C1", account_id="C1-01", direction=direction,
               method="card", counterparty_id=shop, merchant_category="5999")


def _score(events: list[Event], cfg: ScoringConfig = RULES, model: Any = None) -> list[Scored]:
    return Scorer(cfg, model).score([*_history("C1"), *events], {})


def _hits(scored: list[Scored], code: str) -> list[Scored]:
    return [s for s in scored if code in s.typologies]


def _forwarded(share: float = 0.95, after_min: float = 12.0, amount: float = 800.0,
               cycles: int = 3, to: str | None = None) -> list[Event]:
    out: list[Event] = []
    for k in range(cycles):
        t = 1.0 + 1.2 * k
        out += [_t(t, amount, "credit", None),
                _t(t + after_min / 60.0, round(amount * share, 2), "debit", to)]
    return out


def test_inflows_forwarded_whole_again_and_again_are_pass_through_whatever_the_size() -> None:
    scored = _score(_forwarded())
    (found,) = _hits(scored, "AML-PASS-THROUGH")
    assert found.tier == "medium"
    assert any("3 inflows (2,400 CNY) each sent on almost whole (95% in all) within 12 min"
               in r for r in found.reasons)
    assert len(found.evidence) == 6  # every inflow and the debit that sent it on


def test_a_model_that_calls_forwarding_usual_cannot_lower_it() -> None:
    (found,) = _hits(_score(_forwarded(), ScoringConfig(), FakeModel()), "AML-PASS-THROUGH")
    assert found.tier == "medium" and not found.lowered


@pytest.mark.parametrize(("case", "events"), [
    ("two cycles only", _forwarded(cycles=2)),
    ("80 % sent on, under the share", _forwarded(share=0.80)),
    ("more sent on than came in", _forwarded(share=1.02)),
    ("sent on 61 min after arriving", _forwarded(after_min=61.0)),
    ("1,500 CNY in all, under the floor", _forwarded(amount=500.0)),
])
def test_what_is_not_forwarding(case: str, events: list[Event]) -> None:
    assert not _hits(_score(events), "AML-PASS-THROUGH"), case


def test_money_moved_to_the_customers_own_account_is_not_forwarding() -> None:
    own = [txn(-48.0, 10, customer_id="C1", account_id="C1-02", method="transfer",
               counterparty_id="C1-01")]  # the profile learns its second account
    assert not _hits(_score([*own, *_forwarded(to="C1-02")]), "AML-PASS-THROUGH")


def _refunds(cycles: int = 2, share: float = 1.0, after_h: float = 1.0,
             price: float = 1_500.0, same_shop: bool = True) -> list[Event]:
    out: list[Event] = []
    for k in range(cycles):
        t, shop = 1.0 + 3.0 * k, f"SHOP-{k}"
        out += [_card(t, price, "debit", shop),
                _card(t + after_h, round(price * share, 2), "credit",
                      shop if same_shop else "ELSEWHERE")]
    return out


def test_purchases_refunded_within_hours_again_and_again_are_refund_abuse() -> None:
    (found,) = _hits(_score(_refunds()), "FRAUD-REFUND-ABUSE")
    assert found.tier == "medium" and found.evidence[-1] == found.event.event_id
    assert any("2 card purchases refunded by the merchant within 1 h of buying "
               "(3,000 CNY refunded, 2 merchants) within 24 h" in r for r in found.reasons)
    (firm,) = _hits(_score(_refunds(), ScoringConfig(), FakeModel()), "FRAUD-REFUND-ABUSE")
    assert firm.tier == "medium" and not firm.lowered


@pytest.mark.parametrize(("case", "events"), [
    ("one return", _refunds(cycles=1)),
    ("refunded 7 h after buying", _refunds(after_h=7.0)),
    ("85 % refunded, under the share", _refunds(share=0.85)),
    ("more refunded than paid", _refunds(share=1.05)),
    ("1,800 CNY refunded, under the floor", _refunds(price=900.0)),
    ("refunds from another merchant", _refunds(same_shop=False)),
])
def test_what_is_not_refund_abuse(case: str, events: list[Event]) -> None:
    assert not _hits(_score(events), "FRAUD-REFUND-ABUSE"), case


def test_a_return_days_later_is_a_customer_returning_something() -> None:
    events = [_card(1.0, 2_000, "debit", "SHOP-A"), _card(2.0, 2_000, "debit", "SHOP-B"),
              _card(50.0, 2_000, "credit", "SHOP-A"), _card(51.0, 2_000, "credit", "SHOP-B")]
    assert not _hits(_score(events), "FRAUD-REFUND-ABUSE")


def test_the_fixed_rules_baseline_has_neither() -> None:
    base = ScoringConfig.fixed_rules_baseline()
    codes = {c for s in _score([*_forwarded(), *_refunds()], base) for c in s.typologies}
    assert not codes & {"AML-PASS-THROUGH", "FRAUD-REFUND-ABUSE"}


@pytest.mark.parametrize(("field", "value"), [
    ("forward_share", 1.2), ("refund_share", 0.0), ("forward_within_h", 25.0),
    ("refund_window_h", 200.0), ("forward_min_cycles", 0),
])
def test_the_thresholds_are_checked(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=field):
        RULES.thresholds.model_validate({**RULES.thresholds.model_dump(), field: value})


def test_the_models_input_counts_the_refund_cycles_of_the_day() -> None:
    from riskwarn.core.features import Prepared, observe
    from riskwarn.core.profile import CustomerProfile

    prep, prof = Prepared.of(RULES), CustomerProfile("C1")
    rows = [observe(prof, e, prep) for e in [*_history("C1"), *_refunds(cycles=3)]]
    assert [r["refund_cycles"] for r in rows[-6:]] == [0, 1, 0, 2, 0, 3]  # on each refund
    assert all(r["refund_cycles"] == 0 for r in rows[:-6])


def test_the_model_alone_reaches_low_at_most_on_a_refund_to_the_card() -> None:
    model = FakeModel({4_321.0: 0.99})
    (refund,) = _score([_card(1.0, 4_321, "credit", "CAFE")], ScoringConfig(), model)
    (spend,) = _score([_card(1.0, 4_321, "debit", "CAFE")], ScoringConfig(), model)
    assert refund.tier == "low" and refund.typologies == ["MODEL"]
    assert spend.tier == "high"

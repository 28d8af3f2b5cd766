"""Money split over payees new to the customer within hours, each payment well above its
typical transfer (FRAUD-UNUSUAL-AMOUNT, typologies_payees.py); with the shapes an ordinary
customer has, which must not fire."""

from __future__ import annotations

import pytest

from riskwarn.core.config import ScoringConfig, TypologyThresholds
from riskwarn.core.events import Event
from riskwarn.core.scoring import Scored, Scorer
from tests.builders import txn
from tests.fakes import FakeModel

RULES = ScoringConfig(use_model=False)
CODE = "FRAUD-UNUSUAL-AMOUNT"


def _history(new_every_time: bool = False) -> list[Event]:
    """A month: a coffee a day, pay twice, and six transfers of 600 CNY — to the landlord
    and a friend, or (`new_every_time`) each to someone the customer never paid before."""
    out = [txn(-24.0 * d, 30, customer_id="C1", account_id="C1-01", method="card",
               counterparty_id="CAFE") for d in range(30, 0, -1)]
    out += [txn(-24.0 * d, 9_000, customer_id="C1", account_id="C1-01", direction="credit",
                method="transfer", counterparty_id="EMPLOYER") for d in (28, 3)]
    out += [txn(-24.0 * d - 1, 600, customer_id="C1", account_id="C1-01", method="transfer",
                counterparty_id=f"P-{d}" if new_every_time else ("LANDLORD", "FRIEND")[d % 2])
            for d in (27, 22, 17, 12, 7, 4)]
    return out


def _pay(hours: float, amount: float, payee: str) -> Event:
    return txn(hours, amount, customer_id="C1", account_id="C1-01", method="transfer",
               counterparty_id=payee)


def _split(amounts: tuple[float, ...] = (2_600.0, 3_000.0), gap_h: float = 1.2,
           payees: tuple[str, ...] = ("SHELL-VENDOR", "FAST-INVOICE")) -> list[Event]:
    return [_pay(1.0 + k * gap_h, a, p) for k, (a, p) in enumerate(zip(amounts, payees,
                                                                       strict=True))]


def _score(events: list[Event], cfg: ScoringConfig = RULES, model: FakeModel | None = None,
           new_every_time: bool = False) -> list[Scored]:
    return Scorer(cfg, model).score([*_history(new_every_time), *events], {})


def _hits(scored: list[Scored]) -> list[Scored]:
    return [s for s in scored if CODE in s.typologies]


def test_payments_to_new_payees_each_well_above_the_usual_are_an_unusual_amount() -> None:
    split = _split()
    (found,) = _hits(_score(split))
    assert found.event.event_id == split[1].event_id  # the second payment completes it
    assert found.tier == "medium" and len(found.evidence) == 2
    # each payment is measured against the typical transfer before it (600 CNY for the
    # first; 790 CNY for the second, the first payment included in the decayed log-mean)
    assert any("2 transfers to payees new to the customer within 1.2 h (2,600 and 3,000 "
               "CNY, 5,600 CNY in all), each at least 2x its typical transfer when sent "
               "(before this one: 790 CNY)" in r
               for r in found.reasons), found.reasons
    assert any("74% of its earlier transfers went to payees it had paid before" in r
               for r in found.reasons)


def test_a_model_that_calls_the_split_usual_cannot_lower_it() -> None:
    (found,) = _hits(_score(_split(), ScoringConfig(), FakeModel()))
    assert found.tier == "medium" and not found.lowered


@pytest.mark.parametrize(("case", "events"), [
    ("one new payee", _split(amounts=(5_600.0,), payees=("SHELL-VENDOR",))),
    ("the second 7 h later, outside the window", _split(gap_h=7.0)),
    ("one of them under twice the usual transfer", _split(amounts=(1_150.0, 4_200.0))),
    ("4,800 CNY in all, under the floor", _split(amounts=(2_400.0, 2_400.0))),
    ("the second payee paid before", _split(payees=("SHELL-VENDOR", "LANDLORD"))),
])
def test_what_is_not_a_split_over_new_payees(case: str, events: list[Event]) -> None:
    assert not _hits(_score(events)), case


def test_a_customer_who_pays_someone_new_every_time_is_not_surprised_by_new_payees() -> None:
    assert not _hits(_score(_split(), new_every_time=True))
    # the same customer's share switch, set out of reach, lets the rule judge the amounts
    cfg = RULES.model_copy(update={"thresholds": TypologyThresholds(split_known_transfers=50)})
    assert _hits(_score(_split(), cfg, new_every_time=True))


def test_card_purchases_at_new_shops_are_not_transfers_to_new_payees() -> None:
    shops = [txn(1.0 + k, 3_000, customer_id="C1", account_id="C1-01", method="card",
                 counterparty_id=f"SHOP-{k}", merchant_category="5999") for k in range(2)]
    assert not _hits(_score(shops))


@pytest.mark.parametrize("name", ["split_window_h"])
def test_the_window_is_bound_by_the_ledgers_week(name: str) -> None:
    with pytest.raises(ValueError, match="at most 168"):
        TypologyThresholds(**{name: 169.0})
    with pytest.raises(ValueError, match="share"):
        TypologyThresholds(split_usual_share=1.5)


def test_each_payment_is_measured_against_the_typical_transfer_before_it() -> None:
    # the first fake invoice is 2.2x the typical transfer when sent; payroll to a known
    # payee in the same minute, then the second invoice, lift the typical so far that the
    # first payment is no longer twice it — the split stands, as each was when it was sent
    split = [_pay(1.0, 1_300.0, "SHELL-VENDOR"), _pay(1.0, 20_000.0, "LANDLORD"),
             _pay(2.0, 4_000.0, "FAST-INVOICE")]
    (found,) = _hits(_score(split))
    assert found.event.event_id == split[2].event_id
    assert set(found.evidence) == {split[0].event_id, split[2].event_id}

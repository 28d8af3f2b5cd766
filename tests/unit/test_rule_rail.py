"""The flood rail for rules: what one typology alone may raise is held to the book."""

from __future__ import annotations

import io

import orjson
import pytest
from pydantic import ValidationError

from riskwarn.core.config import AlertBudget, RuleRail, ScoringConfig
from riskwarn.core.events import Event
from riskwarn.core.hits import Hit
from riskwarn.core.profile import CustomerProfile
from riskwarn.core.rule_rail import RuleWatch, alone
from riskwarn.core.scoring import Scored, Scorer
from riskwarn.offline.backtest import run_backtest
from riskwarn.offline.report import render_text
from tests.builders import at, line, txn

UA = "FRAUD-UNUSUAL-AMOUNT"
# a book of 240 customers is 240 customer-days a day: the rail looks from day 10
RAIL = RuleRail(factor=1.0, min_customer_days=2400, half_life_days=1000.0)
CFG = ScoringConfig(use_model=False, rule_rail=RAIL)


def _hit(code: str = UA, margin: float = 2.0, boost: int = 0) -> Hit:
    return Hit(code, 640, "why", ("e",), True, boost=boost, margin=margin)


def _book(days: int, customers: int, per_day: int, scorer: Scorer) -> list[list[Scored]]:
    """Each customer pays 100 at a shop it knows every day; from day 8, `per_day` customers
    a day (each once) send 40,000 or more to a payee new to them: an unusual amount, a
    little larger for each customer so that their margins differ. What each day raised."""
    profiles: dict[str, CustomerProfile] = {}
    raised = []
    for d in range(days):
        events: list[Event] = [txn(9, 100, days=d, customer_id=f"C{c}", counterparty_id="M1",
                                   event_id=f"E{c}-{d}") for c in range(customers)]
        if d >= 8:
            events += [txn(12, 40_000 + 500 * (c % 40), days=d, customer_id=f"C{c}",
                           method="transfer", counterparty_id=f"NEW-{c}", event_id=f"U{c}")
                       for c in range((d - 8) * per_day, min((d - 7) * per_day, customers))]
        raised.append(scorer.score(events, profiles))
    return raised


def _alerts(raised: list[list[Scored]]) -> list[int]:
    """Alerts at medium and above, per day."""
    return [sum(s.tier != "low" for s in day) for day in raised]


def test_a_typology_flooding_the_book_alone_is_held_at_low_but_its_strongest_stand() -> None:
    # ten customers of 240 a day send 400x their usual to a stranger: ~42 per 1,000
    # customer-days of FRAUD-UNUSUAL-AMOUNT alone against a ceiling of 3 (the medium budget)
    scorer = Scorer(CFG, None)
    raised = _book(30, 240, 10, scorer)
    assert all(s.typologies == [UA] for day in raised for s in day)
    per_day = _alerts(raised)
    assert per_day[8:10] == [10, 10]  # before the rail has seen min_customer_days
    assert scorer.rule_watch.rate(UA) > 30
    assert 0 < sum(per_day[16:]) <= 20  # of 140: the strongest still stand
    bars = scorer.rule_watch.bars(CFG.alert_budget)
    assert set(bars) == {UA} and bars[UA] > 1.0
    # the rest stay on the alert list, at low, saying why
    held = [s for day in raised[16:] for s in day if s.tier == "low"]
    assert len(held) + sum(per_day[16:]) == 140
    reason = held[-1].reasons[0]
    assert "held at low by the flood rail" in reason and "per 1,000 customer-days" in reason
    assert held[-1].lowered == ()  # the book's rail, not the model's lowering


def test_a_book_within_the_ceiling_is_not_touched() -> None:
    # one customer of 600 a day: ~1.7 per 1,000 customer-days against a ceiling of 3
    scorer = Scorer(CFG, None)
    raised = _book(30, 600, 1, scorer)
    assert scorer.rule_watch.bars(CFG.alert_budget) == {}
    assert sum(_alerts(raised)) == 22


def test_the_rail_can_be_turned_off_and_the_fixed_baseline_has_none() -> None:
    off = ScoringConfig(use_model=False, rule_rail=RAIL.model_copy(update={"enabled": False}))
    raised = _book(30, 240, 10, Scorer(off, None))
    assert sum(_alerts(raised)[16:]) == 140
    assert not ScoringConfig.fixed_rules_baseline().rule_rail.enabled


def test_regulatory_and_unknown_typologies_cannot_be_watched() -> None:
    with pytest.raises(ValidationError, match="regulatory typologies are never held"):
        ScoringConfig(rule_rail=RuleRail(typologies=("AML-LARGE-CASH",)))
    with pytest.raises(ValidationError, match="unknown codes"):
        ScoringConfig(rule_rail=RuleRail(typologies=("FRAUD-NOPE",)))


def test_only_a_typology_alone_counts() -> None:
    watched = frozenset({UA})
    weak, strong = _hit(margin=1.5), _hit(margin=9.0)
    assert alone([weak, strong], 0, 500, watched) is strong
    # the model at medium corroborates it; so does another typology, or a confirmed case
    assert alone([strong], 500, 500, watched) is None
    assert alone([strong, _hit("AML-RAPID-MOVEMENT")], 0, 500, watched) is None
    assert alone([_hit(boost=60)], 0, 500, watched) is None
    assert alone([_hit("ATO-DRAIN")], 0, 500, watched) is None  # not watched


def test_the_bar_keeps_the_typology_alone_at_its_ceiling() -> None:
    watch = RuleWatch(RAIL)
    budget = AlertBudget()  # medium 3 per 1,000: 3 events of 1,000 customer-days
    margins = [1.0 + i / 10 for i in range(30)]  # 30 events, margins 1.0 to 3.9
    watch.observe([0] * 1000, [True] * 1000, [(UA, m) for m in margins])
    assert watch.bars(budget) == {}  # not before min_customer_days
    watch.rail = RAIL.model_copy(update={"min_customer_days": 1000})
    bar = watch.bars(budget)[UA]
    assert sum(m >= bar for m in margins) <= 3 and sum(m >= bar * 0.97 for m in margins) >= 3
    assert round(watch.rate(UA), 6) == 30.0


def test_the_watch_decays_with_the_books_days() -> None:
    watch = RuleWatch(RAIL.model_copy(update={"half_life_days": 1.0}))
    watch.observe([0] * 10, [True] * 10, [(UA, 2.0)] * 4)
    watch.observe([1], [True], [])
    assert round(float(watch.counts[UA].sum()), 6) == 2.0
    assert round(watch.customer_days, 6) == 6.0


def test_a_backtest_reports_what_the_rail_held() -> None:
    events = [line(event_id=f"E{c}-{d}", customer_id=f"C{c}", occurred_at=at(9, days=d),
                   amount="100.00") for d in range(30) for c in range(240)]
    events += [line(event_id=f"U{c}", customer_id=f"C{c}", occurred_at=at(12, days=8 + c // 10),
                    amount=f"{40_000 + 500 * (c % 40)}.00", method="transfer",
                    counterparty_id=f"NEW-{c}") for c in range(220)]
    events.sort(key=lambda x: orjson.loads(x)["occurred_at"])
    summary = run_backtest(io.BytesIO(b"\n".join(events)), io.BytesIO(), CFG, None)
    held = summary.rule_rail[UA]
    assert held["alone_per_1000_customer_days"] > 20 and held["ceiling"] == 3.0
    assert held["bar"] > 1.0
    assert "held by the rules' flood rail" in render_text(summary)
    assert summary.as_dict()["rule_rail"] == summary.rule_rail

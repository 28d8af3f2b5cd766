"""The flood rail: what the model alone may raise is held to the book being scored."""

from __future__ import annotations

from riskwarn.core.config import ModelCutoffs, ModelRail, ScoringConfig
from riskwarn.core.model_rail import ModelWatch
from riskwarn.core.profile import CustomerProfile
from riskwarn.core.scoring import Scored, Scorer
from tests.builders import txn
from tests.fakes import FakeModel

ODD = 123.0  # the amount the fake model finds risky
# about twelve days of this book; decay slow enough not to matter within the test
RAIL = ModelRail(factor=1.0, min_customer_days=700, half_life_days=1000.0)


def _book(days: int, customers: int, odd_every: int, scorer: Scorer
          ) -> list[list[Scored]]:
    """Each customer pays 100 to a known shop every day; every `odd_every`-th customer-day
    it also pays ODD, which the scorer's model finds risky and no rule fires on. Model-driven
    alerts (medium and above) per day."""
    profiles: dict[str, CustomerProfile] = {}
    per_day = []
    for d in range(days):
        events = []
        for c in range(customers):
            events.append(txn(9, 100, days=d, customer_id=f"C{c}", counterparty_id="M1",
                              event_id=f"E{c}-{d}"))
            if (d * customers + c) % odd_every == 0:
                events.append(txn(12, ODD, days=d, customer_id=f"C{c}", counterparty_id="M2",
                                  event_id=f"O{c}-{d}"))
        found = scorer.score(events, profiles)  # type: ignore[arg-type]
        per_day.append([s for s in found if s.tier != "low"])
    return per_day


def test_a_book_the_model_floods_has_its_cutoffs_raised_until_it_does_not() -> None:
    # a book where the model calls one customer-day in ten medium: 100 per 1,000
    # customer-days against a ceiling of 0.5 (factor 1 × the model-only budget)
    scorer = Scorer(ScoringConfig(model_rail=RAIL), FakeModel({ODD: 0.9}))
    per_day = _book(24, 60, 10, scorer)
    # Given history to compare with (eight days), the model alone raises at first...
    assert all(s.typologies == ["MODEL"] for day in per_day for s in day)
    assert sum(len(d) for d in per_day[8:12]) > 0
    # ...and once the rail has seen its customer-days, it raises no more
    assert sum(len(d) for d in per_day[13:]) == 0
    assert scorer.cutoffs.medium > 0.9 and scorer.cutoffs.high > scorer.cutoffs.medium
    # never below the cut-offs in force
    assert scorer.cutoffs.low >= ScoringConfig().model_cutoffs.low


def test_a_book_within_the_ceiling_keeps_its_cutoffs() -> None:
    # the same model, but one customer-day in 400: 2.5 per 1,000, under a ceiling of 4
    scorer = Scorer(ScoringConfig(model_rail=RAIL.model_copy(update={"factor": 8.0})),
                    FakeModel({ODD: 0.9}))
    per_day = _book(24, 60, 400, scorer)
    assert scorer.cutoffs == ScoringConfig().model_cutoffs
    assert sum(len(d) for d in per_day[8:]) > 0


def test_the_rail_can_be_turned_off() -> None:
    cfg = ScoringConfig(model_rail=RAIL.model_copy(update={"enabled": False}))
    scorer = Scorer(cfg, FakeModel({ODD: 0.9}))
    per_day = _book(20, 60, 10, scorer)
    assert scorer.cutoffs == cfg.model_cutoffs and sum(len(d) for d in per_day[14:]) > 0


def test_what_rules_raise_does_not_count_against_the_model() -> None:
    # the model agrees with a rule every day: not the model alone
    scorer = Scorer(ScoringConfig(model_rail=RAIL), FakeModel({60_000.0: 0.99}))
    profiles: dict[str, CustomerProfile] = {}
    for d in range(20):
        scorer.score([txn(10, 60_000, days=d, customer_id=f"C{c}", method="cash",
                          direction="credit", counterparty_id=None, event_id=f"E{c}-{d}")
                      for c in range(40)], profiles)  # type: ignore[list-item]
    assert scorer.watch.customer_days > RAIL.min_customer_days
    assert scorer.cutoffs == ScoringConfig().model_cutoffs


def test_a_customer_day_counts_once_at_its_highest_risk() -> None:
    watch = ModelWatch(RAIL)
    # one customer-day: risks 0.6, 0.9, 0.7 (the day's highest so far before each)
    watch.observe([5, 5, 5], [True, False, False], [0.6, 0.9, 0.7], [-1.0, 0.6, 0.9])
    assert watch.customer_days == 1 and round(float(watch.counts.sum()), 9) == 1.0
    # a rule fired on the next day's only event: a customer-day, nothing to count
    watch.observe([6], [True], [-1.0], [-1.0])
    assert round(watch.customer_days, 6) == round(0.5 ** (1 / 1000) + 1, 6)


def test_new_thresholds_keep_what_the_rail_learnt() -> None:
    scorer = Scorer(ScoringConfig(model_rail=RAIL), FakeModel({ODD: 0.9}))
    _book(18, 60, 10, scorer)
    raised = scorer.cutoffs
    cfg = ScoringConfig(model_rail=RAIL, model_cutoffs=ModelCutoffs(low=0.6, medium=0.85,
                                                                    high=0.97))
    again = Scorer(cfg, scorer.model, scorer.watch)
    assert again.watch is scorer.watch
    _book(1, 1, 1, again)
    assert again.cutoffs.medium >= raised.medium and again.cutoffs.low >= 0.6

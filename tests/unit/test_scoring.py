"""Score, tier, category and reasons from rules and the model; de-duplication."""

from __future__ import annotations

import pytest

from riskwarn.alerts import AlertBook, alert_id_for
from riskwarn.config import ScoringConfig
from riskwarn.profile import CustomerProfile
from riskwarn.scoring import Scored, Scorer
from tests.builders import login, txn
from tests.fakes import FakeModel

CFG = ScoringConfig()


def score(events: list[object], model: FakeModel | None = None,
          cfg: ScoringConfig = CFG) -> list[Scored]:
    profiles: dict[str, CustomerProfile] = {}
    return Scorer(cfg, model or FakeModel()).score(events, profiles)  # type: ignore[arg-type]


def test_ordinary_event_raises_nothing() -> None:
    assert score([txn(0, 100)]) == []


@pytest.mark.parametrize(("risk", "tier"), [
    (0.29, None), (0.30, "low"), (0.50, "medium"), (0.70, "high"), (0.85, "critical"),
])
def test_model_alone_maps_to_tiers(risk: float, tier: str | None) -> None:
    found = score([txn(0, 123)], FakeModel({123.0: risk}))
    assert (found[0].tier if found else None) == tier
    if found:
        s = found[0]
        assert s.typologies == ["MODEL"] and s.model_typology == "AML-STRUCTURING"
        assert s.risk_category == "aml"
        assert s.reasons[-1].startswith(f"model risk {round(risk * 1000)}: most like "
                                        "AML-STRUCTURING: amount stood out")


def test_model_alone_can_be_kept_from_critical() -> None:
    model = FakeModel({123.0: 0.99})
    (allowed,) = score([txn(0, 123)], model)
    assert allowed.tier == "critical" and allowed.score == 990
    (held,) = score([txn(0, 123)], model, ScoringConfig(model_alone_critical=False))
    assert held.tier == "high" and held.score == CFG.tiers.critical - 1


def test_reportable_cash_stands_even_when_the_model_sees_nothing() -> None:
    (s,) = score([txn(0, 60_000, method="cash", direction="credit")])
    assert s.typologies == ["AML-LARGE-CASH"] and s.tier == "medium" and s.score == 560


def test_tempered_rule_is_held_at_low_when_the_model_is_confident() -> None:
    # Given a card history, then a debit 100x the median: FRAUD-UNUSUAL-AMOUNT fires
    history = [txn(-24.0 * i, 100, counterparty_id="M1") for i in range(12, 0, -1)]
    (calm,) = score([*history, txn(0, 10_000)], FakeModel({10_000.0: 0.05}))
    assert calm.tier == "low" and calm.score == CFG.tiers.medium - 1
    assert "held at low" in calm.reasons[0]
    (worried,) = score([*history, txn(0, 10_000)], FakeModel({10_000.0: 0.2}))
    assert worried.tier == "medium" and worried.score == 640


def test_more_typologies_and_an_agreeing_model_add_weight() -> None:
    # Given three near-threshold transfers in a day, the last from a high-risk country
    early = [txn(h, 45_000, method="transfer", direction="credit", counterparty_id="X1")
             for h in (0, 4)]
    last = txn(8, 46_000, method="transfer", direction="credit", counterparty_id="X2",
               counterparty_country="IR")

    def final(model: FakeModel) -> Scored:
        return next(x for x in score([*early, last], model) if x.event.event_id == last.event_id)

    # When the model sees nothing: the strongest rule plus one bonus for the second typology
    alone = final(FakeModel())
    assert alone.typologies == ["AML-STRUCTURING", "AML-HIGH-RISK-GEO"]
    assert alone.score == 760 + CFG.extra_typology_bonus and alone.tier == "high"
    assert alone.risk_category == "aml"
    assert len(alone.reasons) == 2 and alone.evidence[-1] == last.event_id
    # When the model agrees (medium or above) it adds one more bonus
    agree = final(FakeModel({46_000.0: 0.55}))
    assert agree.score == alone.score + CFG.extra_typology_bonus
    assert agree.typologies[-1] == "MODEL"


def test_without_model_config_refuses_to_pretend() -> None:
    with pytest.raises(ValueError, match="no model"):
        Scorer(CFG, None)


def test_explanations_only_for_alerts() -> None:
    model = FakeModel({500.0: 0.9})
    score([txn(0, 100), txn(1, 500), login(2)], model)
    assert model.explained == 1


def test_dedup_adds_evidence_to_the_open_alert() -> None:
    cfg = ScoringConfig(use_model=False)
    book = AlertBook(cfg.dedup_window_h, None)
    first = [txn(h, 1000, method="transfer", counterparty_id="G1", counterparty_country="IR")
             for h in (0, 30, 200)]
    results = score(first, cfg=cfg)
    outcomes = [book.add(s) for s in results]
    assert [new for _, new in outcomes] == [True, False, True]  # 200 h is past the window
    alert = outcomes[0][0]
    assert alert.alert_id == alert_id_for(first[0].event_id)
    assert alert.event_ids == [first[0].event_id, first[1].event_id]
    assert [h.action for h in alert.history] == ["raised", "evidence_added"]


def test_same_event_twice_is_one_alert() -> None:
    cfg = ScoringConfig(use_model=False)
    book = AlertBook(cfg.dedup_window_h, None)
    ev = txn(0, 70_000, method="cash", direction="credit")
    (a,) = score([ev], cfg=cfg)
    (b,) = score([ev], cfg=cfg)
    assert book.add(a)[1] is True
    assert book.add(b)[1] is False
    assert len(list(book.drain())) == 1


def test_a_failed_threshold_read_keeps_scoring_with_the_thresholds_in_force() -> None:
    from botocore.exceptions import ClientError

    from riskwarn.config import ScoringConfig
    from riskwarn.scoring import Scorer
    from riskwarn.store.thresholds import Thresholds, ThresholdSource, ThresholdVersion
    from riskwarn.stream import StreamPorts

    class Store:
        def __init__(self) -> None:
            self.answers: list[object] = [
                ClientError({"Error": {"Code": "ThrottlingException"}}, "Query"),
                ThresholdVersion(3, Thresholds(tiers={"low": 310, "medium": 510, "high": 710,
                                                      "critical": 860}))]

        def latest(self) -> ThresholdVersion:
            answer = self.answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            assert isinstance(answer, ThresholdVersion)
            return answer

    base = ScoringConfig(use_model=False)
    source = ThresholdSource(Store(), base, every=0.0)  # type: ignore[arg-type]
    ports = StreamPorts(scorer=Scorer(base, None), profiles=None, alerts=None,  # type: ignore[arg-type]
                        quarantine=None, notifier=None, workflow=None,  # type: ignore[arg-type]
                        model_version=None, dedup_window_s=0.0, thresholds=source)
    first = ports.scorer
    ports.refresh_scorer()  # throttled: the scorer in force stays
    assert ports.scorer is first
    ports.refresh_scorer()  # version 3 arrives
    assert ports.scorer.cfg.tiers.high == 710

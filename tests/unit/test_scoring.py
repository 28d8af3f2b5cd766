"""Score, tier, category and reasons from rules and the model; de-duplication."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from riskwarn.cases.alerts import (
    MAX_EVENT_IDS,
    MAX_EVIDENCE_ITEMS,
    MAX_REASONS,
    Alert,
    AlertBook,
    alert_id_for,
    merge,
)
from riskwarn.core.config import ScoringConfig
from riskwarn.core.profile import CustomerProfile
from riskwarn.core.scoring import Scored, Scorer
from tests.builders import login, txn
from tests.fakes import FakeModel
from tests.unit.test_familiar_flow import investor

CFG = ScoringConfig()
# a customer the model can compare with: twelve days of ordinary card payments
KNOWN = [txn(-24.0 * i, 100, counterparty_id="M1") for i in range(12, 0, -1)]


def score(events: list[object], model: FakeModel | None = None,
          cfg: ScoringConfig = CFG) -> list[Scored]:
    profiles: dict[str, CustomerProfile] = {}
    return Scorer(cfg, model or FakeModel()).score(events, profiles)  # type: ignore[arg-type]


def test_ordinary_event_raises_nothing() -> None:
    assert score([txn(0, 100)]) == []


@pytest.mark.parametrize(("risk", "tier", "points"), [
    (0.49, None, 0), (0.50, "low", 300), (0.67, "low", 400), (0.80, "low", 476),
    (0.84, "medium", 500),
    (0.95, "high", 700), (1.0, "high", 849),
])
def test_model_alone_maps_through_the_cutoffs(risk: float, tier: str | None,
                                              points: int) -> None:
    # the shipped cut-offs (0.5, 0.84, 0.95) put P(episode) on the tier scale, interpolated
    found = score([*KNOWN, txn(0, 123)], FakeModel({123.0: risk}))
    assert (found[0].tier if found else None) == tier
    if found:
        s = found[0]
        assert s.typologies == ["MODEL"] and s.model_typology == "AML-STRUCTURING"
        assert s.risk_category == "aml" and s.score == points
        assert s.reasons[-1].startswith(f"model risk {points}: most like "
                                        "AML-STRUCTURING: amount stood out")


def test_without_a_baseline_the_model_neither_raises_nor_lowers_past_low() -> None:
    # a customer's first event: nothing to compare with
    (alone,) = score([txn(0, 123)], FakeModel({123.0: 0.95}))
    assert alone.tier == "low" and alone.score == CFG.tiers.medium - 1
    # a rule hit on a new customer stands, however sure the model is that it is ordinary
    (s,) = score([txn(0, 40_000, counterparty_id="P9")], FakeModel({40_000.0: 0.01}))
    assert s.typologies[0] == "FRAUD-UNUSUAL-AMOUNT" and s.tier == "medium"


def test_calibrated_cutoffs_move_the_model_tiers() -> None:
    from riskwarn.core.config import ModelCutoffs

    cfg = ScoringConfig(model_cutoffs=ModelCutoffs(low=0.8, medium=0.9, high=0.95))
    assert score([*KNOWN, txn(0, 123)], FakeModel({123.0: 0.7}), cfg) == []
    (s,) = score([*KNOWN, txn(0, 123)], FakeModel({123.0: 0.92}), cfg)
    assert s.tier == "medium" and s.score == 580


def test_the_model_alone_never_reaches_critical() -> None:
    model = FakeModel({123.0: 1.0})
    (alone,) = score([*KNOWN, txn(0, 123)], model)
    assert alone.tier == "high" and alone.score == CFG.tiers.critical - 1
    (capped,) = score([*KNOWN, txn(0, 123)], model, ScoringConfig(model_alone_max_tier="medium"))
    assert capped.tier == "medium" and capped.score == CFG.tiers.high - 1


@pytest.mark.parametrize("method", ["transfer", "cash", "card"])
def test_the_model_alone_reaches_low_at_most_on_money_coming_in(method: str) -> None:
    """A credit harms nobody by itself: the model alone queues it at low (no one told);
    the same model on money going out, or on a login, reaches its ceiling."""
    model = FakeModel({777.0: 0.99})
    paid = {"method": method, "counterparty_id": None if method == "cash" else "P9"}
    (came_in,) = score([*KNOWN, txn(0, 777, direction="credit", **paid)], model)
    assert came_in.tier == "low" and came_in.typologies == ["MODEL"]
    assert came_in.score == CFG.tiers.medium - 1
    (went_out,) = score([*KNOWN, txn(0, 777, direction="debit", **paid)], model)
    assert went_out.tier == "high"


def test_a_credit_the_rules_flag_keeps_the_models_weight() -> None:
    # the cap is on the model alone: with a rule hit (large cash paid in) it adds as ever
    (s,) = score([*KNOWN, txn(0, 60_000, method="cash", direction="credit",
                               counterparty_id=None)], FakeModel({60_000.0: 0.99}))
    assert s.typologies == ["AML-LARGE-CASH", "MODEL"] and s.tier == "high"


def test_a_rule_hit_with_a_certain_model_is_critical_only_if_the_rule_carries_it() -> None:
    # AML-LARGE-CASH (560) with the model at its ceiling: high, not critical
    (s,) = score([txn(0, 60_000, method="cash", direction="credit")],
                 FakeModel({60_000.0: 1.0}))
    assert s.tier == "high" and s.score == CFG.tiers.critical - 1
    assert s.typologies == ["AML-LARGE-CASH", "MODEL"]


def test_reportable_cash_stands_even_when_the_model_sees_nothing() -> None:
    (s,) = score([txn(0, 60_000, method="cash", direction="credit")])
    assert s.typologies == ["AML-LARGE-CASH"] and s.tier == "medium" and s.score == 560


def test_a_confident_model_lowers_a_tempered_rule_by_one_tier_only() -> None:
    # Given a card history, then a debit 100x the median: FRAUD-UNUSUAL-AMOUNT (medium)
    history = [txn(-24.0 * i, 100, counterparty_id="M1") for i in range(12, 0, -1)]
    (calm,) = score([*history, txn(0, 10_000)], FakeModel({10_000.0: 0.05}))
    assert calm.tier == "low" and calm.score == CFG.tiers.medium - 1
    assert "lowered to low" in calm.reasons[0]
    (worried,) = score([*history, txn(0, 10_000)], FakeModel({10_000.0: 0.2}))
    assert worried.tier == "medium" and worried.score == 640
    # a high hit comes down to medium, not below
    severity = {**CFG.severity, "FRAUD-UNUSUAL-AMOUNT": CFG.severity[
        "FRAUD-UNUSUAL-AMOUNT"].model_copy(update={"score": 800})}
    (high,) = score([*history, txn(0, 10_000)], FakeModel({10_000.0: 0.05}),
                    ScoringConfig(severity=severity))
    assert high.tier == "medium" and high.score == CFG.tiers.high - 1


def test_the_model_lowers_the_alert_by_one_tier_only_however_many_hits_it_lowers() -> None:
    # Three debits in an hour, the last 58x the median: FRAUD-VELOCITY and
    # FRAUD-UNUSUAL-AMOUNT, each medium, together high
    # (at the customer's own shop: the burst stands when the model sees some risk in it)
    burst = [*KNOWN, txn(0, 3000), txn(0.1, 3000), txn(0.2, 10_000)]
    (firm,) = score(burst, FakeModel({10_000.0: 0.6, 3000.0: 0.2}))
    assert firm.tier == "high"
    assert set(firm.typologies) == {"FRAUD-VELOCITY", "FRAUD-UNUSUAL-AMOUNT", "MODEL"}
    # a confident model lowers each hit to low, and the alert from high to medium, no lower
    (calm,) = score(burst, FakeModel({10_000.0: 0.05, 3000.0: 0.05}))
    assert calm.tier == "medium" and calm.score == CFG.tiers.high - 1
    assert set(calm.lowered) == {"FRAUD-VELOCITY", "FRAUD-UNUSUAL-AMOUNT"}
    assert calm.unlowered_tier == "high"
    assert all("held back: the model sees this as usual" in r for r in calm.reasons)


def test_a_regulatory_typology_is_never_lowered_below_medium() -> None:
    from riskwarn.core.config import Severity

    severity = {**CFG.severity, "AML-LARGE-CASH": Severity(score=560, tempered=True)}
    cfg = ScoringConfig(severity=severity)
    (s,) = score([*KNOWN, txn(0, 60_000, method="cash", direction="credit")],
                 FakeModel({60_000.0: 0.01}), cfg)
    assert s.tier == "medium" and s.score == 560
    # off the regulatory list, the same hit may come down to low for a customer whose
    # credits the model knows
    pay = [txn(-24.0 * i, 9_000, method="transfer", direction="credit", counterparty_id="E")
           for i in range(12, 0, -1)]
    (s,) = score([*pay, txn(0, 60_000, method="cash", direction="credit")],
                 FakeModel({60_000.0: 0.01}), cfg.model_copy(
                     update={"regulatory_typologies": ()}))
    assert s.tier == "low"


def test_more_typologies_and_an_agreeing_model_add_weight() -> None:
    # Given three near-threshold transfers in a day, the last from a high-risk country
    early = [*KNOWN, *(txn(h, 45_000, method="transfer", direction="credit",
                           counterparty_id=f"X{h}") for h in (0, 4))]
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
    agree = final(FakeModel({46_000.0: 0.85}))
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
    alert = outcomes[1][0]  # the open alert as the second firing left it
    assert alert.alert_id == outcomes[0][0].alert_id == alert_id_for(first[0].event_id)
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

    from riskwarn.core.config import ScoringConfig
    from riskwarn.core.scoring import Scorer
    from riskwarn.runtime.stream import StreamPorts
    from riskwarn.store.thresholds import Thresholds, ThresholdSource, ThresholdVersion

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


def _firing(n: int, score: int, tier: str, hours: float, reasons: list[str]) -> Scored:
    ev = txn(hours, 1000 + n, method="transfer", counterparty_id=f"G{n}")
    return Scored(ev, score, tier, "aml", ["AML-HIGH-RISK-GEO"], reasons,  # type: ignore[arg-type]
                  [f"E{n}-{k}" for k in range(30)] + [ev.event_id], 0, None)


def _item(s: Scored) -> dict[str, Any]:
    return {"event_id": s.event.event_id, "at": s.event.occurred_at, "amount": 1.0,
            "direction": "debit", "method": "transfer"}


def test_the_one_merge_keeps_its_bounds_and_only_rises() -> None:
    first = _firing(0, 700, "high", 10, ["r0"])
    alert = Alert.from_scored(first, None, first.event.occurred_at, [_item(first)])
    # a burst of repeat firings: many event ids, reasons and evidence items
    for n in range(1, 16):
        s = _firing(n, 600 + n, "medium" if n < 15 else "critical", 10 - n * 0.1,
                    [f"r{n}", "r0"])
        done = merge(alert, s, s.event.occurred_at, [_item(s)])
        assert done.alert is not alert and len(alert.event_ids) <= MAX_EVENT_IDS
        alert = done.alert
    assert len(alert.event_ids) == MAX_EVENT_IDS  # the latest ones
    assert alert.event_ids[-1] == s.event.event_id
    assert alert.reason_codes == [f"r{n}" for n in range(MAX_REASONS)]  # distinct, first kept
    assert len(alert.evidence) == 16 <= MAX_EVIDENCE_ITEMS
    assert alert.score == 700 and alert.tier == "critical"  # the score never fell
    assert done.tier_raised and [e.action for e in done.entries] == ["evidence_added",
                                                                      "tier_raised"]
    # the late firings never moved the latest evidence back
    assert alert.last_evidence_at == first.event.occurred_at
    # the same firing again adds no id, reason or item
    again = merge(alert, s, s.event.occurred_at, [_item(s)]).alert
    assert (again.event_ids, again.reason_codes, again.evidence) == (
        alert.event_ids, alert.reason_codes, alert.evidence)


def _lowered(n: int, evidence: list[str]) -> Scored:
    ev = txn(n, 20_000, counterparty_id=f"N{n}")
    return Scored(ev, 499, "low", "fraud", ["FRAUD-UNUSUAL-AMOUNT", "MODEL"],
                  [f"amount {n} (lowered to low: the model sees this as usual for the customer)"],
                  [*evidence, ev.event_id], 0, None, ("FRAUD-UNUSUAL-AMOUNT",), 640, "medium")


def test_a_lowered_typology_that_fires_again_on_its_own_evidence_stands_at_its_rule_tier() -> None:
    first = _lowered(0, [])
    alert = Alert.from_scored(first, None, first.event.occurred_at)
    assert alert.tier == "low" and alert.lowered == ["FRAUD-UNUSUAL-AMOUNT"]
    # the same payment seen again one event later (its evidence overlaps): still lowered
    same = _lowered(1, [first.event.event_id])
    assert merge(alert, same, same.event.occurred_at).alert.tier == "low"
    # a second unusual payment of its own: the model's "usual" held once, not twice
    again = _lowered(2, [])
    done = merge(alert, again, again.event.occurred_at)
    assert done.tier_raised and done.alert.tier == "medium" and done.alert.score == 640
    assert done.alert.reason_codes[-1] == ("FRAUD-UNUSUAL-AMOUNT again while this alert is "
                                           "open: not usual for the customer (stands at medium)")


def test_a_familiar_flow_that_repeats_is_the_customers_routine() -> None:
    """A shop paying its usual supplier from its takings every few days: the rules found the
    flow familiar, the model lowered it, and the next payment on its own evidence stays
    lowered (the routine repeats by nature)."""

    def routine(n: int) -> Scored:
        ev = txn(24.0 * n, 20_000, counterparty_id="SUP1")
        return Scored(ev, 499, "low", "aml", ["AML-RAPID-MOVEMENT"],
                      [f"flow {n}, from and to parties the customer has dealt with before "
                       "(lowered to low: the model sees this as usual for the customer)"],
                      [ev.event_id], 0, None, ("AML-RAPID-MOVEMENT",), 699, "medium",
                      routine=("AML-RAPID-MOVEMENT",))

    first = routine(0)
    alert = Alert.from_scored(first, None, first.event.occurred_at)
    later = routine(2)
    done = merge(alert, later, later.event.occurred_at)
    assert not done.tier_raised and done.alert.tier == "low"
    assert not any("again while" in r for r in done.alert.reason_codes)


def test_the_routine_held_low_is_no_first_time_for_what_is_not() -> None:
    """Bursts at the customer's own shops held low (its routine), then one burst that is not
    its routine, held low by the model: that is the first time, and once may be usual. A
    second one on its own evidence is a pattern: it stands at its rule tier."""

    def burst(n: int, routine: bool) -> Scored:
        ev = txn(24.0 * n, 3_000, counterparty_id=f"M{n}")
        return Scored(ev, 499, "low", "fraud", ["FRAUD-VELOCITY"], [f"burst {n}"],
                      [ev.event_id], 0, None, ("FRAUD-VELOCITY",), 680, "medium",
                      routine=("FRAUD-VELOCITY",) if routine else ())

    first = burst(0, routine=True)
    alert = Alert.from_scored(first, None, first.event.occurred_at)
    assert alert.lowered == []
    for n, routine in ((1, True), (2, False)):
        done = merge(alert, burst(n, routine), first.event.occurred_at)
        assert done.alert.tier == "low" and not done.tier_raised
        alert = done.alert
    assert alert.lowered == ["FRAUD-VELOCITY"]
    again = merge(alert, burst(3, routine=False), first.event.occurred_at)
    assert again.alert.tier == "medium" and again.tier_raised
    assert again.alert.reason_codes[-1] == ("FRAUD-VELOCITY again while this alert is open: "
                                            "not usual for the customer (stands at medium)")


def test_the_scorer_marks_a_lowered_familiar_flow_as_routine() -> None:
    events = investor()
    s = next(x for x in score(events)  # the fake model is confident: usual
             if x.event.event_id == events[-1].event_id)
    assert s.tier == "low" and "AML-RAPID-MOVEMENT" in s.lowered
    assert set(s.routine) == {"AML-RAPID-MOVEMENT", "AML-PASS-THROUGH"}


def test_a_familiar_flow_needs_the_models_support() -> None:
    """The customer's own flow (a redemption moved to its broker, as every month) stands at
    medium only when the model sees some risk in it; a model that sees none, though not sure
    it is usual, holds it at low. Without a model it stands."""
    events = investor()
    last = events[-1].event_id

    def at(risk: float) -> Scored:
        return next(x for x in score(events, FakeModel({122_174.0: risk}))
                    if x.event.event_id == last)

    assert at(0.3).tier == "low" and "AML-RAPID-MOVEMENT" in at(0.3).lowered
    assert at(0.3).reasons[0].endswith("(lowered to low: the model sees no risk in it)")
    assert at(0.6).tier == "medium" and not at(0.6).lowered
    (alone,) = [x for x in Scorer(ScoringConfig(use_model=False), None).score(events, {})
                if x.event.event_id == last]
    assert alone.tier == "medium"


def test_a_low_cut_off_calibrated_under_support_at_does_not_make_support() -> None:
    """A book whose model is quiet gets a low tier's cut-off under 0.5 from calibration (a
    queue of its budget's size); a risk of 0.3 still is no support for the customer's own
    flow, though it now reaches low."""
    from riskwarn.core.config import ModelCutoffs

    events = investor()
    last = events[-1].event_id
    loose = CFG.model_copy(update={"model_cutoffs": ModelCutoffs(low=0.15, medium=0.84,
                                                                 high=0.95)})

    def at(risk: float, cfg: ScoringConfig = loose) -> Scored:
        return next(x for x in score(events, FakeModel({122_174.0: risk}), cfg)
                    if x.event.event_id == last)

    assert at(0.3).model_score >= loose.tiers.low  # the model's score reaches low
    assert at(0.3).tier == "low" and "AML-RAPID-MOVEMENT" in at(0.3).lowered
    assert at(0.6).tier == "medium" and not at(0.6).lowered
    lower_bar = loose.model_copy(update={"support_at": 0.2})
    assert at(0.3, lower_bar).tier == "medium"


def test_the_scorer_says_what_it_lowered_and_what_the_rules_alone_gave() -> None:
    model = FakeModel({20_000.0: 0.01})  # a confident model: usual
    history = [txn(-24.0 * (30 - i), 800, counterparty_id=f"M{i % 4}") for i in range(30)]
    *_, s = score([*history, txn(0, 20_000, counterparty_id="NEW")], model)
    assert s.tier == "low" and s.lowered == ("FRAUD-UNUSUAL-AMOUNT",)
    assert (s.unlowered, s.unlowered_tier) == (640, "medium")


def test_an_id_sent_again_with_other_content_is_refused_not_applied() -> None:
    from riskwarn.core.profile import ProfileState

    scorer = Scorer(ScoringConfig(use_model=False), None)
    profiles: dict[str, CustomerProfile] = {}
    first = txn(0, 250, event_id="E-1")
    assert scorer.run([first], profiles).applied == 1
    # the same event again (a redelivery) is skipped; another under its id is refused
    again = scorer.run([first], profiles)
    assert (again.applied, again.duplicates, again.conflicts) == (0, 1, [])
    other = txn(1, 9_000, event_id="E-1")
    refused = scorer.run([other], profiles)
    assert (refused.applied, refused.duplicates, refused.conflicts) == (0, 0, [other])
    assert [t["amount"] for t in profiles["C1"].transactions(["E-1"])] == [250.0]
    # the fingerprint survives the stored form; a profile stored before fingerprints were
    # (bare ids) takes any repeat of an id it holds as a redelivery
    state = ProfileState.model_validate(orjson.loads(profiles["C1"].to_state().model_dump_json()))
    stored = {"C1": CustomerProfile.from_state(state)}
    assert scorer.run([other], stored).conflicts == [other]
    legacy = orjson.loads(state.model_dump_json())
    legacy["seen"] = [eid for eid, _ in legacy["seen"]]
    old = {"C1": CustomerProfile.from_state(ProfileState.model_validate(legacy))}
    assert scorer.run([other], old).duplicates == 1


def test_two_events_under_one_id_in_one_batch_the_earlier_stands() -> None:
    scorer = Scorer(ScoringConfig(use_model=False), None)
    late, early = txn(2, 70, event_id="E-9"), txn(1, 60, event_id="E-9")
    run = scorer.run([late, early], {})
    assert run.applied == 1 and run.conflicts == [late]


def test_a_burst_at_the_customers_own_shops_needs_the_models_support() -> None:
    """Several times the usual hour, paid mostly to payees the customer has paid before and
    mostly at its usual amounts: its own spending at a faster pace. It stands at medium when
    the model sees some risk in the event; a model that sees none holds it at low (a
    routine, so a repeat does not raise it). A burst to new payees, a burst of amounts far
    above the customer's usual (a stolen card replaying its shops at five times the price),
    or any burst without a model stands whatever the model says."""
    shops = [txn(-24.0 * i, 1000 + 50 * (i % 7), counterparty_id=f"M{i % 3}")
             for i in range(12, 0, -1)]
    own = [*shops, *(txn(0.1 * i, 1600, counterparty_id=f"M{i % 3}") for i in range(4))]
    (held,) = score(own, FakeModel({1600.0: 0.2}))
    assert held.tier == "low" and held.score == CFG.tiers.medium - 1
    assert held.reasons[0].endswith("4 of them to payees the customer has paid before "
                                    "(lowered to low: the model sees no risk in it)")
    assert held.routine == ("FRAUD-VELOCITY",)
    risky = score(own, FakeModel({1600.0: 0.6}))[-1]  # (each payment: the model's low)
    assert risky.tier == "medium" and "FRAUD-VELOCITY" in risky.typologies
    assert not risky.lowered
    (alone,) = Scorer(ScoringConfig(use_model=False), None).score(own, {})
    assert alone.tier == "medium"
    new = [*shops, *(txn(0.1 * i, 1600, counterparty_id=f"NEW{i}") for i in range(4))]
    (stolen,) = score(new, FakeModel({1600.0: 0.2}))
    assert stolen.tier == "medium" and not stolen.lowered
    assert "4 of them to payees new to the customer" in stolen.reasons[0]
    replayed = [*shops, *(txn(0.1 * i, 5200, counterparty_id=f"M{i % 3}") for i in range(4))]
    burst = next(x for x in score(replayed, FakeModel({5200.0: 0.2}))
                 if "FRAUD-VELOCITY" in x.typologies)
    assert burst.tier in ("medium", "high") and "FRAUD-VELOCITY" not in burst.lowered


def test_a_large_payment_made_with_the_customers_own_savings_needs_the_models_support() -> None:
    """Savings moved in hours before a tuition fee or a car, or the fee paid at a branch
    counter: the customer's own payment. The unusual amount stands at medium when the model
    sees some risk in the event (a takeover sweeping the savings from a new phone); a model
    that sees none holds it at low. Money from somebody else, or no savings moved in at
    all, shows nothing: the hit stands."""
    paid = [txn(-24.0 * (12 - i), 1_000, method="transfer", counterparty_id=f"P{i % 3}")
            for i in range(12)]
    savings = txn(-30, 10, direction="credit", method="transfer", account_id="A1-02",
                  counterparty_id="INTEREST")
    fee = txn(0, 55_000, method="transfer", counterparty_id="SCHOOL-1")

    def paying(source: str, risk: float = 0.3) -> Scored:  # not calm: no risk, nor sure
        moved = txn(-8, 60_000, direction="credit", method="transfer", counterparty_id=source)
        return score([*paid, savings, moved, fee], FakeModel({55_000.0: risk}))[-1]

    planned = paying("A1-02")
    assert planned.tier == "low" and planned.typologies[0] == "FRAUD-UNUSUAL-AMOUNT"
    assert "paid with 60,000 CNY the customer moved in from its own accounts within 72 h " \
           "(lowered to low: the model sees no risk in it)" in planned.reasons[0]
    assert paying("A1-02", risk=0.6).tier == "medium"
    stranger = paying("STRANGER-1")  # (and a rapid movement of its own)
    assert stranger.tier == "high" and not stranger.lowered
    assert not any("moved in from its own" in r for r in stranger.reasons)
    assert score([*paid, savings, fee], FakeModel({55_000.0: 0.3}))[-1].tier == "medium"
    # in person at a branch, where staff know who pays: the same
    counter = txn(0, 55_000, method="transfer", counterparty_id="SCHOOL-1", channel="branch")
    (held,) = score([*paid, savings, counter], FakeModel({55_000.0: 0.3}))
    assert held.tier == "low" and ", made in person at a branch (lowered to low" in held.reasons[0]

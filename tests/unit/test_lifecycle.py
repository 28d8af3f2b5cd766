"""The alert lifecycle's rules, without AWS: claim, decide, four eyes, escalation; and the
review going through them over a small in-memory store."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from riskwarn.cases import lifecycle
from riskwarn.cases.access import Caller, Forbidden
from riskwarn.cases.lifecycle import Case, Conflict, NotFound
from riskwarn.cases.review import Review

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
ANA = Caller("ana", frozenset({"analyst"}))
AL = Caller("al", frozenset({"analyst"}))
SUE = Caller("sue", frozenset({"supervisor"}))
ANA_SUP = Caller("ana", frozenset({"analyst", "supervisor"}))
AUD = Caller("aud", frozenset({"auditor"}))


def case(tier: str = "critical", status: str = "open", **kw: Any) -> Case:
    return Case("AL-1", tier, status, **kw)


@pytest.mark.parametrize(("c", "who", "outcome", "step"), [
    (case("medium"), ANA, "confirmed", "direct"),
    (case("high"), ANA, "false_positive", "complete_task"),
    (case(), ANA, "confirmed", "first_review"),
    (case(first_reviewer="ana"), SUE, "confirmed", "complete_task"),
    (case(first_reviewer="ana"), ANA, "needs_info", "complete_task"),  # not final
])
def test_what_a_decision_does(c: Case, who: Caller, outcome: str, step: str) -> None:
    assert lifecycle.decide(c, who, outcome) == step  # type: ignore[arg-type]


@pytest.mark.parametrize(("c", "who", "error", "words"), [
    (case(first_reviewer="ana"), AL, Forbidden, "by a supervisor"),
    (case(first_reviewer="ana"), ANA_SUP, Forbidden, "four eyes"),
    (case("high", "escalated"), ANA, Forbidden, "supervisor"),
    (case("high", review_stage="supervisor"), ANA, Forbidden, "supervisor"),
    (case("medium", "closed"), ANA, Conflict, "closed already"),
    (case("medium", "in_review", assignee="al"), ANA, Conflict, "claimed by al"),
    (case("medium"), AUD, Forbidden, "roles"),
])
def test_who_may_not_decide(c: Case, who: Caller, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=words):
        lifecycle.decide(c, who, "confirmed")


def test_claims() -> None:
    assert lifecycle.claim(case(), ANA) == "in_review"
    assert lifecycle.claim(case(status="escalated"), SUE) == "escalated"
    with pytest.raises(Forbidden):
        lifecycle.claim(case(status="escalated"), ANA)
    with pytest.raises(Conflict, match="claimed by al"):
        lifecycle.claim(case(status="in_review", assignee="al"), ANA)
    with pytest.raises(Forbidden):
        lifecycle.claim(case(), AUD)


class Cases:
    """The alerts table in a dict, refusing writes as the conditional writes would."""

    def __init__(self, **alerts: dict[str, Any]) -> None:
        self.alerts = alerts
        self.history: list[tuple[str, str, str]] = []

    def load(self, alert_id: str) -> dict[str, Any]:
        if alert_id not in self.alerts:
            raise NotFound(alert_id)
        return dict(self.alerts[alert_id])

    def claim(self, alert_id: str, user: str, seen: str, status: str, now: datetime) -> None:
        a = self.alerts[alert_id]
        if a["status"] != seen or a.get("assignee") not in (None, user):
            raise Conflict("changed")
        a.update(assignee=user, status=status)

    def first_review(self, alert_id: str, user: str, outcome: str, note: str,
                     now: datetime) -> None:
        a = self.alerts[alert_id]
        if "first_review" in a:
            raise Conflict("taken")
        a["first_review"] = {"actor": user, "outcome": outcome}

    def decide_direct(self, alert_id: str, user: str, outcome: str, now: datetime) -> None:
        self.alerts[alert_id].update(status="closed", decided_by=user)

    def record(self, alert_id: str, actor: str, action: str, detail: str,
               now: datetime) -> None:
        self.history.append((alert_id, actor, action))


class Workflow:
    def __init__(self, cases: Cases) -> None:
        self.cases = cases

    def decide(self, alert_id: str, outcome: str, note: str, actor: str,
               now: datetime | None = None) -> dict[str, Any]:
        self.cases.alerts[alert_id].update(status="closed", decided_by=actor)
        self.cases.history.append((alert_id, actor, outcome))
        return {}


def test_a_critical_alert_is_closed_only_by_two_people() -> None:
    cases = Cases(**{"AL-1": {"alert_id": "AL-1", "tier": "critical", "status": "open"}})
    review = Review(cases, Workflow(cases))  # type: ignore[arg-type]
    review.claim("AL-1", ANA, NOW)
    assert review.decide("AL-1", ANA, "confirmed", "mule", NOW).state == "awaiting_second_review"
    for who in (ANA, ANA_SUP, AL):  # the first reviewer again, in any role; another analyst
        with pytest.raises((Forbidden, Conflict)):
            review.decide("AL-1", who, "confirmed", "mule", NOW)
    assert cases.alerts["AL-1"]["status"] == "in_review"
    assert review.decide("AL-1", SUE, "confirmed", "agreed", NOW).state == "completed"
    assert cases.alerts["AL-1"]["decided_by"] == "sue"
    assert cases.history == [("AL-1", "ana", "claimed"), ("AL-1", "ana", "first_review"),
                             ("AL-1", "sue", "confirmed")]
    with pytest.raises(NotFound):
        review.decide("AL-2", SUE, "confirmed", "x", NOW)

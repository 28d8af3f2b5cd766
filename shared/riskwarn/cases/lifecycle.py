"""The alert lifecycle's rules, pure: who may claim and decide an alert in which state, and
what a decision does (four eyes on critical alerts). No I/O: `review.Review` loads the
alert, asks these rules, and has the store write what they decided; every client (the staff
API, the console, `riskwarn decide` through the API) meets the same rules.

States: open → in_review (claimed) → decided (closed, confirmed, false_positive) or
escalated (the SLA passed: supervisors only); high and critical alerts have a disposition
workflow waiting for the decision; a critical alert is confirmed or cleared by two people.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from riskwarn.cases.access import REVIEWERS, Caller, Forbidden

Outcome = Literal["confirmed", "false_positive", "needs_info"]
OUTCOMES: tuple[Outcome, ...] = ("confirmed", "false_positive", "needs_info")
DECIDED = frozenset({"confirmed", "false_positive", "closed", "workflow_failed"})
FINAL = frozenset({"confirmed", "false_positive"})
WORKFLOW_TIERS = frozenset({"high", "critical"})  # tiers with a disposition workflow

Step = Literal["direct", "first_review", "complete_task"]


class Conflict(Exception):
    """The alert is not in a state for this (decided, held by someone else, not waiting)."""


class NotFound(Exception):
    pass


@dataclass(frozen=True)
class Case:
    """What the rules read of an alert."""

    alert_id: str
    tier: str
    status: str
    assignee: str | None = None
    review_stage: str | None = None
    first_reviewer: str | None = None

    @classmethod
    def of(cls, alert: dict[str, Any]) -> Case:
        first = alert.get("first_review") or {}
        return cls(alert["alert_id"], alert["tier"], alert["status"], alert.get("assignee"),
                   alert.get("review_stage"), first.get("actor"))


def claim(case: Case, caller: Caller) -> str:
    """The status the alert takes when `caller` claims it."""
    caller.require(REVIEWERS, "claiming an alert")
    if case.status in DECIDED:
        raise Conflict(f"alert {case.alert_id} is {case.status}: nothing left to claim")
    if case.status == "escalated" and not caller.is_supervisor:
        raise Forbidden("an escalated alert is for supervisors")
    if case.assignee and case.assignee != caller.user:
        raise Conflict(f"alert {case.alert_id} is claimed by {case.assignee}")
    return "in_review" if case.status == "open" else case.status


def decide(case: Case, caller: Caller, outcome: Outcome) -> Step:
    """What `caller` deciding `outcome` does: a decision recorded on the alert itself (low
    and medium), the first review of a critical alert (it keeps waiting for a second
    person), or completing the waiting workflow task."""
    caller.require(REVIEWERS, "deciding an alert")
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}")
    if case.status in DECIDED:
        raise Conflict(f"alert {case.alert_id} is {case.status} already")
    if case.assignee and case.assignee != caller.user and not caller.is_supervisor:
        raise Conflict(f"alert {case.alert_id} is claimed by {case.assignee}")
    if case.tier not in WORKFLOW_TIERS:
        return "direct"
    if (case.status == "escalated" or case.review_stage == "supervisor") \
            and not caller.is_supervisor:
        raise Forbidden("an escalated alert is decided by a supervisor")
    if case.tier == "critical" and outcome in FINAL:
        if not case.first_reviewer:
            return "first_review"
        if not caller.is_supervisor:
            raise Forbidden("a critical alert is confirmed or cleared by a supervisor")
        if case.first_reviewer == caller.user:
            raise Forbidden("four eyes: the final decision on a critical alert needs a "
                            "second person, not the first reviewer")
    return "complete_task"

"""The alert lifecycle's rules, pure: who may claim and decide an alert in which state, and
what a decision does (four eyes on critical alerts). No I/O: `review.Review` loads the
alert, asks these rules, and has the store write what they decided; every client (the staff
API, the console, `riskwarn decide` through the API) meets the same rules.

States: open → in_review (claimed) → decided (closed, confirmed, false_positive) or
escalated (the SLA passed: supervisors only); high and critical alerts have a disposition
workflow waiting for the decision; a critical alert is confirmed or cleared by two people.
The workflow's own steps (escalate, settle a decision, reopen on follow-up, close, fail)
ask these rules too (`cases.workflow_steps`), so no state changes outside them:

    open / in_review ──SLA──► escalated ──decision──► confirmed ──follow-up: new high or
          │                                   │          critical alerts──► escalated (reopened)
          └────────decision───────────────────┴──► false_positive / confirmed ──► closed
    any state ──the workflow failed──► workflow_failed
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
# what a settled decision makes of the alert: its status and the label training reads
SETTLED: dict[str, tuple[str, str]] = {"confirmed": ("confirmed", "positive"),
                                       "false_positive": ("false_positive", "negative")}


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


# ---- the workflow's own steps (no caller: the disposition workflow acts on its clock) ------

def escalate(case: Case) -> str:
    """The review SLA (or the supervisors' own) passed with no decision: the alert is, or
    stays, the supervisors'."""
    if case.status in DECIDED:
        raise Conflict(f"alert {case.alert_id} is {case.status}: nothing to escalate")
    return "escalated"


def settle(case: Case, outcome: str) -> tuple[str, str]:
    """A final decision the workflow received: the alert's status and label. Only an alert
    still under review (or reopened) can be settled."""
    if outcome not in SETTLED:
        raise ValueError(f"a settled outcome is one of {', '.join(SETTLED)}")
    if case.status in DECIDED:
        raise Conflict(f"alert {case.alert_id} is {case.status} already")
    return SETTLED[outcome]


def reopen(case: Case) -> str:
    """Follow-up found new high or critical alerts after a confirmed decision: the case
    opens again for supervisors."""
    if case.status not in ("confirmed", "closed"):
        raise Conflict(f"alert {case.alert_id} is {case.status}: only a confirmed case "
                       "reopens")
    return "escalated"


def close(case: Case) -> str:
    """The case is done: after a false positive, or a follow-up that found nothing new."""
    if case.status not in FINAL and case.status != "closed":
        raise Conflict(f"alert {case.alert_id} is {case.status}: only a decided case closes")
    return "closed"


def fail(case: Case) -> str:
    """The workflow could not go on (after its retries): whatever the state, the alert says
    so, and operations are told."""
    return "workflow_failed"

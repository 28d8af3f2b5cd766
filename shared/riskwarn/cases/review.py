"""What staff do to an alert: claim it, decide it. The rules of riskwarn.cases.access apply here,
so every client (the staff API, scripts) meets the same checks.

- High and critical alerts have a disposition workflow waiting for the decision: deciding
  completes its task (`Disposition.decide`; one decision wins, the other gets `Conflict`).
- A critical alert is confirmed or cleared by two people (four eyes): the first decision is
  recorded as the first review and the workflow keeps waiting; the final decision needs a
  supervisor who is not the first reviewer.
- Low and medium alerts have no workflow: the decision is a conditional write on the alert.

Every write appends to the alert's history with the caller's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from riskwarn.cases import lifecycle
from riskwarn.cases.access import Caller
from riskwarn.cases.disposition import Disposition
from riskwarn.cases.lifecycle import Case, Outcome
from riskwarn.cases.network_marks import mark_confirmed
from riskwarn.core.network import NetworkPort

State = Literal["completed", "recorded", "awaiting_second_review"]


class Cases(Protocol):
    """What the review needs of the alerts and history tables (store.cases.CaseStore)."""

    def load(self, alert_id: str) -> dict[str, Any]: ...
    def claim(self, alert_id: str, user: str, seen: str, status: str,
              now: datetime) -> None: ...
    def first_review(self, alert_id: str, user: str, outcome: str, note: str,
                     now: datetime) -> None: ...
    def decide_direct(self, alert_id: str, user: str, outcome: str, now: datetime) -> None: ...
    def record(self, alert_id: str, actor: str, action: str, detail: str,
               now: datetime) -> None: ...


@dataclass(frozen=True)
class DecisionResult:
    state: State
    alert: dict[str, Any]


class Review:
    def __init__(self, cases: Cases, disposition: Disposition,
                 network: NetworkPort | None = None) -> None:
        self.cases = cases
        self.disposition = disposition
        self.network = network  # a confirmed mule or fraud case marks the graph

    def load(self, alert_id: str) -> dict[str, Any]:
        return self.cases.load(alert_id)

    def claim(self, alert_id: str, caller: Caller, now: datetime) -> dict[str, Any]:
        alert = self.cases.load(alert_id)
        status = lifecycle.claim(Case.of(alert), caller)
        self.cases.claim(alert_id, caller.user, alert["status"], status, now)
        self.cases.record(alert_id, caller.user, "claimed", f"assigned to {caller.user}", now)
        return self.cases.load(alert_id)

    def decide(self, alert_id: str, caller: Caller, outcome: Outcome, note: str,
               now: datetime) -> DecisionResult:
        step = lifecycle.decide(Case.of(self.cases.load(alert_id)), caller, outcome)
        if step == "direct":
            self.cases.decide_direct(alert_id, caller.user, outcome, now)
            self.cases.record(alert_id, caller.user, outcome, note, now)
            alert = self.cases.load(alert_id)
            if outcome == "confirmed" and self.network is not None and alert.get("account_id"):
                done = mark_confirmed(self.network, alert, alert["account_id"], now)
                if done is not None:  # a millisecond on: the history keeps the order
                    self.cases.record(alert_id, "riskwarn", "network_marked", done[1],
                                      now + timedelta(milliseconds=1))
            return DecisionResult("recorded", alert)
        if step == "first_review":
            self.cases.first_review(alert_id, caller.user, outcome, note, now)
            self.cases.record(alert_id, caller.user, "first_review",
                              f"{outcome}: {note} (awaiting a supervisor's decision)", now)
            return DecisionResult("awaiting_second_review", self.cases.load(alert_id))
        self.disposition.decide(alert_id, outcome, note, caller.user, now)
        return DecisionResult("completed", self.cases.load(alert_id))

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
from datetime import datetime
from typing import Any, Literal

from riskwarn.cases.access import REVIEWERS, Caller, Forbidden
from riskwarn.cases.alerts import HistoryEntry
from riskwarn.cases.disposition import Conflict, Disposition, NotFound, Outcome
from riskwarn.cases.workflow import WORKFLOW_TIERS
from riskwarn.store import condition_failed, iso
from riskwarn.store.alerts import history_item
from riskwarn.store.reports import plain

DECIDED = frozenset({"confirmed", "false_positive", "closed", "workflow_failed"})
FINAL = frozenset({"confirmed", "false_positive"})

State = Literal["completed", "recorded", "awaiting_second_review"]


@dataclass(frozen=True)
class DecisionResult:
    state: State
    alert: dict[str, Any]


class Review:
    def __init__(self, ddb: Any, disposition: Disposition) -> None:
        self.ddb = ddb
        self.disposition = disposition
        self.table = disposition.alerts_table
        self.history_table = disposition.history_table

    def load(self, alert_id: str) -> dict[str, Any]:
        item = self.ddb.get_item(TableName=self.table, Key={"alert_id": {"S": alert_id}},
                                 ConsistentRead=True).get("Item")
        if item is None:
            raise NotFound(alert_id)
        return plain(item)

    def claim(self, alert_id: str, caller: Caller, now: datetime) -> dict[str, Any]:
        caller.require(REVIEWERS, "claiming an alert")
        alert = self.load(alert_id)
        status = alert["status"]
        if status in DECIDED:
            raise Conflict(f"alert {alert_id} is {status}: nothing left to claim")
        if status == "escalated" and not caller.is_supervisor:
            raise Forbidden("an escalated alert is for supervisors")
        holder = alert.get("assignee")
        if holder and holder != caller.user:
            raise Conflict(f"alert {alert_id} is claimed by {holder}")
        try:
            self.ddb.update_item(
                TableName=self.table, Key={"alert_id": {"S": alert_id}},
                UpdateExpression="SET assignee = :me, claimed_at = if_not_exists(claimed_at, "
                                 ":now), #st = :new",
                ConditionExpression="#st = :seen AND (attribute_not_exists(assignee) OR "
                                    "assignee = :me)",
                ExpressionAttributeNames={"#st": "status"},
                ExpressionAttributeValues={
                    ":me": {"S": caller.user}, ":now": {"S": iso(now)},
                    ":seen": {"S": status},
                    ":new": {"S": "in_review" if status == "open" else status}})
        except Exception as exc:
            if condition_failed(exc):
                raise Conflict(f"alert {alert_id} changed while claiming it: "
                               "read it again") from None
            raise
        self._history(alert_id, caller.user, "claimed", f"assigned to {caller.user}", now)
        return self.load(alert_id)

    def decide(self, alert_id: str, caller: Caller, outcome: Outcome, note: str,
               now: datetime) -> DecisionResult:
        caller.require(REVIEWERS, "deciding an alert")
        alert = self.load(alert_id)
        status = alert["status"]
        if status in DECIDED:
            raise Conflict(f"alert {alert_id} is {status} already")
        holder = alert.get("assignee")
        if holder and holder != caller.user and not caller.is_supervisor:
            raise Conflict(f"alert {alert_id} is claimed by {holder}")
        if alert["tier"] not in WORKFLOW_TIERS:
            return DecisionResult("recorded", self._decide_direct(alert, caller, outcome,
                                                                  note, now))
        if (status == "escalated" or alert.get("review_stage") == "supervisor") \
                and not caller.is_supervisor:
            raise Forbidden("an escalated alert is decided by a supervisor")
        if alert["tier"] == "critical" and outcome in FINAL:
            first = alert.get("first_review")
            if not first:
                self._first_review(alert_id, caller, outcome, note, now)
                return DecisionResult("awaiting_second_review", self.load(alert_id))
            if not caller.is_supervisor:
                raise Forbidden("a critical alert is confirmed or cleared by a supervisor")
            if first["actor"] == caller.user:
                raise Forbidden("four eyes: the final decision on a critical alert needs a "
                                "second person, not the first reviewer")
        self.disposition.decide(alert_id, outcome, note, caller.user, now)
        return DecisionResult("completed", self.load(alert_id))

    def _first_review(self, alert_id: str, caller: Caller, outcome: str, note: str,
                      now: datetime) -> None:
        try:
            self.ddb.update_item(
                TableName=self.table, Key={"alert_id": {"S": alert_id}},
                UpdateExpression="SET first_review = :r",
                ConditionExpression="attribute_not_exists(first_review)",
                ExpressionAttributeValues={":r": {"M": {
                    "actor": {"S": caller.user}, "outcome": {"S": outcome},
                    "note": {"S": note}, "at": {"S": iso(now)}}}})
        except Exception as exc:
            if condition_failed(exc):
                raise Conflict(f"alert {alert_id} got its first review from someone else "
                               "just now") from None
            raise
        self._history(alert_id, caller.user, "first_review",
                      f"{outcome}: {note} (awaiting a supervisor's decision)", now)

    def _decide_direct(self, alert: dict[str, Any], caller: Caller, outcome: Outcome,
                       note: str, now: datetime) -> dict[str, Any]:
        alert_id = alert["alert_id"]
        values: dict[str, Any] = {":o": {"S": outcome}, ":a": {"S": caller.user},
                                  ":d": {"S": iso(now)}, ":open": {"S": "open"},
                                  ":review": {"S": "in_review"}}
        update = "SET last_decision = :o, last_decision_by = :a, last_decision_at = :d"
        if outcome in FINAL:
            update += ", decided_by = :a, decided_at = :d, #st = :closed, label = :label"
            values[":closed"] = {"S": "closed"}
            values[":label"] = {"S": "positive" if outcome == "confirmed" else "negative"}
        try:
            self.ddb.update_item(
                TableName=self.table, Key={"alert_id": {"S": alert_id}},
                UpdateExpression=update, ExpressionAttributeValues=values,
                ConditionExpression="#st IN (:open, :review)",
                ExpressionAttributeNames={"#st": "status"})
        except Exception as exc:
            if condition_failed(exc):
                raise Conflict(f"alert {alert_id} was decided by someone else") from None
            raise
        self._history(alert_id, caller.user, outcome, note, now)
        return self.load(alert_id)

    def _history(self, alert_id: str, actor: str, action: str, detail: str,
                 now: datetime) -> None:
        entry = HistoryEntry(at=now, actor=actor, action=action, detail=detail)
        self.ddb.put_item(TableName=self.history_table,
                          Item=history_item(alert_id, entry, f"{actor}#{iso(now)}#{action}"))

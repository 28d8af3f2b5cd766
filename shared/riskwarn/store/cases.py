"""The alert lifecycle's writes to the alerts and history tables: claims, reviews,
decisions, the waiting workflow's task token and the workflow's own status changes. Every
write is conditional on the state the lifecycle's rules were asked about, so two people at
once cannot both win; a refused write comes out as `Conflict`, a missing alert as
`NotFound` (cases.lifecycle).

A workflow step's status change carries the step's key (execution, state, entry time) and
is refused when the alert already holds it: Step Functions retries a step whose Lambda
failed half-way, and the retry must not escalate, or count an SLA breach, twice."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from riskwarn.cases.alerts import HistoryEntry
from riskwarn.cases.lifecycle import FINAL, Conflict, NotFound
from riskwarn.store import condition_failed, iso, throttled_as_named
from riskwarn.store.alerts import history_item
from riskwarn.store.reports import plain

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class CaseStore:
    def __init__(self, client: DynamoDBClient, alerts_table: str, history_table: str) -> None:
        self.client = client
        self.alerts_table = alerts_table
        self.history_table = history_table

    def load(self, alert_id: str) -> dict[str, Any]:
        """The alert as stored (plain values), read consistently."""
        return plain(self.load_item(alert_id))

    @throttled_as_named
    def load_item(self, alert_id: str) -> dict[str, Any]:
        item: Any = self.client.get_item(TableName=self.alerts_table,
                                         Key={"alert_id": {"S": alert_id}},
                                         ConsistentRead=True).get("Item")
        if item is None:
            raise NotFound(alert_id)
        return dict(item)

    @throttled_as_named
    def claim(self, alert_id: str, user: str, seen: str, status: str, now: datetime) -> None:
        self._update(alert_id, "SET assignee = :me, claimed_at = if_not_exists(claimed_at, "
                               ":now), #st = :new",
                     "#st = :seen AND (attribute_not_exists(assignee) OR assignee = :me)",
                     {":me": {"S": user}, ":now": {"S": iso(now)}, ":seen": {"S": seen},
                      ":new": {"S": status}},
                     f"alert {alert_id} changed while claiming it: read it again",
                     names={"#st": "status"})

    @throttled_as_named
    def first_review(self, alert_id: str, user: str, outcome: str, note: str,
                     now: datetime) -> None:
        self._update(alert_id, "SET first_review = :r", "attribute_not_exists(first_review)",
                     {":r": {"M": {"actor": {"S": user}, "outcome": {"S": outcome},
                                   "note": {"S": note}, "at": {"S": iso(now)}}}},
                     f"alert {alert_id} got its first review from someone else just now")

    @throttled_as_named
    def decide_direct(self, alert_id: str, user: str, outcome: str, now: datetime) -> None:
        """A low or medium alert's decision, on the alert itself (no workflow)."""
        values: dict[str, Any] = {":o": {"S": outcome}, ":a": {"S": user},
                                  ":d": {"S": iso(now)}, ":open": {"S": "open"},
                                  ":review": {"S": "in_review"}}
        update = "SET last_decision = :o, last_decision_by = :a, last_decision_at = :d"
        if outcome in FINAL:
            update += ", decided_by = :a, decided_at = :d, #st = :closed, label = :label"
            values[":closed"] = {"S": "closed"}
            values[":label"] = {"S": "positive" if outcome == "confirmed" else "negative"}
        self._update(alert_id, update, "#st IN (:open, :review)", values,
                     f"alert {alert_id} was decided by someone else", names={"#st": "status"})

    @throttled_as_named
    def keep_task(self, alert_id: str, token: str, stage: str, due: datetime) -> None:
        """The waiting workflow's task token on the alert (the review inbox)."""
        self._update(alert_id, "SET task_token = :t, review_stage = :s, review_due_at = :d",
                     "attribute_exists(alert_id)",
                     {":t": {"S": token}, ":s": {"S": stage}, ":d": {"S": iso(due)}},
                     f"alert {alert_id} is not there")

    @throttled_as_named
    def take_task(self, alert_id: str, token: str, outcome: str, user: str) -> None:
        """Take the waiting task's token: whoever removes it decides."""
        self._update(alert_id, "REMOVE task_token SET last_decision = :o, decided_by = :a",
                     "task_token = :t",
                     {":t": {"S": token}, ":o": {"S": outcome}, ":a": {"S": user}},
                     f"alert {alert_id} was decided by someone else")

    @throttled_as_named
    def step(self, alert_id: str, step_key: str, seen: str, status: str | None = None,
             *, label: str | None = None, decided_at: datetime | None = None,
             breach: bool = False) -> bool:
        """A workflow step's change of the alert: its status (from `seen`), the label and
        decision time of a settled decision, one more SLA breach. False if this step was
        applied already (a retry)."""
        sets = ["workflow_step = :k"]
        values: dict[str, Any] = {":k": {"S": step_key}, ":seen": {"S": seen}}
        if status is not None:
            sets.append("#st = :new")
            values[":new"] = {"S": status}
        if label is not None:
            sets.append("label = :l")
            values[":l"] = {"S": label}
        if decided_at is not None:
            sets.append("decided_at = :d")
            values[":d"] = {"S": iso(decided_at)}
        update = "SET " + ", ".join(sets)
        if breach:
            update += " ADD sla_breaches :one"
            values[":one"] = {"N": "1"}
        try:
            self._update(alert_id, update, "#st = :seen AND (attribute_not_exists("
                         "workflow_step) OR workflow_step <> :k)", values,
                         f"alert {alert_id} is no longer {seen}", names={"#st": "status"})
        except Conflict:
            if self.load_item(alert_id).get("workflow_step", {}).get("S") == step_key:
                return False
            raise
        return True

    @throttled_as_named
    def high_alerts_since(self, customer_id: str, since: str, other_than: str) -> int:
        """How many high or critical alerts the customer has had since `since` (an ISO
        time), other than `other_than`: the disposition's follow-up."""
        count = 0
        kwargs: dict[str, Any] = {}
        while True:
            resp: Any = self.client.query(
                TableName=self.alerts_table, IndexName="ByCustomer",
                KeyConditionExpression="customer_id = :c AND created_at > :d",
                FilterExpression="tier_rank >= :high AND alert_id <> :me",
                ExpressionAttributeValues={":c": {"S": customer_id}, ":d": {"S": since},
                                           ":high": {"N": "2"}, ":me": {"S": other_than}},
                Select="COUNT", **kwargs)
            count += int(resp.get("Count", 0))
            if "LastEvaluatedKey" not in resp:
                return count
            kwargs = {"ExclusiveStartKey": resp["LastEvaluatedKey"]}

    @throttled_as_named
    def record(self, alert_id: str, actor: str, action: str, detail: str,
               now: datetime) -> None:
        """One history entry, named after its actor (deterministic key)."""
        entry = HistoryEntry(at=now, actor=actor, action=action, detail=detail)
        self.client.put_item(TableName=self.history_table,
                             Item=history_item(alert_id, entry, f"{actor}#{iso(now)}#{action}"))

    def _update(self, alert_id: str, update: str, condition: str, values: dict[str, Any],
                refused: str, names: dict[str, str] | None = None) -> None:
        kwargs: dict[str, Any] = {"ExpressionAttributeNames": names} if names else {}
        try:
            self.client.update_item(
                TableName=self.alerts_table, Key={"alert_id": {"S": alert_id}},
                UpdateExpression=update, ConditionExpression=condition,
                ExpressionAttributeValues=values, **kwargs)
        except Exception as exc:
            if condition_failed(exc):
                raise Conflict(refused) from None
            raise

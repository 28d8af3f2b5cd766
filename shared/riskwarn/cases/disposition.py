"""Human decisions in the disposition workflow.

The state machine waits on a task token it sends to the review queue; the review inbox
keeps that token on the alert (`task_token`, `review_stage`, `review_due_at`), so whoever
decides — the staff API, a script — completes the waiting workflow with `decide`. Two
people deciding at once: the conditional write lets one win; the other gets `Conflict`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import orjson

from riskwarn.process_cache import once_per_process
from riskwarn.store import condition_failed, iso

Outcome = Literal["confirmed", "false_positive", "needs_info"]
OUTCOMES: tuple[Outcome, ...] = ("confirmed", "false_positive", "needs_info")


class Conflict(Exception):
    """The alert is not waiting for a decision (already decided, or not yet queued)."""


class NotFound(Exception):
    pass


@dataclass(frozen=True)
class ReviewTask:
    alert_id: str
    stage: str  # review | supervisor
    task_token: str
    due_in_seconds: int

    @classmethod
    def from_message(cls, body: str | bytes) -> ReviewTask:
        doc = orjson.loads(body)
        return cls(doc["alert_id"], doc["stage"], doc["task_token"],
                   int(doc.get("due_in_seconds", 0)))


class Disposition:
    def __init__(self, ddb: Any, sfn: Any, alerts_table: str, history_table: str) -> None:
        self.ddb = ddb
        self.sfn = sfn
        self.alerts_table = alerts_table
        self.history_table = history_table

    def queue(self, task: ReviewTask, now: datetime) -> None:
        """Keep the waiting workflow's token on the alert (the review inbox)."""
        due = now + timedelta(seconds=task.due_in_seconds)
        self.ddb.update_item(
            TableName=self.alerts_table, Key={"alert_id": {"S": task.alert_id}},
            UpdateExpression="SET task_token = :t, review_stage = :s, review_due_at = :d",
            ConditionExpression="attribute_exists(alert_id)",
            ExpressionAttributeValues={":t": {"S": task.task_token}, ":s": {"S": task.stage},
                                       ":d": {"S": iso(due)}})

    def decide(self, alert_id: str, outcome: Outcome, note: str, actor: str,
               now: datetime | None = None) -> dict[str, Any]:
        """Complete the waiting workflow with a decision; one decision per waiting task."""
        from botocore.exceptions import ClientError

        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}")
        now = now or datetime.now(UTC)
        item = self.ddb.get_item(TableName=self.alerts_table,
                                 Key={"alert_id": {"S": alert_id}},
                                 ConsistentRead=True).get("Item")
        if item is None:
            raise NotFound(alert_id)
        token = item.get("task_token", {}).get("S")
        if not token:
            raise Conflict(f"alert {alert_id} is not waiting for a decision")
        try:  # take the token: whoever removes it decides
            self.ddb.update_item(
                TableName=self.alerts_table, Key={"alert_id": {"S": alert_id}},
                UpdateExpression="REMOVE task_token SET last_decision = :o, decided_by = :a",
                ConditionExpression="task_token = :t",
                ExpressionAttributeValues={":t": {"S": token}, ":o": {"S": outcome},
                                           ":a": {"S": actor}})
        except ClientError as exc:
            if condition_failed(exc):
                raise Conflict(f"alert {alert_id} was decided by someone else") from None
            raise
        decision = {"outcome": outcome, "note": note, "actor": actor,
                    "decided_at": iso(now), "stage": item.get("review_stage", {}).get("S")}
        self.sfn.send_task_success(taskToken=token, output=orjson.dumps(decision).decode())
        return decision


@once_per_process()
def production_disposition() -> Disposition:
    """Built once per process from the environment (the review inbox, `riskwarn decide`)."""
    from riskwarn import aws
    from riskwarn.settings import settings

    env = settings()
    return Disposition(aws.dynamodb(env.endpoint_url, env.region),
                       aws.sfn(env.endpoint_url, env.region), env.alerts_table,
                       env.history_table)

"""Human decisions in the disposition workflow.

The state machine waits on a task token it sends to the review queue; the review inbox
keeps that token on the alert (`task_token`, `review_stage`, `review_due_at`), so whoever
decides — the staff API, a script — completes the waiting workflow with `decide`. Two
people deciding at once: the conditional write lets one win; the other gets `Conflict`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from riskwarn.cases.lifecycle import OUTCOMES, Conflict, Outcome
from riskwarn.process_cache import once_per_process
from riskwarn.store import iso
from riskwarn.store.cases import CaseStore


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
    def __init__(self, cases: CaseStore, sfn: Any) -> None:
        self.cases = cases
        self.sfn = sfn

    def queue(self, task: ReviewTask, now: datetime) -> None:
        """Keep the waiting workflow's token on the alert (the review inbox)."""
        self.cases.keep_task(task.alert_id, task.task_token, task.stage,
                             now + timedelta(seconds=task.due_in_seconds))

    def decide(self, alert_id: str, outcome: Outcome, note: str, actor: str,
               now: datetime | None = None) -> dict[str, Any]:
        """Complete the waiting workflow with a decision; one decision per waiting task."""
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}")
        now = now or datetime.now(UTC)
        item = self.cases.load_item(alert_id)
        token = item.get("task_token", {}).get("S")
        if not token:
            raise Conflict(f"alert {alert_id} is not waiting for a decision")
        self.cases.take_task(alert_id, token, outcome, actor)
        decision = {"outcome": outcome, "note": note, "actor": actor,
                    "decided_at": iso(now), "stage": item.get("review_stage", {}).get("S")}
        self.sfn.send_task_success(taskToken=token, output=orjson.dumps(decision).decode())
        return decision


@once_per_process()
def production_disposition() -> Disposition:
    """Built once per process from the environment (the review inbox)."""
    from riskwarn import aws
    from riskwarn.settings import settings

    env = settings()
    cases = CaseStore(aws.dynamodb(env.dynamodb_endpoint, env.region), env.alerts_table,
                      env.history_table)
    return Disposition(cases, aws.sfn(env.endpoint_url, env.region))

"""Starting the disposition workflow (Step Functions) for high and critical alerts. The
execution is named after the alert, so starting it again is harmless."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import orjson

from riskwarn.cases.alerts import Alert
from riskwarn.cases.lifecycle import WORKFLOW_TIERS
from riskwarn.store import throttled_as_named

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient


@dataclass(frozen=True)
class Timing:
    """The disposition's clocks, in seconds (production: hours and days; locally: seconds)."""

    review_sla_high: int = 24 * 3600
    review_sla_critical: int = 2 * 3600
    supervisor_sla: int = 4 * 3600
    follow_up: int = 14 * 86_400
    restriction_hours: float = 72.0


class WorkflowStarter:
    def __init__(self, client: SFNClient, state_machine_arn: str,
                 timing: Timing | None = None) -> None:
        self.client = client
        self.arn = state_machine_arn
        self.timing = timing or Timing()
        self.calls = 0

    @throttled_as_named
    def start(self, alert: Alert, now: datetime) -> bool:
        """Start the alert's disposition; False if it was started before."""
        if alert.tier not in WORKFLOW_TIERS:
            return False
        t = self.timing
        utc = now.astimezone(UTC)
        payload: dict[str, Any] = {
            "requested_at": utc.isoformat(timespec="milliseconds"),
            "review_sla_seconds": t.review_sla_critical if alert.tier == "critical"
            else t.review_sla_high,
            "supervisor_sla_seconds": t.supervisor_sla,
            "follow_up_seconds": t.follow_up,
            "restriction_expires_at": (utc + timedelta(hours=t.restriction_hours)).strftime(
                "%Y-%m-%dT%H:%M:%SZ"),
            "alert_id": alert.alert_id, "customer_id": alert.customer_id,
            "account_id": alert.account_id or f"customer:{alert.customer_id}",
            "tier": alert.tier,
            "risk_category": alert.risk_category, "score": alert.score,
        }
        self.calls += 1
        try:
            self.client.start_execution(stateMachineArn=self.arn, name=alert.alert_id,
                                        input=orjson.dumps(payload).decode())
        except self.client.exceptions.ExecutionAlreadyExists:
            return False
        return True

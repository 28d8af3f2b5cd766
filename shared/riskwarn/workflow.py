"""Starting the disposition workflow (Step Functions) for high and critical alerts. The
execution is named after the alert, so starting it again is harmless."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson

from riskwarn.alerts import Alert

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient

WORKFLOW_TIERS = ("high", "critical")


class WorkflowStarter:
    def __init__(self, client: SFNClient, state_machine_arn: str) -> None:
        self.client = client
        self.arn = state_machine_arn
        self.calls = 0

    def start(self, alert: Alert, now: datetime) -> bool:
        """Start the alert's disposition; False if it was started before."""
        if alert.tier not in WORKFLOW_TIERS:
            return False
        payload: dict[str, Any] = {
            "requested_at": now.astimezone(UTC).isoformat(timespec="milliseconds"),
            "alert_id": alert.alert_id, "customer_id": alert.customer_id,
            "account_id": alert.account_id, "tier": alert.tier,
            "risk_category": alert.risk_category, "score": alert.score,
        }
        self.calls += 1
        try:
            self.client.start_execution(stateMachineArn=self.arn, name=alert.alert_id,
                                        input=orjson.dumps(payload).decode())
        except self.client.exceptions.ExecutionAlreadyExists:
            return False
        return True

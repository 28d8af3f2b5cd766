"""A reviewer's desk on the moto stack: raise alerts, start workflows, run the review inbox,
wait for things (shared by the disposition and staff API tests)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from riskwarn.cases.alerts import Alert, EvidenceItem
from riskwarn.cases.disposition import Disposition
from riskwarn.cases.workflow import Timing, WorkflowStarter
from riskwarn.runtime.lambda_shapes import sqs_event
from riskwarn.runtime.review_inbox import handle_review_messages
from riskwarn.store.alerts import to_item
from riskwarn.store.cases import CaseStore
from tests.integration.conftest import Stack

FAST = Timing(review_sla_high=30, review_sla_critical=30, supervisor_sla=30, follow_up=1,
              restriction_hours=72)




class Desk:
    """A reviewer's view: start workflows, pick up review tasks, decide, look."""

    def __init__(self, stack: Stack) -> None:
        self.s = stack
        self.ddb = stack.client("dynamodb")
        self.sfn = stack.client("stepfunctions")
        self.port = Disposition(CaseStore(self.ddb, stack.p.ref("AlertsTable"),
                                          stack.p.ref("AlertHistoryTable")), self.sfn)

    def raise_alert(self, alert_id: str, tier: str, category: str = "aml",
                    customer: str = "C-1", created: datetime | None = None) -> Alert:
        now = created or datetime.now(UTC)
        alert = Alert(alert_id=alert_id, customer_id=customer, account_id=f"A-{customer}",
                      tier=tier, score={"high": 760, "critical": 900}.get(tier, 560),
                      risk_category=category, typologies=["AML-STRUCTURING"],
                      reason_codes=["3 deposits just under the threshold"],
                      event_ids=["e-1", "e-2", "e-3"], occurred_at=now, last_evidence_at=now,
                      created_at=now, evidence=[
                          EvidenceItem(event_id=f"e-{i}", at=now, amount=45_000.0 + i,
                                       direction="credit", method="cash") for i in (1, 2, 3)])
        self.ddb.put_item(TableName=self.s.p.ref("AlertsTable"), Item=to_item(alert))
        return alert

    def start(self, alert: Alert, timing: Timing = FAST) -> None:
        starter = WorkflowStarter(self.sfn, self.s.p.ref("DispositionStateMachine"), timing)
        assert starter.start(alert, datetime.now(UTC))

    def pump(self) -> int:
        """Run the review inbox over what the workflow queued (the SQS-triggered Lambda)."""
        sqs = self.s.client("sqs")
        msgs = sqs.receive_message(QueueUrl=self.s.p.ref("ReviewQueue"),
                                   MaxNumberOfMessages=10).get("Messages", [])
        if msgs:
            event = sqs_event(msgs, "arn:aws:sqs:us-east-1:123456789012:review")
            assert handle_review_messages(event, None, self.port) == {"batchItemFailures": []}
            for m in msgs:
                sqs.delete_message(QueueUrl=self.s.p.ref("ReviewQueue"),
                                   ReceiptHandle=m["ReceiptHandle"])
        return len(msgs)

    def waiting(self, alert_id: str, stage: str = "review") -> bool:
        self.pump()
        item = self.alert(alert_id)
        return "task_token" in item and item["review_stage"]["S"] == stage

    def alert(self, alert_id: str) -> dict[str, Any]:
        item: dict[str, Any] = self.ddb.get_item(TableName=self.s.p.ref("AlertsTable"),
                                                 Key={"alert_id": {"S": alert_id}})["Item"]
        return item

    def status(self, alert_id: str) -> str:
        return str(self.alert(alert_id)["status"]["S"])

    def history(self, alert_id: str) -> list[str]:
        items = self.ddb.query(TableName=self.s.p.ref("AlertHistoryTable"),
                               KeyConditionExpression="alert_id = :a",
                               ExpressionAttributeValues={":a": {"S": alert_id}})["Items"]
        return [i["action"]["S"] for i in sorted(items, key=lambda i: i["entry"]["S"])]

    def control(self, alert: Alert, kind: str) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self.ddb.get_item(
            TableName=self.s.p.ref("AccountControlsTable"),
            Key={"account_id": {"S": alert.account_id or ""},
                 "control_id": {"S": f"{kind}#{alert.alert_id}"}}).get("Item")
        return item

    def execution(self, alert_id: str) -> str:
        arn = self.s.p.ref("DispositionStateMachine").replace(":stateMachine:", ":execution:")
        return str(self.sfn.describe_execution(executionArn=f"{arn}:{alert_id}")["status"])

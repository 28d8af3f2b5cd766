"""Account controls (restrict outgoing, freeze): the disposition workflow's steps impose
and lift them (their only writer, through `cases.workflow_steps`); staff read them.

A control's key is its kind and alert (`restrict_outgoing#AL-…`), so imposing it again (a
retried step) writes the same item; lifting is conditional on the control being active, so
a lift, a supersession and an expiry never overwrite each other."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from riskwarn.store import condition_failed, iso, throttled_as_named
from riskwarn.store.reports import plain

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class ControlStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self.client = client
        self.table = table

    def for_alert(self, alert: dict[str, Any]) -> list[dict[str, Any]]:
        """The controls an alert put on its account (or on its customer, without one)."""
        account = alert.get("account_id") or f"customer:{alert['customer_id']}"
        resp: Any = self.client.query(
            TableName=self.table, KeyConditionExpression="account_id = :a",
            FilterExpression="alert_id = :id",
            ExpressionAttributeValues={":a": {"S": account}, ":id": {"S": alert["alert_id"]}})
        return [plain(i) for i in resp.get("Items", [])]

    def active_for_customer(self, customer_id: str) -> list[dict[str, Any]]:
        resp: Any = self.client.query(
            TableName=self.table, IndexName="ByCustomer",
            KeyConditionExpression="customer_id = :c", FilterExpression="#st = :active",
            ExpressionAttributeNames={"#st": "status"},
            ExpressionAttributeValues={":c": {"S": customer_id},
                                       ":active": {"S": "active"}})
        return [plain(i) for i in resp.get("Items", [])]

    @throttled_as_named
    def impose(self, account_id: str, kind: str, alert_id: str, customer_id: str,
               reason: str, now: datetime, expires_at: str) -> None:
        self.client.put_item(TableName=self.table, Item={
            "account_id": {"S": account_id}, "control_id": {"S": f"{kind}#{alert_id}"},
            "kind": {"S": kind}, "status": {"S": "active"}, "alert_id": {"S": alert_id},
            "customer_id": {"S": customer_id}, "reason": {"S": reason},
            "created_at": {"S": iso(now)}, "expires_at": {"S": expires_at}})

    @throttled_as_named
    def lift(self, account_id: str, kind: str, alert_id: str, status: str,
             now: datetime) -> bool:
        """End an active control (`lifted`, `superseded`, `expired`); False if there was
        none active."""
        try:
            self.client.update_item(
                TableName=self.table,
                Key={"account_id": {"S": account_id},
                     "control_id": {"S": f"{kind}#{alert_id}"}},
                UpdateExpression="SET #st = :s, lifted_at = :t",
                ConditionExpression="attribute_exists(control_id) AND #st = :active",
                ExpressionAttributeNames={"#st": "status"},
                ExpressionAttributeValues={":s": {"S": status}, ":active": {"S": "active"},
                                           ":t": {"S": iso(now)}})
        except Exception as exc:
            if condition_failed(exc):
                return False
            raise
        return True

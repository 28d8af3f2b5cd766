"""Account controls (restrict outgoing, freeze) as the disposition workflow writes them:
what staff read of them. The workflow (Step Functions' DynamoDB tasks) is their only
writer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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

"""The reports table: suspicious-transaction report drafts (the disposition workflow writes
them for confirmed AML alerts) and missed cases (staff report what the system missed).

Items carry `kind` and `created_at`; the `ByKind` index lists one kind newest first.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from riskwarn.store import iso, throttled_as_named

STR_KIND = "suspicious_transaction_report"
MISSED_KIND = "missed_case"

_des = TypeDeserializer()


def plain(item: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB item as plain Python values (numbers as int or float)."""
    out: dict[str, Any] = {}
    for k, v in item.items():
        out[k] = _number(_des.deserialize(v))
    return out


def _number(v: Any) -> Any:
    from decimal import Decimal

    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, list):
        return [_number(x) for x in v]
    if isinstance(v, set):
        return sorted(_number(x) for x in v)
    if isinstance(v, dict):
        return {k: _number(x) for k, x in v.items()}
    return v


class ReportStore:
    def __init__(self, client: Any, table: str) -> None:
        self.client = client
        self.table = table

    @throttled_as_named
    def draft_str(self, alert: dict[str, Any], account_id: str, actor: str, note: str,
                  now: datetime) -> str:
        """A suspicious-transaction report draft for a confirmed AML alert (`alert` as
        stored: its typologies, reasons, evidence ids and items, score go in as they are)."""
        report_id = f"STR-{alert['alert_id']['S']}"
        item: dict[str, Any] = {
            "report_id": {"S": report_id}, "alert_id": alert["alert_id"],
            "customer_id": alert["customer_id"], "account_id": {"S": account_id},
            "kind": {"S": STR_KIND}, "status": {"S": "draft"},
            "confirmed_by": {"S": actor}, "note": {"S": note}, "created_at": {"S": iso(now)}}
        for key in ("typologies", "reason_codes", "event_ids", "evidence", "score",
                    "network"):
            if key in alert:
                item[key] = alert[key]
        self.client.put_item(TableName=self.table, Item=item)
        return report_id

    def get(self, report_id: str) -> dict[str, Any] | None:
        item = self.client.get_item(TableName=self.table,
                                    Key={"report_id": {"S": report_id}}).get("Item")
        return plain(item) if item else None

    def of_kind(self, kind: str, start: str | None = None, end: str | None = None
                ) -> Iterator[dict[str, Any]]:
        """Every report of a kind, newest first, optionally created within [start, end]."""
        cond, values = "kind = :k", {":k": {"S": kind}}
        if start and end:
            cond += " AND created_at BETWEEN :a AND :b"
            values.update({":a": {"S": start}, ":b": {"S": end}})
        args: dict[str, Any] = {"TableName": self.table, "IndexName": "ByKind",
                                "KeyConditionExpression": cond,
                                "ExpressionAttributeValues": values, "ScanIndexForward": False}
        while True:
            resp = self.client.query(**args)
            yield from (plain(i) for i in resp.get("Items", []))
            if "LastEvaluatedKey" not in resp:
                return
            args["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    def add_missed(self, customer_id: str, period_from: datetime, period_to: datetime,
                   typology: str | None, note: str, actor: str, now: datetime
                   ) -> dict[str, Any]:
        item: dict[str, Any] = {
            "report_id": {"S": f"MISSED-{uuid.uuid4().hex[:16]}"},
            "kind": {"S": MISSED_KIND}, "customer_id": {"S": customer_id},
            "period_from": {"S": iso(period_from)}, "period_to": {"S": iso(period_to)},
            "note": {"S": note}, "reported_by": {"S": actor}, "created_at": {"S": iso(now)}}
        if typology:
            item["typology"] = {"S": typology}
        self.client.put_item(TableName=self.table, Item=item,
                             ConditionExpression="attribute_not_exists(report_id)")
        return plain(item)

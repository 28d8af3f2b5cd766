"""Alerts and their append-only history in DynamoDB.

Writes are idempotent: a new alert is a conditional put on its deterministic id; a merge
adds evidence to string sets and raises the score only if higher; history items have
deterministic keys, so a retried batch rewrites the same items.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from riskwarn.cases.alerts import Alert, HistoryEntry, Merge, merge
from riskwarn.core.config import TIERS
from riskwarn.core.scoring import Scored
from riskwarn.store import Stale, condition_failed, iso, throttled_as_named

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

HISTORY_CHUNK = 25  # BatchWriteItem limit
MERGE_ATTEMPTS = 4
NOT_TOLD = -1  # told_rank of an alert nobody has been told of yet


def told_rank(item: dict[str, Any]) -> int:
    """The highest tier (its rank) whose audience has been told of the alert; an item
    written before tiers were tracked says only whether it was told (at its tier)."""
    if "told_rank" in item:
        return int(item["told_rank"]["N"])
    told = item.get("notified", {}).get("BOOL", False)
    return int(item["tier_rank"]["N"]) if told and "tier_rank" in item else NOT_TOLD


@dataclass(frozen=True, slots=True)
class Existing:
    """An alert found written already (a redelivered event): as it is stored (perhaps raised
    in tier since; its "raised" history entry keeps its creation time, so a retry rewrites
    the same entry instead of adding a second) and the tier told so far."""

    alert: Alert
    told: int


@dataclass(frozen=True, slots=True)
class StoredMerge:
    """A merge as the store did it: what changed, the tier told so far, and whether this
    firing's event was in the alert already (a redelivery: nothing new was merged)."""

    merge: Merge
    told: int
    replay: bool


def to_item(alert: Alert) -> dict[str, Any]:
    item: dict[str, Any] = {
        "alert_id": {"S": alert.alert_id},
        "customer_id": {"S": alert.customer_id},
        "tier": {"S": alert.tier},
        "tier_rank": {"N": str(TIERS.index(alert.tier))},
        "score": {"N": str(alert.score)},
        "risk_category": {"S": alert.risk_category},
        "typologies": {"SS": sorted(set(alert.typologies))},
        "reason_codes": {"L": [{"S": r} for r in alert.reason_codes]},
        "event_ids": {"L": [{"S": e} for e in alert.event_ids]},  # in order: the latest kept
        "model_score": {"N": str(alert.model_score)},
        "occurred_at": {"S": iso(alert.occurred_at)},
        "last_evidence_at": {"S": iso(alert.last_evidence_at)},
        "created_at": {"S": iso(alert.created_at)},
        "created_day": {"S": iso(alert.created_at)[:10]},  # the ByDay index: newest first
        "status": {"S": alert.status},
        "told_rank": {"N": str(NOT_TOLD)},
        "lowered": {"L": [{"S": c} for c in alert.lowered]},
        "evidence": {"L": [{"M": _evidence_item(e.model_dump(mode="json"))}
                           for e in alert.evidence]},
        "network": {"L": [{"M": {"source": {"S": e.source}, "target": {"S": e.target},
                                 "amount": {"N": repr(e.amount)}, "at": {"S": iso(e.at)}}}
                          for e in alert.network]},
    }
    for name in ("account_id", "model_typology", "model_version", "assignee"):
        value = getattr(alert, name)
        if value is not None:
            item[name] = {"S": value}
    return item


def _evidence_item(e: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"event_id": {"S": e["event_id"]}, "at": {"S": e["at"]},
                           "amount": {"N": repr(e["amount"])}, "direction": {"S": e["direction"]},
                           "method": {"S": e["method"]},
                           "own_account": {"BOOL": e["own_account"]}}
    if e.get("counterparty"):
        out["counterparty"] = {"S": e["counterparty"]}
    return out


def _evidence_from(item: dict[str, Any]) -> dict[str, Any]:
    m = item["M"]
    return {"event_id": m["event_id"]["S"], "at": m["at"]["S"],
            "amount": float(m["amount"]["N"]), "direction": m["direction"]["S"],
            "method": m["method"]["S"], "own_account": m["own_account"]["BOOL"],
            "counterparty": m.get("counterparty", {}).get("S")}


def from_item(item: dict[str, Any]) -> Alert:
    def s(name: str) -> str | None:
        return item[name]["S"] if name in item else None

    return Alert(
        alert_id=item["alert_id"]["S"],
        customer_id=item["customer_id"]["S"],
        account_id=s("account_id"),
        tier=item["tier"]["S"],
        score=int(item["score"]["N"]),
        risk_category=item["risk_category"]["S"],
        typologies=list(item["typologies"]["SS"]),
        reason_codes=[r["S"] for r in item["reason_codes"]["L"]],
        event_ids=[e["S"] for e in item["event_ids"]["L"]] if "L" in item["event_ids"]
        else sorted(item["event_ids"]["SS"]),
        evidence=[_evidence_from(e) for e in item.get("evidence", {}).get("L", [])],
        model_score=int(item["model_score"]["N"]),
        model_typology=s("model_typology"),
        model_version=s("model_version"),
        lowered=[c["S"] for c in item.get("lowered", {}).get("L", [])],
        network=[{"source": e["M"]["source"]["S"], "target": e["M"]["target"]["S"],
                  "amount": float(e["M"]["amount"]["N"]), "at": e["M"]["at"]["S"]}
                 for e in item.get("network", {}).get("L", [])],
        occurred_at=item["occurred_at"]["S"],
        last_evidence_at=item["last_evidence_at"]["S"],
        created_at=item["created_at"]["S"],
        status=item["status"]["S"],
        assignee=s("assignee"),
    )


def history_item(alert_id: str, entry: HistoryEntry, key: str) -> dict[str, Any]:
    """`key` makes the item's sort key deterministic (the event behind the entry)."""
    digest = hashlib.blake2b(key.encode(), digest_size=6).hexdigest()
    return {
        "alert_id": {"S": alert_id},
        "entry": {"S": f"{iso(entry.at)}#{entry.action}#{digest}"},
        "at": {"S": iso(entry.at)},
        "actor": {"S": entry.actor},
        "action": {"S": entry.action},
        "detail": {"S": entry.detail},
    }


class AlertStore:
    def __init__(self, client: DynamoDBClient, table: str, history_table: str) -> None:
        self.client = client
        self.table = table
        self.history_table = history_table
        self.calls = 0

    @throttled_as_named
    def put_new(self, alert: Alert) -> Existing | None:
        """Write a new alert unless its id exists. Returns None when written, otherwise what
        the stored one says (a redelivered event)."""
        from botocore.exceptions import ClientError

        self.calls += 1
        try:
            self.client.put_item(
                TableName=self.table, Item=to_item(alert),
                ConditionExpression="attribute_not_exists(alert_id)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD")
        except ClientError as exc:
            if not condition_failed(exc):
                raise
            old: Any = exc.response.get("Item")
            if not old:
                self.calls += 1
                old = self.client.get_item(TableName=self.table, ConsistentRead=True,
                                           Key={"alert_id": {"S": alert.alert_id}})["Item"]
            return Existing(from_item(old), told_rank(old))
        return None

    @throttled_as_named
    def merge(self, alert_id: str, s: Scored, now: datetime,
              evidence: list[dict[str, Any]] | None = None) -> StoredMerge | None:
        """A repeat firing merged into a stored alert by the one merge (`alerts.merge`):
        read, merge, write back on the condition that no other merge wrote in between
        (`merges` counts them), retried a few times. None if the alert is not there."""
        from botocore.exceptions import ClientError

        for _ in range(MERGE_ATTEMPTS):
            self.calls += 1
            item: Any = self.client.get_item(TableName=self.table,
                                             Key={"alert_id": {"S": alert_id}},
                                             ConsistentRead=True).get("Item")
            if not item:
                return None
            seen = int(item.get("merges", {}).get("N", "0"))
            stored = from_item(item)
            replay = s.event.event_id in stored.event_ids
            done = merge(stored, s, now, evidence)
            merged = to_item(done.alert)
            values: dict[str, Any] = {
                ":ids": merged["event_ids"], ":codes": merged["typologies"],
                ":r": merged["reason_codes"], ":ev": merged["evidence"],
                ":s": merged["score"], ":m": merged["model_score"], ":tier": merged["tier"],
                ":rank": merged["tier_rank"], ":t": merged["last_evidence_at"],
                ":now": {"S": iso(now)},
                ":next": {"N": str(seen + 1)}, ":low": merged["lowered"],
                ":net": merged["network"]}
            if seen:
                values[":seen"] = {"N": str(seen)}
            try:
                self.calls += 1
                self.client.update_item(
                    TableName=self.table, Key={"alert_id": {"S": alert_id}},
                    UpdateExpression="SET event_ids = :ids, typologies = :codes, "
                                     "reason_codes = :r, evidence = :ev, score = :s, "
                                     "model_score = :m, tier = :tier, tier_rank = :rank, "
                                     "last_evidence_at = :t, updated_at = :now, merges = :next, "
                                     "lowered = :low, network = :net",
                    ConditionExpression="merges = :seen" if seen
                    else "attribute_not_exists(merges)",
                    ExpressionAttributeValues=values)
            except ClientError as exc:
                if not condition_failed(exc):
                    raise
                continue
            return StoredMerge(done, told_rank(item), replay)
        raise Stale(f"alert {alert_id}: {MERGE_ATTEMPTS} merges in a row were overtaken")

    @throttled_as_named
    def mark_told(self, alert_id: str, tier: str) -> None:
        """Record that the tier's audience has been told (the told rank only rises)."""
        from botocore.exceptions import ClientError

        self.calls += 1
        try:
            self.client.update_item(
                TableName=self.table, Key={"alert_id": {"S": alert_id}},
                UpdateExpression="SET told_rank = :r",
                ConditionExpression="attribute_not_exists(told_rank) OR told_rank < :r",
                ExpressionAttributeValues={":r": {"N": str(TIERS.index(tier))}})
        except ClientError as exc:
            if not condition_failed(exc):
                raise

    @throttled_as_named
    def append_history(self, items: list[dict[str, Any]]) -> None:
        for i in range(0, len(items), HISTORY_CHUNK):
            requests: Any = [{"PutRequest": {"Item": it}} for it in items[i:i + HISTORY_CHUNK]]
            for _ in range(4):
                self.calls += 1
                resp: Any = self.client.batch_write_item(
                    RequestItems={self.history_table: requests})
                requests = resp.get("UnprocessedItems", {}).get(self.history_table, [])
                if not requests:
                    break
            if requests:
                from riskwarn.store import TransientStoreError

                raise TransientStoreError("alert history: unprocessed items after retries")

    def history_items(self, alert_id: str) -> list[dict[str, Any]]:
        """An alert's history as stored (every attribute, plain values), oldest first."""
        from riskwarn.store.reports import plain

        resp: Any = self.client.query(
            TableName=self.history_table, KeyConditionExpression="alert_id = :a",
            ExpressionAttributeValues={":a": {"S": alert_id}})
        return [plain(i) for i in resp.get("Items", [])]

    def history(self, alert_id: str) -> list[HistoryEntry]:
        resp: Any = self.client.query(
            TableName=self.history_table, KeyConditionExpression="alert_id = :a",
            ExpressionAttributeValues={":a": {"S": alert_id}})
        return [HistoryEntry(at=i["at"]["S"], actor=i["actor"]["S"], action=i["action"]["S"],
                             detail=i["detail"]["S"]) for i in resp.get("Items", [])]

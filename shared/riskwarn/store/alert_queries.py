"""Reading alerts for people: filtered, newest first, a page at a time.

Each listing uses one index, chosen by the filter: `ByCustomer` when a customer is given,
`ByStatus` when a status is, otherwise `ByDay` (one partition per creation day, walked from
the newest day back). The other filters are DynamoDB filter expressions. The cursor is the
index key of the last alert returned (and the day being walked), base64url-encoded: opaque
to callers, checked strictly when it comes back.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson

from riskwarn.store import iso

MAX_RANGE_DAYS = 366
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
PAGE_READ = 200  # items DynamoDB evaluates per query call


INDEX_KEY = {"ByCustomer": "customer_id", "ByStatus": "status", "ByDay": "created_day"}


class BadQuery(ValueError):
    """A query the store cannot answer as asked (a time range out of bounds, a cursor it did
    not hand out); the API answers it with 400."""


class BadCursor(BadQuery):
    pass


@dataclass(frozen=True)
class AlertFilter:
    start: datetime
    end: datetime
    status: str | None = None
    tier: str | None = None
    category: str | None = None
    typology: str | None = None
    customer_id: str | None = None
    assignee: str | None = None

    def __post_init__(self) -> None:
        for moment in (self.start, self.end):
            if not EARLIEST <= moment <= LATEST:
                raise BadQuery("times must lie between 1970 and 9000")
        if self.start >= self.end:
            raise BadQuery("'from' must be before 'to'")
        if self.end - self.start > timedelta(days=MAX_RANGE_DAYS):
            raise BadQuery(f"a time range is at most {MAX_RANGE_DAYS} days")

    @property
    def index(self) -> str:
        return ("ByCustomer" if self.customer_id else "ByStatus" if self.status else "ByDay")


def _days(f: AlertFilter) -> list[str]:
    """The creation days a ByDay walk visits, newest first."""
    last: date = f.end.astimezone(UTC).date()
    first: date = f.start.astimezone(UTC).date()
    return [(last - timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def encode_cursor(day: str | None, key: dict[str, Any]) -> str:
    raw = orjson.dumps({"d": day, "k": key})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, f: AlertFilter) -> tuple[str | None, dict[str, Any]]:
    try:
        doc = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        day, key = doc["d"], doc["k"]
        ok = (isinstance(key, dict) and set(key) == {"alert_id", "created_at", INDEX_KEY[f.index]}
              and all(isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str)
                      for v in key.values()))
    except (ValueError, TypeError, KeyError, binascii.Error, orjson.JSONDecodeError):
        ok = False
    if not ok or (f.index == "ByDay") != isinstance(day, str):
        raise BadCursor("cursor is not one this listing gave out")
    return day, key


class AlertQueries:
    def __init__(self, client: Any, table: str) -> None:
        self.client = client
        self.table = table

    def page(self, f: AlertFilter, limit: int, cursor: str | None = None
             ) -> tuple[list[dict[str, Any]], str | None]:
        """Up to `limit` raw items, newest first, and the cursor of the next page."""
        day, start_key = decode_cursor(cursor, f) if cursor else (None, None)
        days: list[str | None] = list(_days(f)) if f.index == "ByDay" else [None]
        if day is not None:
            if day not in days:
                raise BadCursor("cursor does not belong to this time range")
            days = days[days.index(day):]
        out: list[dict[str, Any]] = []
        for d in days:
            for item in self._walk(f, d, start_key):
                out.append(item)
                if len(out) == limit:
                    return out, encode_cursor(d, self._key(f, item))
            start_key = None
        return out, None

    def all(self, f: AlertFilter, projection: str | None = None) -> Iterator[dict[str, Any]]:
        """Every alert the filter matches (reports)."""
        days: list[str | None] = list(_days(f)) if f.index == "ByDay" else [None]
        for d in days:
            yield from self._walk(f, d, None, projection)

    def _walk(self, f: AlertFilter, day: str | None, start_key: dict[str, Any] | None,
              projection: str | None = None) -> Iterator[dict[str, Any]]:
        names = {"#k": INDEX_KEY[f.index], "#c": "created_at"}
        values: dict[str, Any] = {
            ":k": {"S": f.customer_id if f.index == "ByCustomer"
                   else f.status if f.index == "ByStatus" else day},
            ":from": {"S": iso(f.start)}, ":to": {"S": iso(f.end)}}
        filters = []
        for attr, value in (("status", f.status if f.index == "ByCustomer" else None),
                            ("tier", f.tier), ("risk_category", f.category),
                            ("assignee", f.assignee)):
            if value:
                names[f"#{attr}"] = attr
                values[f":{attr}"] = {"S": value}
                filters.append(f"#{attr} = :{attr}")
        if f.typology:
            values[":typology"] = {"S": f.typology}
            filters.append("contains(typologies, :typology)")
        args: dict[str, Any] = {
            "TableName": self.table, "IndexName": f.index, "ScanIndexForward": False,
            "KeyConditionExpression": "#k = :k AND #c BETWEEN :from AND :to",
            "ExpressionAttributeNames": names, "ExpressionAttributeValues": values,
            "Limit": PAGE_READ}
        if filters:
            args["FilterExpression"] = " AND ".join(filters)
        if projection:
            args["ProjectionExpression"] = projection
            for part in projection.replace(" ", "").split(","):
                if part.startswith("#") and part[1:] not in names:
                    names[part] = part[1:]
        if start_key:
            args["ExclusiveStartKey"] = start_key
        while True:
            resp = self.client.query(**args)
            yield from resp.get("Items", [])
            if "LastEvaluatedKey" not in resp:
                return
            args["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    @staticmethod
    def _key(f: AlertFilter, item: dict[str, Any]) -> dict[str, Any]:
        attr = INDEX_KEY[f.index]
        return {"alert_id": item["alert_id"], "created_at": item["created_at"],
                attr: item[attr]}

"""The counterparty graph's state in DynamoDB: one item per account (its recent hops, see
core/network.py), read with BatchGetItem (100 keys a call) and written with BatchWriteItem
(25 a call). Only the account's owner writes its item (events are partitioned by customer),
so plain puts lose nothing. Items expire (TTL) a week after their newest hop.

A failed read or write raises `Throttled`: the batch fails whole and comes back (hops are
idempotent by their event ids), rather than scoring on without the graph.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Any

import orjson

from riskwarn.core.network import AccountFlows, Hop
from riskwarn.store import Throttled, throttled_as_named

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

GET_CHUNK = 100
PUT_CHUNK = 25
TRIES = 5
KEEP_S = 7 * 86_400


def encode(flows: AccountFlows) -> bytes:
    return zlib.compress(orjson.dumps([h.to_json() for h in flows.hops]), 1)


def decode(account: str, blob: bytes) -> AccountFlows:
    return AccountFlows(account, [Hop.from_json(d) for d in orjson.loads(zlib.decompress(blob))])


class NetworkStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self.client = client
        self.table = table
        self.calls = 0

    @throttled_as_named
    def load(self, accounts: Collection[str]) -> dict[str, AccountFlows]:
        ids = sorted(accounts)
        found: dict[str, AccountFlows] = {}
        for start in range(0, len(ids), GET_CHUNK):
            keys: list[Any] = [{"account": {"S": a}} for a in ids[start:start + GET_CHUNK]]
            for attempt in range(TRIES):
                self.calls += 1
                resp: Any = self.client.batch_get_item(RequestItems={self.table: {"Keys": keys}})
                for item in resp.get("Responses", {}).get(self.table, []):
                    account = item["account"]["S"]
                    found[account] = decode(account, item["hops"]["B"])
                keys = list(resp.get("UnprocessedKeys", {}).get(self.table, {}).get("Keys", []))
                if not keys:
                    break
                time.sleep(0.05 * 2 ** attempt)
            if keys:
                raise Throttled(f"network state: {len(keys)} accounts not read")
        return found

    @throttled_as_named
    def save(self, flows: Iterable[AccountFlows]) -> None:
        items = [self._item(f) for f in flows if f.hops]
        for start in range(0, len(items), PUT_CHUNK):
            requests: list[Any] = [{"PutRequest": {"Item": i}}
                                   for i in items[start:start + PUT_CHUNK]]
            for attempt in range(TRIES):
                self.calls += 1
                resp: Any = self.client.batch_write_item(RequestItems={self.table: requests})
                requests = list(resp.get("UnprocessedItems", {}).get(self.table, []))
                if not requests:
                    break
                time.sleep(0.05 * 2 ** attempt)
            if requests:
                raise Throttled(f"network state: {len(requests)} accounts not written")

    def _item(self, flows: AccountFlows) -> dict[str, Any]:
        newest = max(h.ts for h in flows.hops)
        return {"account": {"S": flows.account}, "hops": {"B": encode(flows)},
                "expires_at": {"N": str(int(newest) + KEEP_S)}}

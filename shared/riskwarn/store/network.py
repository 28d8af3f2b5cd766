"""The counterparty graph's state in DynamoDB: one item per account (see core/network.py),
read with BatchGetItem (100 keys a call, consistent reads: a hop another shard wrote a moment
ago must be seen).

- `hops`: written by the score function with UpdateItem, only by the account's owner
  (events are partitioned by customer), one call per account that took a hop (passages are
  rare: a batch writes a few, if any);
- `mark_<alert id>`: a confirmed case's mark, written by the workflow's confirm step with
  UpdateItem of that one attribute, so neither writer overwrites the other's;
- `wait_<customer id>`: a customer keeping a receipt from this account waiting for its hop
  (core/late_receipts.py), written by that customer's shard with UpdateItem of that one
  attribute after its read found no hop; the owner's next hop write returns the item
  (ALL_NEW) and so names the waiters, whose attributes it then removes. Both writes are
  atomic on the item: a hop written first is found by the waiter's recheck, one written
  after names the waiter.

Items expire (TTL `expires_at`) a week after their newest hop, or a year after their
newest mark (`keep_until`), whichever is later.

An account's standing in the book (core/standing.py) is an item of its own, keyed
`standing#<account>` (its TTL is its own: 90 days after its last write): `paid_b<band>`
(number sets of the hashed ids of the customers it paid a sum of that power of two, ADDed
by any customer's shard: a set ADD is atomic, so no writer loses another's), `since` (set
if absent) and `seen`; read in the same BatchGetItem calls as the accounts' hops (`read`).
A batch writes only customers not yet counted in a band with room left, and an account's
item again once a week (core/standing.walk), so an account's writes stop at a few dozen.

A failed read or write raises `Throttled`: the batch fails whole and comes back (hops are
idempotent by their event ids), rather than scoring on without the graph.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Collection, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import orjson

from riskwarn.core.network import AccountFlows, Hop, Link
from riskwarn.core.standing import Note, Standing
from riskwarn.store import Throttled, throttled_as_named

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

GET_CHUNK = 100
TRIES = 5
KEEP_S = 7 * 86_400
MARK_KEEP_S = 365 * 86_400
MARK = "mark_"
WAIT = "wait_"
STANDING = "standing#"
STANDING_KEEP_S = 90 * 86_400
PAYOUTS = "paid_b"  # + band: the customers a standing's account paid a sum of that band
PARALLEL_FROM = 32  # standing writes at once from which they go in parallel (a backfill)
WORKERS = 8


def encode(flows: AccountFlows) -> bytes:
    return zlib.compress(orjson.dumps([h.to_json() for h in flows.hops]), 1)


def decode(account: str, blob: bytes | None, marks: Iterable[str] = ()) -> AccountFlows:
    hops = [Hop.from_json(d) for d in orjson.loads(zlib.decompress(blob))] if blob else []
    return AccountFlows(account, hops, [Link.from_json(orjson.loads(m)) for m in marks])


def standing_from_item(item: dict[str, Any]) -> Standing:
    payouts = {int(k.removeprefix(PAYOUTS)): frozenset(int(x) for x in v.get("NS", ()))
               for k, v in item.items() if k.startswith(PAYOUTS)}
    return Standing(float(item.get("since", {}).get("N", 0)),
                    float(item.get("seen", {}).get("N", 0)), payouts)


def from_item(item: dict[str, Any]) -> AccountFlows:
    blob = item.get("hops", {}).get("B")
    marks = [v["S"] for k, v in sorted(item.items()) if k.startswith(MARK)]
    return decode(item["account"]["S"], blob, marks)


class NetworkStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self.client = client
        self.table = table
        self.calls = 0

    def _get(self, ids: Collection[str]) -> list[dict[str, Any]]:
        """The items under these keys (consistent reads, 100 keys a call)."""
        ordered = sorted(ids)
        items: list[dict[str, Any]] = []
        for start in range(0, len(ordered), GET_CHUNK):
            keys: list[Any] = [{"account": {"S": a}} for a in ordered[start:start + GET_CHUNK]]
            for attempt in range(TRIES):
                self.calls += 1
                resp: Any = self.client.batch_get_item(RequestItems={self.table: {
                    "Keys": keys, "ConsistentRead": True}})
                items.extend(resp.get("Responses", {}).get(self.table, []))
                keys = list(resp.get("UnprocessedKeys", {}).get(self.table, {}).get("Keys", []))
                if not keys:
                    break
                time.sleep(0.05 * 2 ** attempt)
            if keys:
                raise Throttled(f"network state: {len(keys)} accounts not read")
        return items

    @throttled_as_named
    def read(self, accounts: Collection[str], standing: Collection[str]
             ) -> tuple[dict[str, AccountFlows], dict[str, Standing]]:
        """Both kinds of item in the same BatchGetItem calls (100 keys a call)."""
        flows: dict[str, AccountFlows] = {}
        found: dict[str, Standing] = {}
        keys = set(accounts) | {STANDING + a for a in standing}
        for item in self._get(keys):
            key = item["account"]["S"]
            if key.startswith(STANDING) and key.removeprefix(STANDING) in standing:
                found[key.removeprefix(STANDING)] = standing_from_item(item)
            if key in accounts:
                flows[key] = from_item(item)
        return flows, found

    @throttled_as_named
    def note(self, added: Mapping[str, Note], at: float) -> None:
        """One UpdateItem per account; many at once (a backfill's history) in parallel."""

        def one(item: tuple[str, Note]) -> None:
            account, n = item
            sets = {f"{PAYOUTS}{b}": keys for b, keys in n.payouts.items() if keys}
            values: dict[str, Any] = {":s": {"N": str(n.since)}, ":t": {"N": str(at)},
                                      ":e": {"N": str(int(at) + STANDING_KEEP_S)}}
            values.update({f":{name}": {"NS": [str(k) for k in sorted(keys)]}
                           for name, keys in sets.items()})
            update = ("SET since = if_not_exists(since, :s), seen = :t, expires_at = :e"
                      + (" ADD " + ", ".join(f"{name} :{name}" for name in sets) if sets
                         else ""))
            self.client.update_item(
                TableName=self.table, Key={"account": {"S": STANDING + account}},
                UpdateExpression=update, ExpressionAttributeValues=values)

        items = sorted(added.items())
        self.calls += len(items)
        if len(items) < PARALLEL_FROM:
            for item in items:
                one(item)
        else:
            with ThreadPoolExecutor(max_workers=WORKERS) as pool:
                list(pool.map(one, items))

    @throttled_as_named
    def save(self, flows: Iterable[AccountFlows]) -> set[str]:
        waiters: set[str] = set()
        for f in flows:
            if not f.hops:
                continue
            newest = max(h.ts for h in f.hops)
            self.calls += 1
            resp: Any = self.client.update_item(
                TableName=self.table, Key={"account": {"S": f.account}},
                UpdateExpression="SET hops = :h, expires_at = if_not_exists(keep_until, :e)",
                ExpressionAttributeValues={":h": {"B": encode(f)},
                                           ":e": {"N": str(int(newest) + KEEP_S)}},
                ReturnValues="ALL_NEW")
            names = [k for k in resp.get("Attributes", {}) if k.startswith(WAIT)]
            if names:  # told once: a wait written after this read stays for the next hop
                self.calls += 1
                self.client.update_item(
                    TableName=self.table, Key={"account": {"S": f.account}},
                    UpdateExpression="REMOVE " + ", ".join(
                        f"#w{i}" for i in range(len(names))),
                    ExpressionAttributeNames={f"#w{i}": n for i, n in enumerate(names)})
                waiters.update(n.removeprefix(WAIT) for n in names)
        return waiters

    @throttled_as_named
    def wait(self, payers: Mapping[str, Collection[str]], at: float) -> None:
        keep = {"N": str(int(at) + KEEP_S)}
        for account, customers in sorted(payers.items()):
            names = sorted(customers)
            self.calls += 1
            self.client.update_item(
                TableName=self.table, Key={"account": {"S": account}},
                UpdateExpression="SET " + ", ".join(
                    f"#w{i} = :t" for i in range(len(names)))
                + ", expires_at = if_not_exists(expires_at, :k)",
                ExpressionAttributeNames={f"#w{i}": WAIT + c for i, c in enumerate(names)},
                ExpressionAttributeValues={":t": {"N": str(int(at))}, ":k": keep})

    @throttled_as_named
    def mark(self, account: str, link: Link) -> None:
        keep = {"N": str(int(link.at) + MARK_KEEP_S)}
        self.calls += 1
        self.client.update_item(
            TableName=self.table, Key={"account": {"S": account}},
            UpdateExpression="SET #m = :m, keep_until = :k, expires_at = :k",
            ExpressionAttributeNames={"#m": MARK + link.alert_id},
            ExpressionAttributeValues={":m": {"S": orjson.dumps(link.to_json()).decode()},
                                       ":k": keep})

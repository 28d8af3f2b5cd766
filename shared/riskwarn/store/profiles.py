"""Customer profiles in DynamoDB: read in batches of 100 keys, written with a version check.

Two ways to write, both version-checked (BatchWriteItem cannot hold a condition):
- `transact` (production default): TransactWriteItems of 100 conditional puts, so calls
  grow as customers/100. Costs twice the write units of plain puts.
- `put`: one conditional PutItem per customer on a small thread pool: half the write units
  of a transaction, as many calls as customers (`RISKWARN_PROFILE_WRITES=put`).
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Literal

import orjson

from riskwarn.core.profile import CustomerProfile
from riskwarn.store import condition_failed, is_transient

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

GET_CHUNK = 100  # BatchGetItem limit
WRITE_CHUNK = 100  # TransactWriteItems limit
UNPROCESSED_TRIES = 4


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def encode(prof: CustomerProfile) -> bytes:
    return zlib.compress(orjson.dumps(prof.stored()), 1)


def decode(blob: bytes) -> CustomerProfile:
    return CustomerProfile.from_stored(orjson.loads(zlib.decompress(blob)))


WriteMode = Literal["transact", "put"]


class ProfileStore:
    def __init__(self, client: DynamoDBClient, table: str, write_mode: WriteMode = "transact",
                 workers: int = 8) -> None:
        self.client = client
        self.table = table
        self.write_mode = write_mode
        self.workers = workers
        self.calls = 0  # DynamoDB calls made (benchmarks report it)

    def load(self, customer_ids: Iterable[str]) -> tuple[dict[str, CustomerProfile], set[str]]:
        """Profiles by customer (a new one where none is stored), and the customers whose
        read failed transiently."""
        ids = sorted(set(customer_ids))
        found: dict[str, CustomerProfile] = {}
        failed: set[str] = set()
        for chunk in _chunks(ids, GET_CHUNK):
            keys: list[Any] = [{"customer_id": {"S": c}} for c in chunk]
            try:
                for _ in range(UNPROCESSED_TRIES):
                    self.calls += 1
                    # the state holds the customer id: the two attributes read are all
                    # the client has to parse (its parser walks every attribute)
                    resp: Any = self.client.batch_get_item(RequestItems={
                        self.table: {"Keys": keys, "ConsistentRead": True,
                                     "ProjectionExpression": "#s, version",
                                     "ExpressionAttributeNames": {"#s": "state"}}})
                    for item in resp.get("Responses", {}).get(self.table, []):
                        prof = decode(item["state"]["B"])
                        prof.version = int(item["version"]["N"])
                        found[prof.customer_id] = prof
                    keys = list(resp.get("UnprocessedKeys", {}).get(self.table, {})
                                .get("Keys", []))
                    if not keys:
                        break
                    time.sleep(0.05)
                if keys:
                    failed.update(k["customer_id"]["S"] for k in keys)
            except Exception as exc:
                if not is_transient(exc):
                    raise
                failed.update(chunk)
        for cid in ids:
            if cid not in found and cid not in failed:
                found[cid] = CustomerProfile(cid)
        return found, failed

    def save(self, profiles: Iterable[CustomerProfile]) -> set[str]:
        """Write each profile as version + 1 if the stored version is still the one read.
        Returns the customers not written: a version conflict (someone wrote in between)
        or a transient failure. Their events must be retried."""
        if self.write_mode == "put":
            return self._save_each(list(profiles))
        failed: set[str] = set()
        for chunk in _chunks(sorted(profiles, key=lambda p: p.customer_id), WRITE_CHUNK):
            pending = chunk
            while pending:
                try:
                    self.calls += 1
                    self.client.transact_write_items(
                        TransactItems=[self._put(p) for p in pending])
                except Exception as exc:
                    conflicted = self._conflicts(exc, pending)
                    if conflicted is None:
                        if not is_transient(exc):
                            raise
                        failed.update(p.customer_id for p in pending)
                        break
                    failed.update(conflicted)
                    pending = [p for p in pending if p.customer_id not in conflicted]
                    continue
                for prof in pending:
                    prof.version += 1
                break
        return failed

    def _save_each(self, profiles: list[CustomerProfile]) -> set[str]:
        from botocore.exceptions import ClientError

        def one(prof: CustomerProfile) -> str | None:
            try:
                self.client.put_item(**self._put(prof)["Put"])
            except ClientError as exc:
                if condition_failed(exc) or is_transient(exc):
                    return prof.customer_id
                raise
            prof.version += 1
            return None

        self.calls += len(profiles)
        if len(profiles) <= 1:
            results = [one(p) for p in profiles]
        else:
            with ThreadPoolExecutor(max_workers=self.workers) as pool:
                results = list(pool.map(one, profiles))
        return {cid for cid in results if cid is not None}

    def _put(self, prof: CustomerProfile) -> Any:
        put: dict[str, Any] = {
            "TableName": self.table,
            "Item": {
                "customer_id": {"S": prof.customer_id},
                "version": {"N": str(prof.version + 1)},
                "state": {"B": encode(prof)},
                "last_event": {"N": repr(prof.last_event)},
            },
        }
        if prof.version:
            put["ConditionExpression"] = "version = :v"
            put["ExpressionAttributeValues"] = {":v": {"N": str(prof.version)}}
        else:
            put["ConditionExpression"] = "attribute_not_exists(customer_id)"
        return {"Put": put}

    @staticmethod
    def _conflicts(exc: Exception, pending: list[CustomerProfile]) -> set[str] | None:
        from botocore.exceptions import ClientError

        if not isinstance(exc, ClientError):
            return None
        if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
            return None
        reasons = exc.response.get("CancellationReasons") or []
        conflicted = {p.customer_id for p, r in zip(pending, reasons, strict=False)
                      if r.get("Code") == "ConditionalCheckFailed"}
        if not conflicted:
            return None  # cancelled for another reason (throttling, conflict in flight)
        return conflicted

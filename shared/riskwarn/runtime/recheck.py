"""Recheck records: the score function asking a customer's shard to look again at the
receipts that customer keeps waiting for their payer's hop (core/late_receipts.py).

A recheck record is `{"recheck": "receipts", "customer_id": "..."}`, put on the event
stream with the customer id as partition key, so it reaches the customer's shard after the
batch that kept the receipt; by then the payer's shard has usually written the hop. It
carries no claim: it only makes the stream score the customer's own waiting receipts
against the graph as it stands, so one sent from outside can raise nothing the graph does
not show. It is not an event: never quarantined, never counted as scored.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any

import orjson
from botocore.exceptions import BotoCoreError, ClientError

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient

MARK = b'{"recheck":'
CHUNK = 500  # PutRecords takes at most 500 records a call


def record(customer_id: str) -> bytes:
    return orjson.dumps({"recheck": "receipts", "customer_id": customer_id})


def customer_of(raw: bytes) -> str | None:
    """The customer a recheck record names; None when `raw` is not one (an event)."""
    if not raw.startswith(MARK):
        return None
    try:
        doc: Any = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(doc, dict) or doc.get("recheck") != "receipts":
        return None
    cid = doc.get("customer_id")
    return cid if isinstance(cid, str) and 0 < len(cid) <= 64 else None


class RecheckSender:
    """Puts recheck records on the event stream (PutRecords, 500 a call)."""

    def __init__(self, client: KinesisClient, stream: str) -> None:
        self.client = client
        self.stream = stream

    def send(self, customers: Collection[str]) -> int:
        """Returns how many were not put. A lost recheck loses no data: the receipt waits
        for the customer's next event instead (logged)."""
        ids = sorted(customers)
        lost = 0
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            try:
                resp = self.client.put_records(StreamName=self.stream, Records=[
                    {"Data": record(c), "PartitionKey": c} for c in chunk])
                lost += int(resp.get("FailedRecordCount", 0))
            except (BotoCoreError, ClientError) as exc:
                lost += len(chunk)
                from riskwarn.runtime.observability import logger

                logger.warning("recheck records not put", extra={
                    "error": type(exc).__name__, "count": len(chunk)})
        return lost

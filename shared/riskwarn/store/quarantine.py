"""Quarantine for records that break the event contract: S3, one object per record, with
the raw payload, the reason and where it came from (shard and sequence number).

S3 rather than SQS: a Kinesis record can be up to 1 MB (an SQS message 256 KB), objects are
kept as long as the bucket's lifecycle says, and an analyst can list them by day."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import orjson

from riskwarn.store import throttled_as_named

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

PREFIX = "quarantine"


class Quarantine:
    def __init__(self, client: S3Client, bucket: str) -> None:
        self.client = client
        self.bucket = bucket
        self.calls = 0

    @throttled_as_named
    def put(self, raw: bytes, reason: str, shard_id: str, sequence: str,
            now: datetime | None = None) -> str:
        now = now or datetime.now(UTC)
        key = f"{PREFIX}/{now:%Y/%m/%d}/{shard_id}/{sequence}.json"
        body = orjson.dumps({
            "reason": reason,
            "shard_id": shard_id,
            "sequence_number": sequence,
            "quarantined_at": now.isoformat(),
            "raw_base64": base64.b64encode(raw).decode(),
        })
        self.calls += 1
        self.client.put_object(Bucket=self.bucket, Key=key, Body=body,
                               ContentType="application/json")
        return key

"""The shapes Lambda hands a handler: the context object and the Kinesis and SQS events, as
the event-source mappings build them. The local stack's pollers, `riskwarn replay` and the
tests build them here, one way."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from typing import Any

ACCOUNT = "123456789012"


@dataclass
class LambdaContext:
    """What powertools reads of a Lambda context."""

    function_name: str = "riskwarn-ScoreFunction"
    memory_limit_in_mb: int = 1769
    region: str = "us-east-1"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    timeout_ms: int = 60_000

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{ACCOUNT}:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return self.timeout_ms


def kinesis_event(records: list[dict[str, Any]], stream_arn: str,
                  shard: str | None = None) -> dict[str, Any]:
    """From records as GetRecords returns them (each with its `ShardId`, or all from
    `shard`)."""
    region = stream_arn.split(":")[3]
    return {"Records": [{
        "kinesis": {
            "kinesisSchemaVersion": "1.0", "partitionKey": r["PartitionKey"],
            "sequenceNumber": r["SequenceNumber"],
            "data": base64.b64encode(r["Data"]).decode(),
            "approximateArrivalTimestamp": r["ApproximateArrivalTimestamp"].timestamp(),
        },
        "eventSource": "aws:kinesis", "eventVersion": "1.0",
        "eventID": f"{shard or r['ShardId']}:{r['SequenceNumber']}",
        "eventName": "aws:kinesis:record", "awsRegion": region, "eventSourceARN": stream_arn,
    } for r in records]}


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """From messages as ReceiveMessage returns them."""
    region = queue_arn.split(":")[3]
    return {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": m.get("Attributes", {}), "messageAttributes": {},
        "md5OfBody": m["MD5OfBody"], "eventSource": "aws:sqs", "awsRegion": region,
        "eventSourceARN": queue_arn,
    } for m in messages]}

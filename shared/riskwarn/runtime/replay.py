"""`riskwarn replay`: re-drive batches the event-source mapping gave up on.

After its retries, Lambda puts a message on the on-failure queue naming the shard and the
sequence range of the failed batch (`KinesisBatchInfo`). Replay reads those records back
from the stream (while they are within its retention), hands them to the same score logic
as a Lambda-shaped event, and deletes the message only when every record went through.
Records already applied are recognised and skipped, so replaying twice is harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

Handler = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass
class ReplayReport:
    messages: int = 0
    records: int = 0
    replayed_messages: int = 0
    still_failing: list[str] = field(default_factory=list)  # "shard:start-end"


def _records(kinesis: Any, stream: str, shard: str, start: str, end: str) -> list[Any]:
    it = kinesis.get_shard_iterator(StreamName=stream, ShardId=shard,
                                    ShardIteratorType="AT_SEQUENCE_NUMBER",
                                    StartingSequenceNumber=start)["ShardIterator"]
    out: list[Any] = []
    last = int(end)
    while it:
        resp = kinesis.get_records(ShardIterator=it, Limit=10_000)
        batch = resp["Records"]
        out += [r for r in batch if int(r["SequenceNumber"]) <= last]
        if not batch or int(batch[-1]["SequenceNumber"]) >= last:
            break
        it = resp.get("NextShardIterator")
    return out


def lambda_event(records: list[Any], shard: str, stream_arn: str) -> dict[str, Any]:
    from riskwarn.runtime.lambda_shapes import kinesis_event

    return kinesis_event(records, stream_arn, shard)


def replay(sqs: Any, kinesis: Any, queue_url: str, handle: Handler, *,
           max_messages: int = 100) -> ReplayReport:
    report = ReplayReport()
    while report.messages < max_messages:
        msgs = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                   VisibilityTimeout=300).get("Messages", [])
        if not msgs:
            break
        for msg in msgs:
            report.messages += 1
            info = orjson.loads(msg["Body"]).get("KinesisBatchInfo")
            if info is None:
                report.still_failing.append(f"not a Kinesis failure record: {msg['MessageId']}")
                continue
            stream_arn = info["streamArn"]
            shard, start, end = (info["shardId"], info["startSequenceNumber"],
                                 info["endSequenceNumber"])
            records = _records(kinesis, stream_arn.split("/", 1)[1], shard, start, end)
            report.records += len(records)
            result = handle(lambda_event(records, shard, stream_arn)) if records else {
                "batchItemFailures": []}
            if result.get("batchItemFailures"):
                report.still_failing.append(f"{shard}:{start}-{end}")
                continue
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=msg["ReceiptHandle"])
            report.replayed_messages += 1
    return report

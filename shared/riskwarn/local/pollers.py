"""Event-source mappings, run locally: the template's `AWS::Lambda::EventSourceMapping`s with
their settings, polling moto and invoking the in-process handlers as Lambda would.

Kinesis, per shard and in order, from the shard's checkpoint (`Checkpoints`): batches of up
to `BatchSize` records, gathered for at most `MaximumBatchingWindowInSeconds`, up to
`ParallelizationFactor` of them at once (a partition key always in the same one); a reported
batch item failure checkpoints before the failed record and retries from it; a handler error
bisects the batch (when `BisectBatchOnFunctionError`) and retries the halves; after
`MaximumRetryAttempts`, or for records older than `MaximumRecordAgeInSeconds`, the batch's
`KinesisBatchInfo` goes to the on-failure destination and the shard moves on.

SQS: long polls for up to `BatchSize` messages; the ones the handler does not report as
failed are deleted; the others come back after their visibility timeout.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from riskwarn.local.provision import Provisioned
from riskwarn.runtime.lambda_shapes import kinesis_event, sqs_event
from riskwarn.runtime.recheck import customer_of

Invoke = Callable[[str, dict[str, Any]], Any]  # (function logical id, event) -> result
IDLE_S = 0.05
# SQS: long polls, short enough that a stopping stack waits at most this long for a poller
LONG_POLL_S = 1


@dataclass(frozen=True)
class Mapping:
    logical: str
    function: str  # logical id of the function
    source_arn: str
    kind: str  # kinesis | sqs
    batch_size: int
    window_s: float = 0.0
    bisect: bool = False
    max_retries: int = -1  # -1: until the record expires
    max_age_s: int = -1
    report_failures: bool = False
    on_failure_arn: str | None = None
    parallelization: int = 1
    starting_position: str = "TRIM_HORIZON"

    @classmethod
    def all_in(cls, p: Provisioned) -> list[Mapping]:
        out = []
        for logical, res in p.template["Resources"].items():
            if res["Type"] != "AWS::Lambda::EventSourceMapping":
                continue
            props = p.resource_props(logical)
            arn = str(props["EventSourceArn"])
            out.append(cls(
                logical=logical, function=str(props["FunctionName"]).removeprefix(
                    f"{p.stack}-"), source_arn=arn,
                kind="kinesis" if ":kinesis:" in arn else "sqs",
                batch_size=int(props.get("BatchSize", 100)),
                window_s=float(props.get("MaximumBatchingWindowInSeconds", 0)),
                bisect=bool(props.get("BisectBatchOnFunctionError", False)),
                max_retries=int(props.get("MaximumRetryAttempts", -1)),
                max_age_s=int(props.get("MaximumRecordAgeInSeconds", -1)),
                report_failures="ReportBatchItemFailures" in props.get(
                    "FunctionResponseTypes", []),
                on_failure_arn=props.get("DestinationConfig", {}).get("OnFailure", {}).get(
                    "Destination"),
                parallelization=int(props.get("ParallelizationFactor", 1)),
                starting_position=str(props.get("StartingPosition", "TRIM_HORIZON"))))
        return out


@dataclass
class PollerStats:
    batches: int = 0
    records: int = 0
    rechecks: int = 0  # of them, the score function's own recheck records (runtime/recheck.py)
    retries: int = 0
    bisections: int = 0
    sent_to_on_failure: int = 0
    errors: list[str] = field(default_factory=list)
    invoke_s: list[float] = field(default_factory=list)  # each invocation's duration
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def events(self) -> int:
        """Records done that were events (what a sender put), not recheck records."""
        return self.records - self.rechecks

    def add(self, **counts: int) -> None:
        """Counts from the pollers' threads (every shard's, every concurrent batch's)."""
        with self.lock:
            for name, n in counts.items():
                setattr(self, name, getattr(self, name) + n)


def _rechecks(batch: list[dict[str, Any]]) -> int:
    return sum(1 for r in batch if customer_of(bytes(r["Data"])) is not None)


def _failed_ids(result: Any) -> list[str] | None:
    """The reported failures; None when the answer is not a valid report (all failed)."""
    if result is None:
        return []
    if not isinstance(result, dict):
        return None
    failures = result.get("batchItemFailures", [])
    if not isinstance(failures, list):
        return None
    ids = [f.get("itemIdentifier") for f in failures if isinstance(f, dict)]
    good = [i for i in ids if isinstance(i, str) and i]
    return good if len(good) == len(failures) else None


class Checkpoints:
    """Where each shard's mapping has got to: the last sequence number it is done with
    (succeeded or sent to the on-failure destination). Kept in the emulator, as Lambda keeps
    an event-source mapping's position outside the function: a stack started again on the
    same emulator resumes there (records in flight when it stopped come again: at least
    once, as in Lambda)."""

    def __init__(self, dynamodb: Any, table: str) -> None:
        self.ddb = dynamodb
        self.table = table

    @staticmethod
    def create(dynamodb: Any, table: str) -> None:
        dynamodb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                              AttributeDefinitions=[{"AttributeName": "position",
                                                     "AttributeType": "S"}],
                              KeySchema=[{"AttributeName": "position", "KeyType": "HASH"}])

    def get(self, position: str) -> str | None:
        item = self.ddb.get_item(TableName=self.table, Key={"position": {"S": position}},
                                 ConsistentRead=True).get("Item")
        return item["sequence"]["S"] if item else None

    def put(self, position: str, sequence: str) -> None:
        self.ddb.put_item(TableName=self.table, Item={"position": {"S": position},
                                                      "sequence": {"S": sequence}})


class KinesisShardPoller:
    def __init__(self, m: Mapping, shard: str, kinesis: Any, sqs: Any, invoke: Invoke,
                 queue_url_for: Callable[[str], str], stats: PollerStats,
                 checkpoints: Checkpoints | None = None) -> None:
        self.m = m
        self.shard = shard
        self.kinesis = kinesis
        self.sqs = sqs
        self.invoke = invoke
        self.queue_url_for = queue_url_for
        self.stats = stats
        self.stream = m.source_arn.rsplit("/", 1)[1]
        self.checkpoints = checkpoints
        self.position = f"{m.logical}/{shard}"
        self._lanes: ThreadPoolExecutor | None = None  # ParallelizationFactor's batches

    def run(self, stop: threading.Event) -> None:
        """From the checkpoint if there is one (a stack started again, a poller restarted
        after an error), else from the mapping's starting position."""
        after = self.checkpoints.get(self.position) if self.checkpoints else None
        where: dict[str, str] = {"ShardIteratorType": self.m.starting_position}
        if after is not None:
            where = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
                     "StartingSequenceNumber": after}
        it = self.kinesis.get_shard_iterator(StreamName=self.stream, ShardId=self.shard,
                                             **where)["ShardIterator"]
        pending: list[dict[str, Any]] = []
        first_at = 0.0
        most = self.m.batch_size * self.m.parallelization
        try:
            while not stop.is_set():
                resp = self.kinesis.get_records(ShardIterator=it, Limit=most - len(pending))
                it = resp["NextShardIterator"]
                if resp["Records"] and not pending:
                    first_at = time.monotonic()
                pending += resp["Records"]
                full = len(pending) >= most
                if pending and (full or time.monotonic() - first_at >= self.m.window_s):
                    self.deliver_in_parallel(pending)
                    if self.checkpoints is not None:
                        self.checkpoints.put(self.position, pending[-1]["SequenceNumber"])
                    pending = []
                elif not resp["Records"]:
                    stop.wait(IDLE_S)
        finally:
            if self._lanes is not None:
                self._lanes.shutdown(wait=False)
                self._lanes = None

    def deliver_in_parallel(self, records: list[dict[str, Any]]) -> None:
        """`ParallelizationFactor` batches of the shard at once, a partition key always in
        the same one (its records stay in order), as Lambda splits a shard; the shard's
        checkpoint moves once all of them are done."""
        n = self.m.parallelization
        if n <= 1:
            self.deliver(records)
            return
        lanes: list[list[dict[str, Any]]] = [[] for _ in range(n)]
        for r in records:
            digest = hashlib.md5(r["PartitionKey"].encode(), usedforsecurity=False).digest()
            lanes[int.from_bytes(digest[:8], "big") % n].append(r)
        if self._lanes is None:
            self._lanes = ThreadPoolExecutor(n, thread_name_prefix=f"{self.shard}-lane")
        size = self.m.batch_size

        def deliver_lane(lane: list[dict[str, Any]]) -> None:
            for i in range(0, len(lane), size):
                self.deliver(lane[i:i + size])

        for done in [self._lanes.submit(deliver_lane, lane) for lane in lanes if lane]:
            done.result()

    def deliver(self, records: list[dict[str, Any]]) -> None:
        """Until every record succeeded or went to the on-failure destination."""
        batch, attempts = records, 0
        while batch:
            batch = self._drop_expired(batch)
            if not batch:
                return
            self.stats.add(batches=1)
            started = time.perf_counter()
            try:
                result = self.invoke(self.m.function,
                                     kinesis_event(batch, self.m.source_arn, self.shard))
                self.stats.invoke_s.append(time.perf_counter() - started)
                failed = _failed_ids(result) if self.m.report_failures else []
            except Exception as exc:  # a function error: the whole batch failed
                self.stats.errors.append(f"{type(exc).__name__}: {exc}"[:200])
                if self.m.bisect and len(batch) > 1:
                    self.stats.add(bisections=1)
                    half = len(batch) // 2
                    self.deliver(batch[:half])
                    self.deliver(batch[half:])
                    return
                failed = None
            if failed == []:
                self.stats.add(records=len(batch), rechecks=_rechecks(batch))
                return
            seqs = [r["SequenceNumber"] for r in batch]
            if failed is not None and all(f in seqs for f in failed):
                start = min(seqs.index(f) for f in failed)
                # checkpoint: the records before it are done
                self.stats.add(records=start, rechecks=_rechecks(batch[:start]))
                batch = batch[start:]
            attempts += 1
            if 0 <= self.m.max_retries < attempts:
                self._give_up(batch, "RetryAttemptsExhausted", attempts)
                return
            self.stats.add(retries=1)

    def _drop_expired(self, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if self.m.max_age_s < 0:
            return batch
        now = datetime.now(UTC)
        old: list[dict[str, Any]] = []
        young: list[dict[str, Any]] = []
        for r in batch:
            age = (now - r["ApproximateArrivalTimestamp"]).total_seconds()
            (old if age > self.m.max_age_s else young).append(r)
        if old:
            self._give_up(old, "RecordAgeExceeded", 0)
        return young

    def _give_up(self, batch: list[dict[str, Any]], condition: str, attempts: int) -> None:
        self.stats.add(sent_to_on_failure=len(batch))
        if not self.m.on_failure_arn:
            return
        first, last = batch[0], batch[-1]
        body = {
            "requestContext": {"condition": condition, "approximateInvokeCount": attempts,
                               "functionArn": self.m.function},
            "version": "1.0", "timestamp": datetime.now(UTC).isoformat(),
            "KinesisBatchInfo": {
                "shardId": self.shard, "streamArn": self.m.source_arn,
                "startSequenceNumber": first["SequenceNumber"],
                "endSequenceNumber": last["SequenceNumber"], "batchSize": len(batch),
                "approximateArrivalOfFirstRecord":
                    first["ApproximateArrivalTimestamp"].isoformat(),
                "approximateArrivalOfLastRecord":
                    last["ApproximateArrivalTimestamp"].isoformat()}}
        self.sqs.send_message(QueueUrl=self.queue_url_for(self.m.on_failure_arn),
                              MessageBody=orjson.dumps(body).decode())


class SqsPoller:
    def __init__(self, m: Mapping, sqs: Any, invoke: Invoke, queue_url: str,
                 stats: PollerStats) -> None:
        self.m = m
        self.sqs = sqs
        self.invoke = invoke
        self.url = queue_url
        self.stats = stats

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.poll_once(wait_s=LONG_POLL_S)

    def poll_once(self, wait_s: int = 0) -> int:
        """One receive (a long poll of `wait_s` seconds, as Lambda's pollers make: moto
        answers the moment a message arrives) and its invocation."""
        msgs = self.sqs.receive_message(QueueUrl=self.url,
                                        MaxNumberOfMessages=min(self.m.batch_size, 10),
                                        WaitTimeSeconds=wait_s,
                                        AttributeNames=["All"]).get("Messages", [])
        if not msgs:
            return 0
        self.stats.add(batches=1)
        try:
            result = self.invoke(self.m.function, sqs_event(msgs, self.m.source_arn))
            failed = _failed_ids(result) if self.m.report_failures else []
        except Exception as exc:
            self.stats.errors.append(f"{type(exc).__name__}: {exc}"[:200])
            failed = None
        if failed is None:
            return len(msgs)  # all come back after the visibility timeout
        done = [m for m in msgs if m["MessageId"] not in set(failed)]
        self.stats.add(records=len(done))
        if done:
            self.sqs.delete_message_batch(QueueUrl=self.url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                for i, m in enumerate(done)])
        return len(msgs)

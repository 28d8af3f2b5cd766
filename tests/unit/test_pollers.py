"""The local event-source mappings behave as Lambda's: batch size, order per shard, partial
failures retried from the failed record, bisect on error, on-failure destination after the
retries, SQS messages deleted only when handled."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import boto3
import orjson
import pytest

from riskwarn.local.pollers import KinesisShardPoller, Mapping, PollerStats, SqsPoller

REGION = "us-east-1"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Any, str, str]]:
    from moto import mock_aws

    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    with mock_aws():
        kin = boto3.client("kinesis", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        kin.create_stream(StreamName="s", ShardCount=1)
        url = sqs.create_queue(QueueName="failures")["QueueUrl"]
        yield kin, sqs, url, kin.describe_stream(StreamName="s")["StreamDescription"][
            "Shards"][0]["ShardId"]


def _mapping(**kw: Any) -> Mapping:
    base: dict[str, Any] = dict(
        logical="M", function="Fn", kind="kinesis", batch_size=4, window_s=0.0,
        source_arn=f"arn:aws:kinesis:{REGION}:123456789012:stream/s", bisect=True,
        max_retries=2, report_failures=True,
        on_failure_arn=f"arn:aws:sqs:{REGION}:123456789012:failures")
    base.update(kw)
    return Mapping(**base)


def _records(kin: Any, n: int) -> list[dict[str, Any]]:
    for i in range(n):
        kin.put_record(StreamName="s", Data=orjson.dumps({"n": i}), PartitionKey="k")
    shard = kin.describe_stream(StreamName="s")["StreamDescription"]["Shards"][0]["ShardId"]
    it = kin.get_shard_iterator(StreamName="s", ShardId=shard,
                                ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records: list[dict[str, Any]] = kin.get_records(ShardIterator=it)["Records"]
    return records


class Handler:
    """Records what it saw; fails as told (by record number)."""

    def __init__(self, report: frozenset[int] = frozenset(),
                 raise_on: frozenset[int] = frozenset(), fail_times: int = 1) -> None:
        self.calls: list[list[int]] = []
        self.report = set(report)
        self.raise_on = set(raise_on)
        self.fail_times = fail_times

    def __call__(self, function: str, event: dict[str, Any]) -> Any:
        import base64

        ns = [orjson.loads(base64.b64decode(r["kinesis"]["data"]))["n"]
              for r in event["Records"]]
        self.calls.append(ns)
        if self.raise_on & set(ns):
            raise RuntimeError("poison")
        bad = [r for r, n in zip(event["Records"], ns, strict=True) if n in self.report]
        if bad and self.fail_times > 0:
            self.fail_times -= 1
            return {"batchItemFailures": [{"itemIdentifier": r["kinesis"]["sequenceNumber"]}
                                          for r in bad]}
        return {"batchItemFailures": []}


def _poller(aws: tuple[Any, Any, str, str], handler: Handler, **kw: Any
            ) -> tuple[KinesisShardPoller, PollerStats]:
    kin, sqs, url, shard = aws
    stats = PollerStats()
    return KinesisShardPoller(_mapping(**kw), shard, kin, sqs, handler, lambda arn: url,
                              stats), stats


def test_a_reported_failure_is_retried_from_that_record_on(aws: Any) -> None:
    handler = Handler(report=frozenset({2}))
    poller, stats = _poller(aws, handler)
    poller.deliver(_records(aws[0], 4))
    assert handler.calls == [[0, 1, 2, 3], [2, 3]]  # checkpoint before record 2
    assert stats.records == 4 and stats.retries == 1


def test_a_handler_error_bisects_until_the_poison_record_goes_to_the_failure_queue(
        aws: Any) -> None:
    handler = Handler(raise_on=frozenset({5}))
    poller, stats = _poller(aws, handler, batch_size=8)
    poller.deliver(_records(aws[0], 8))
    done = {n for call in handler.calls if 5 not in call for n in call}
    assert done == {0, 1, 2, 3, 4, 6, 7}  # everything else went through, in order per half
    assert stats.bisections >= 3 and stats.sent_to_on_failure == 1
    body = aws[1].receive_message(QueueUrl=aws[2])["Messages"][0]["Body"]
    info = orjson.loads(body)["KinesisBatchInfo"]
    assert info["batchSize"] == 1 and info["startSequenceNumber"] == info["endSequenceNumber"]
    assert orjson.loads(body)["requestContext"]["condition"] == "RetryAttemptsExhausted"


def test_without_bisect_a_failing_batch_is_retried_then_given_up(aws: Any) -> None:
    handler = Handler(raise_on=frozenset({1}))
    poller, stats = _poller(aws, handler, bisect=False, max_retries=2)
    poller.deliver(_records(aws[0], 3))
    assert len(handler.calls) == 3  # the first try and two retries
    assert stats.sent_to_on_failure == 3


def test_an_invalid_failure_report_fails_the_whole_batch(aws: Any) -> None:
    calls: list[int] = []

    def handler(function: str, event: dict[str, Any]) -> Any:
        calls.append(len(event["Records"]))
        return {"batchItemFailures": [{"itemIdentifier": ""}]} if len(calls) == 1 else {}

    kin, sqs, url, shard = aws
    poller = KinesisShardPoller(_mapping(), shard, kin, sqs, handler, lambda arn: url,
                                PollerStats())
    poller.deliver(_records(kin, 3))
    assert calls == [3, 3]


def test_the_poller_batches_by_size_and_keeps_shard_order(aws: Any) -> None:
    handler = Handler()
    poller, stats = _poller(aws, handler, batch_size=3)
    _records(aws[0], 7)
    stop = threading.Event()
    t = threading.Thread(target=poller.run, args=(stop,))
    t.start()
    deadline = threading.Event()
    for _ in range(100):
        if stats.records >= 7:
            break
        deadline.wait(0.05)
    stop.set()
    t.join()
    assert [n for call in handler.calls for n in call] == list(range(7))
    assert max(len(c) for c in handler.calls) <= 3


def test_sqs_messages_are_deleted_only_when_handled(aws: Any) -> None:
    _, sqs, _, _ = aws
    url = sqs.create_queue(QueueName="inbox", Attributes={"VisibilityTimeout": "0"})[
        "QueueUrl"]
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=str(i))

    def handler(function: str, event: dict[str, Any]) -> Any:
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]}
                                      for r in event["Records"] if r["body"] == "1"]}

    m = Mapping(logical="R", function="Fn", kind="sqs", batch_size=10,
                source_arn=f"arn:aws:sqs:{REGION}:123456789012:inbox", report_failures=True)
    poller = SqsPoller(m, sqs, handler, url, PollerStats())
    assert poller.poll_once() == 3
    left = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [msg["Body"] for msg in left] == ["1"]


def test_records_older_than_the_maximum_age_go_to_the_failure_queue_unprocessed(
        aws: Any) -> None:
    handler = Handler()
    poller, stats = _poller(aws, handler, max_age_s=0)
    poller.deliver(_records(aws[0], 3))
    assert handler.calls == [] and stats.sent_to_on_failure == 3
    body = orjson.loads(aws[1].receive_message(QueueUrl=aws[2])["Messages"][0]["Body"])
    assert body["requestContext"]["condition"] == "RecordAgeExceeded"
    assert body["KinesisBatchInfo"]["batchSize"] == 3


def _run_until(poller: KinesisShardPoller, stats: PollerStats, records: int) -> None:
    stop = threading.Event()
    t = threading.Thread(target=poller.run, args=(stop,))
    t.start()
    for _ in range(200):
        if stats.records >= records:
            break
        stop.wait(0.05)
    stop.set()
    t.join()


def test_parallelization_runs_batches_at_once_and_keeps_each_key_in_order(aws: Any) -> None:
    kin = aws[0]
    for i in range(40):  # k0 and k5 fall in different lanes (md5, as Kinesis hashes keys)
        kin.put_record(StreamName="s", Data=orjson.dumps({"n": i}), PartitionKey=f"k{i % 10}")
    running, most = [0], [0]
    lock = threading.Lock()
    inner = Handler()

    def handler(function: str, event: dict[str, Any]) -> Any:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        threading.Event().wait(0.05)
        try:
            return inner(function, event)
        finally:
            with lock:
                running[0] -= 1

    poller, stats = _poller(aws, handler, batch_size=4, parallelization=2)  # type: ignore[arg-type]
    _run_until(poller, stats, 40)
    seen = [n for call in inner.calls for n in call]
    assert sorted(seen) == list(range(40))  # each record once
    assert max(len(c) for c in inner.calls) <= 4
    for key in range(10):  # a partition key's records in order, whatever the lane
        mine = [n for n in seen if n % 10 == key]
        assert mine == sorted(mine)
    assert most[0] == 2  # two batches of the shard at once, never more


def test_a_new_poller_resumes_after_the_checkpoint(aws: Any) -> None:
    from riskwarn.local.pollers import Checkpoints

    ddb = boto3.client("dynamodb", region_name=REGION)
    Checkpoints.create(ddb, "checkpoints")
    checkpoints = Checkpoints(ddb, "checkpoints")
    kin, sqs, url, shard = aws
    first = Handler()
    stats = PollerStats()
    _records(kin, 6)
    _run_until(KinesisShardPoller(_mapping(batch_size=3), shard, kin, sqs, first,
                                  lambda arn: url, stats, checkpoints), stats, 6)
    assert [n for call in first.calls for n in call] == list(range(6))
    for i in range(6, 9):
        kin.put_record(StreamName="s", Data=orjson.dumps({"n": i}), PartitionKey="k")
    # a stack started again: a new poller, the same checkpoints
    second = Handler()
    stats = PollerStats()
    _run_until(KinesisShardPoller(_mapping(batch_size=3), shard, kin, sqs, second,
                                  lambda arn: url, stats, checkpoints), stats, 3)
    assert [n for call in second.calls for n in call] == [6, 7, 8]

"""Pieces of `riskwarn local`: reading a queue without taking from it, sending with pacing
and partition keys, one-line errors without a running stack."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import orjson
import pytest

from riskwarn.cli import main
from riskwarn.local.commands import describe, peek, send


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from moto import mock_aws

    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    with mock_aws():
        yield


def test_peek_walks_the_whole_queue_and_leaves_it_as_it_was(aws: None) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    for i in range(37):
        sqs.send_message(QueueUrl=url, MessageBody=str(i))
    assert [m["Body"] for m in peek(sqs, url, 100)] == [str(i) for i in range(37)]
    assert len(peek(sqs, url, 12)) == 12
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages"])["Attributes"]["ApproximateNumberOfMessages"] == "37"


def test_send_keys_by_customer_and_still_sends_what_is_not_an_event(aws: None) -> None:
    kin: Any = boto3.client("kinesis", region_name="us-east-1")
    kin.create_stream(StreamName="s", ShardCount=1)
    lines = [orjson.dumps({"customer_id": f"C{i}", "event_id": f"e{i}"}) for i in range(3)]
    sent = list(send(kin, "s", [*lines, b"{not json", b"  "], rate=None))
    assert [line for line, _ in sent] == [*lines, b"{not json"]
    shard = kin.describe_stream(StreamName="s")["StreamDescription"]["Shards"][0]["ShardId"]
    it = kin.get_shard_iterator(StreamName="s", ShardId=shard,
                                ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    keys = [r["PartitionKey"] for r in kin.get_records(ShardIterator=it)["Records"]]
    assert keys == ["C0", "C1", "C2", "unknown"]


def test_the_outbox_shows_the_sms_a_notification_would_be() -> None:
    doc = {"alert_id": "AL-1", "tier": "high", "risk_category": "aml", "customer_id": "C1",
           "score": 760}
    assert describe(orjson.dumps(doc).decode()) == (
        "riskwarn HIGH aml alert AL-1 customer C1 score 760")


def test_commands_without_a_stack_say_so_in_one_line(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    state = str(tmp_path / "none.json")
    for argv in (["local", "outbox", "--state", state],
                 ["local", "token", "--user", "a", "--groups", "analyst", "--state", state],
                 ["local", "send", "-", "--state", state]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "riskwarn local up" in err
    assert main(["local", "send", str(tmp_path / "missing.jsonl"), "--state", __file__]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_a_stack_that_is_gone_is_one_line(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    from riskwarn.local.stack import free_port

    state = tmp_path / "local.json"
    state.write_bytes(orjson.dumps({
        "endpoint": f"http://127.0.0.1:{free_port()}", "region": "us-east-1",
        "tier_queues": {"high": "http://127.0.0.1:1/123456789012/q"}, "captures": {}}))
    assert main(["local", "outbox", "--tier", "high", "--state", str(state)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "does not answer" in err


@pytest.mark.parametrize("port", ["0", "65536", "http"])
def test_a_port_that_cannot_be_listened_on_is_one_line(
        port: str, capsys: pytest.CaptureFixture[str]) -> None:
    for flag in ("--port", "--api-port"):
        assert main(["local", "demo", flag, port]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and flag in err and "Traceback" not in err

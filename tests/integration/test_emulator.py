"""The emulator's processes and server (local/cloud.py, local/server.py): its tables in a
process of their own behind the one endpoint, connections kept alive."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from riskwarn.local.cloud import Cloud, process_alive
from riskwarn.local.stack import free_port

KEYS = {"region_name": "us-east-1", "aws_access_key_id": "local",
        "aws_secret_access_key": "local"}


@pytest.fixture
def cloud(tmp_path: Path) -> Iterator[Cloud]:
    c = Cloud.start(free_port(), 0, tmp_path, tables_port=free_port())
    try:
        yield c
    finally:
        c.stop()


def _tables_pid(cloud: Cloud) -> int:
    """The emulator's child process (its tables'), from /proc."""
    kids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == cloud.pid:
                kids.append(int(entry.name))
    assert len(kids) == 1
    return kids[0]


def _new_connections(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    import urllib3.connection

    made = [0]
    original: Any = urllib3.connection.HTTPConnection._new_conn

    def counted(self: Any) -> Any:
        made[0] += 1
        return original(self)

    monkeypatch.setattr(urllib3.connection.HTTPConnection, "_new_conn", counted)
    return made


def test_the_tables_answer_at_the_one_endpoint_and_at_their_own(cloud: Cloud) -> None:
    main = boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{cloud.port}", **KEYS)
    own = boto3.client("dynamodb", endpoint_url=cloud.tables_endpoint, **KEYS)
    main.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",
                      KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                      AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}])
    blob = os.urandom(300_000)
    main.put_item(TableName="t", Item={"k": {"S": "a"}, "b": {"B": blob}})
    assert own.get_item(TableName="t", Key={"k": {"S": "a"}})["Item"]["b"]["B"] == blob
    with pytest.raises(own.exceptions.ConditionalCheckFailedException):
        main.put_item(TableName="t", Item={"k": {"S": "a"}},
                      ConditionExpression="attribute_not_exists(k)")
    # the other services stay in the emulator's own process
    kin = boto3.client("kinesis", endpoint_url=f"http://127.0.0.1:{cloud.port}", **KEYS)
    kin.create_stream(StreamName="s", ShardCount=1)
    assert main.list_tables()["TableNames"] == own.list_tables()["TableNames"] == ["t"]
    assert kin.list_streams()["StreamNames"] == ["s"]


def test_a_client_keeps_one_connection_for_its_calls(cloud: Cloud,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    made = _new_connections(monkeypatch)
    for endpoint, service in ((f"http://127.0.0.1:{cloud.port}", "kinesis"),
                              (f"http://127.0.0.1:{cloud.port}", "dynamodb"),
                              (cloud.tables_endpoint, "dynamodb")):
        client = boto3.client(service, endpoint_url=endpoint, **KEYS)
        call = client.list_streams if service == "kinesis" else client.list_tables
        before = made[0]
        for _ in range(30):
            call()
        assert made[0] - before == 1, (endpoint, service)


def test_the_tables_go_with_the_emulator_even_killed_hard(cloud: Cloud) -> None:
    tables = _tables_pid(cloud)
    os.kill(cloud.pid, signal.SIGKILL)
    deadline = time.monotonic() + 15
    while process_alive(tables) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not process_alive(tables)


def test_a_clean_stop_takes_the_tables_too(cloud: Cloud) -> None:
    tables = _tables_pid(cloud)
    assert cloud.answers()
    cloud.stop()
    assert not process_alive(tables)

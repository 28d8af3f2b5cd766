"""Faults survived on the local stack, nothing lost: a few thousand events with poison
records mixed in, streamed while DynamoDB throttles, SNS refuses a publish, Step Functions
refuses a start and S3 refuses a quarantine write. Afterwards every input is scored,
quarantined or on the on-failure queue; no alert is raised twice; no tier of an alert is
told twice; every high and critical alert has its workflow."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from riskwarn.local.stack import LocalConfig, LocalStack, free_port
from riskwarn.offline.synth import GenerateSpec, generate
from tests.builders import drain_queue, eventually

# (service, operation) → fail every Nth call, at most `times` times, with this error code
FAULTS = {
    ("dynamodb", "BatchGetItem"): (5, 4, "ProvisionedThroughputExceededException"),
    ("dynamodb", "PutItem"): (97, 4, "ProvisionedThroughputExceededException"),
    ("sns", "PublishBatch"): (4, 3, "Throttling"),
    ("sfn", "StartExecution"): (3, 3, "ThrottlingException"),
    ("s3", "PutObject"): (3, 3, "SlowDown"),
}
POISON = [b"{not json", b"\xff\xfe\x00", b'{"event_type": "transaction"}', b"[]", b"1e999",
          b'{"event_id": "x", "event_type": "wire", "customer_id": "C1"}']


class Injector:
    """Wraps every boto3 call in this process (the in-process functions' included); calls
    the table names fail on schedule, before they reach the emulator."""

    def __init__(self) -> None:
        self.calls: Counter[tuple[str, str]] = Counter()
        self.injected: Counter[tuple[str, str]] = Counter()
        self.on = True
        self.lock = threading.Lock()

    def wrap(self, real: Any) -> Any:
        injector = self

        def call(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
            key = (client.meta.service_model.endpoint_prefix
                   if client.meta.service_model.service_name != "stepfunctions" else "sfn",
                   operation)
            fault = FAULTS.get(key)
            if fault and injector.on:
                every, times, code = fault
                with injector.lock:
                    injector.calls[key] += 1
                    fire = (injector.calls[key] % every == 0
                            and injector.injected[key] < times)
                    if fire:
                        injector.injected[key] += 1
                if fire:
                    raise ClientError({"Error": {"Code": code, "Message": "injected"}},
                                      operation)
            return real(client, operation, params)

        return call


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalStack, Injector]]:
    injector = Injector()
    real = BaseClient._make_api_call
    stack = LocalStack(LocalConfig(port=free_port(), api_port=free_port(),
                                   state_file=tmp_path_factory.mktemp("f") / "local.json"))
    stack.start()
    BaseClient._make_api_call = injector.wrap(real)  # type: ignore[method-assign]
    try:
        yield stack, injector
    finally:
        BaseClient._make_api_call = real  # type: ignore[method-assign]
        stack.stop()


def _events() -> list[tuple[bytes, str | None]]:
    """Records to send, each with the event id it must be applied as (None: it must be
    quarantined): generated events with poison records spread through them, and at the end
    a record reusing an applied event's id for other content."""
    spec = GenerateSpec(customers=250, days=5, warmup_days=1, seed=5, episode_rate=0.3)
    events = list(generate(spec))[:3000]
    out: list[tuple[bytes, str | None]] = []
    for i, e in enumerate(events):
        out.append((orjson.dumps(e), str(e["event_id"])))
        if i % 100 == 50:
            out.append((POISON[(i // 100) % len(POISON)], None))
    reused = {**events[10], "channel": "branch" if events[10]["channel"] != "branch" else "web"}
    out.append((orjson.dumps(reused), None))
    return out


def test_faults_lose_nothing_and_do_nothing_twice(faulty: tuple[LocalStack, Injector]
                                                  ) -> None:
    stack, injector = faulty
    assert stack.p is not None
    ref = stack.p.ref
    kin, ddb, s3, sqs, sfn = (stack.client(s) for s in ("kinesis", "dynamodb", "s3", "sqs",
                                                         "stepfunctions"))
    sent = _events()
    records = [r for r, _ in sent]
    expected = [eid for _, eid in sent]
    seqs: list[str] = []
    for i in range(0, len(records), 500):
        resp = kin.put_records(StreamName=ref("EventStream"), Records=[
            {"Data": r, "PartitionKey": _key(r, i + j)}
            for j, r in enumerate(records[i:i + 500])])
        assert resp["FailedRecordCount"] == 0
        seqs += [r["SequenceNumber"] for r in resp["Records"]]

    def settled() -> dict[str, Any] | None:
        applied = _applied(ddb, ref("ProfilesTable"))
        quarantined = _quarantined(s3, ref("QuarantineBucket"))
        gave_up = _on_failure(sqs, stack.queue_url(stack.p.attrs[("ScoreFailuresQueue",
                                                                   "Arn")]))
        covered = sum(1 for eid, seq in zip(expected, seqs, strict=True)
                      if eid in applied or seq in quarantined or _in(seq, gave_up))
        return {"applied": applied, "quarantined": quarantined, "gave_up": gave_up} \
            if covered == len(records) else None

    state = eventually(settled, timeout=240)
    injector.on = False
    # every fault was met at least once
    assert set(injector.injected) == set(FAULTS), injector.injected
    # the poison records and the reused id were quarantined (or given up with their range)
    bad = [seq for eid, seq in zip(expected, seqs, strict=True) if eid is None]
    assert all(seq in state["quarantined"] or _in(seq, state["gave_up"]) for seq in bad)
    # no alert raised twice (the alert ids derive from their first event: one item each,
    # one "raised" in its history)
    alerts = _scan(ddb, ref("AlertsTable"))
    assert alerts
    for a in alerts:
        history = ddb.query(TableName=ref("AlertHistoryTable"),
                            KeyConditionExpression="alert_id = :a",
                            ExpressionAttributeValues={":a": a["alert_id"]},
                            ConsistentRead=True)["Items"]
        assert [h["action"]["S"] for h in history].count("raised") == 1
    # every alert told at its tier, and no tier of an alert twice
    told: Counter[tuple[str, str]] = Counter()
    for tier, url in _tier_queues(stack).items():
        for body in drain_queue(sqs, url):
            told[(body["alert_id"], tier)] += 1
    assert max(told.values()) == 1, [k for k, n in told.items() if n > 1]
    for a in alerts:
        assert (a["alert_id"]["S"], a["tier"]["S"]) in told
    # every high and critical alert has its workflow
    started = {e["name"] for e in _executions(sfn, ref("DispositionStateMachine"))}
    wanted = {a["alert_id"]["S"] for a in alerts if a["tier"]["S"] in ("high", "critical")}
    assert wanted and wanted <= started


def _key(record: bytes, n: int) -> str:
    try:
        return str(orjson.loads(record)["customer_id"])
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return f"poison-{n}"


def _applied(ddb: Any, table: str) -> set[str]:
    from riskwarn.store.profiles import decode

    ids: set[str] = set()
    for item in _scan(ddb, table):
        ids.update(eid for eid, _ in decode(item["state"]["B"]).seen.items())
    return ids


def _quarantined(s3: Any, bucket: str) -> set[str]:
    keys = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
            for o in page.get("Contents", [])]
    return {k.rsplit("/", 1)[1].removesuffix(".json") for k in keys}


def _on_failure(sqs: Any, url: str) -> list[tuple[int, int]]:
    """The sequence ranges the event-source mapping gave up on (read, left in place)."""
    ranges: set[tuple[int, int]] = set()
    for _ in range(5):
        msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
        for m in msgs.get("Messages", []):
            info = orjson.loads(m["Body"])["KinesisBatchInfo"]
            ranges.add((int(info["startSequenceNumber"]), int(info["endSequenceNumber"])))
    return sorted(ranges)


def _in(seq: str, ranges: list[tuple[int, int]]) -> bool:
    return any(lo <= int(seq) <= hi for lo, hi in ranges)


def _scan(ddb: Any, table: str) -> list[dict[str, Any]]:
    return [i for page in ddb.get_paginator("scan").paginate(TableName=table)
            for i in page["Items"]]


def _tier_queues(stack: LocalStack) -> dict[str, str]:
    state = orjson.loads(stack.cfg.state_file.read_bytes())
    return dict(state["tier_queues"])


def _executions(sfn: Any, arn: str) -> list[dict[str, Any]]:
    return [e for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=arn)
            for e in page["executions"]]

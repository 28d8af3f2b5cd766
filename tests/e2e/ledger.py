"""Counting what became of every record sent to a local stack: scored (applied to its
profile), quarantined, or handed to the on-failure queue; and that nothing was done twice
(an alert raised, a tier of an alert told) or left undone (a high or critical alert's
workflow). Shared by the fault and crash tests."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import orjson

from riskwarn.offline.synth import GenerateSpec, generate
from tests.builders import drain_queue, eventually

POISON = [b"{not json", b"\xff\xfe\x00", b'{"event_type": "transaction"}', b"[]", b"1e999",
          b'{"event_id": "x", "event_type": "wire", "customer_id": "C1"}']


@dataclass
class Ledger:
    """A stack's clients and resources (from its state file) and what was sent to it."""

    clients: dict[str, Any]  # kinesis, dynamodb, s3, sqs, stepfunctions
    refs: dict[str, Any]
    tier_queues: dict[str, str]
    records: list[bytes]
    expected: list[str | None]  # per record, the event id it is applied as (None: bad)
    seqs: list[str]

    @classmethod
    def of(cls, state: dict[str, Any], clients: dict[str, Any],
           sent: list[tuple[bytes, str | None]]) -> Ledger:
        return cls(clients, state["resources"], dict(state["tier_queues"]),
                   [r for r, _ in sent], [e for _, e in sent], [])

    def send(self, start: int = 0, stop: int | None = None) -> None:
        """Records [start, stop) onto the stream, in order, 500 a call."""
        kin = self.clients["kinesis"]
        chunk = self.records[start:stop]
        for i in range(0, len(chunk), 500):
            resp = kin.put_records(StreamName=self.refs["EventStream"], Records=[
                {"Data": r, "PartitionKey": _key(r, start + i + j)}
                for j, r in enumerate(chunk[i:i + 500])])
            assert resp["FailedRecordCount"] == 0
            self.seqs += [r["SequenceNumber"] for r in resp["Records"]]

    def applied(self) -> set[str]:
        from riskwarn.store.profiles import decode

        ids: set[str] = set()
        for item in _scan(self.clients["dynamodb"], self.refs["ProfilesTable"]):
            ids.update(eid for eid, _ in decode(item["state"]["B"]).seen.items())
        return ids

    def settled(self, timeout: float) -> dict[str, Any]:
        """Wait until every record sent is applied, quarantined or given up on."""

        def check() -> dict[str, Any] | None:
            applied = self.applied()
            quarantined = _quarantined(self.clients["s3"], self.refs["QuarantineBucket"])
            gave_up = _on_failure(self.clients["sqs"], self.refs["ScoreFailuresQueue"])
            covered = sum(1 for eid, seq in zip(self.expected, self.seqs, strict=True)
                          if eid in applied or seq in quarantined or _in(seq, gave_up))
            return {"applied": applied, "quarantined": quarantined, "gave_up": gave_up} \
                if covered == len(self.seqs) == len(self.records) else None

        result: dict[str, Any] = eventually(check, timeout=timeout)
        return result

    def assert_nothing_lost_nothing_twice(self, state: dict[str, Any],
                                          told_again: int = 0) -> list[dict[str, Any]]:
        """After `settled`: the bad records were quarantined (or given up with their range);
        no alert raised twice; every alert told at its tier, no tier of one twice but for at
        most `told_again` (publishes whose instance died before recording them), every copy
        under the same notification id; every high and critical alert has its workflow.
        Returns the alerts."""
        ddb, sqs, sfn = (self.clients[s] for s in ("dynamodb", "sqs", "stepfunctions"))
        bad = [seq for eid, seq in zip(self.expected, self.seqs, strict=True) if eid is None]
        assert all(seq in state["quarantined"] or _in(seq, state["gave_up"]) for seq in bad)
        # the alert ids derive from their first event: one item each, one "raised"
        alerts = _scan(ddb, self.refs["AlertsTable"])
        assert alerts
        for a in alerts:
            history = ddb.query(TableName=self.refs["AlertHistoryTable"],
                                KeyConditionExpression="alert_id = :a",
                                ExpressionAttributeValues={":a": a["alert_id"]},
                                ConsistentRead=True)["Items"]
            assert [h["action"]["S"] for h in history].count("raised") == 1
        told: Counter[tuple[str, str]] = Counter()
        for tier, url in self.tier_queues.items():
            for body in drain_queue(sqs, url):
                key = (body["alert_id"], tier)
                told[key] += 1
                assert body["notification_id"] == f"{body['alert_id']}/{tier}"
        again = [k for k, n in told.items() if n > 1]
        assert len(again) <= told_again and max(told.values()) <= 2, again
        for a in alerts:
            assert (a["alert_id"]["S"], a["tier"]["S"]) in told
        started = {e["name"] for e in _executions(sfn, self.refs["DispositionStateMachine"])}
        wanted = {a["alert_id"]["S"] for a in alerts if a["tier"]["S"] in ("high", "critical")}
        assert wanted and wanted <= started
        return alerts


def events_with_poison(count: int = 3000, seed: int = 5) -> list[tuple[bytes, str | None]]:
    """Records to send, each with the event id it must be applied as (None: it must be
    quarantined): generated events with poison records spread through them, and at the end
    a record reusing an applied event's id for other content."""
    spec = GenerateSpec(customers=250, days=5, warmup_days=1, seed=seed, episode_rate=0.3)
    events = list(generate(spec))[:count]
    out: list[tuple[bytes, str | None]] = []
    for i, e in enumerate(events):
        out.append((orjson.dumps(e), str(e["event_id"])))
        if i % 100 == 50:
            out.append((POISON[(i // 100) % len(POISON)], None))
    reused = {**events[10], "channel": "branch" if events[10]["channel"] != "branch" else "web"}
    out.append((orjson.dumps(reused), None))
    return out


def _key(record: bytes, n: int) -> str:
    try:
        return str(orjson.loads(record)["customer_id"])
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return f"poison-{n}"


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


def _executions(sfn: Any, arn: str) -> list[dict[str, Any]]:
    return [e for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=arn)
            for e in page["executions"]]

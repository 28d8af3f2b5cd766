"""The score function's logic on moto: resources from template.yaml, records put on the
real (emulated) stream and delivered as Lambda delivers them."""

from __future__ import annotations

import base64
import time
from datetime import timedelta
from typing import Any

import orjson
import pytest
from botocore.exceptions import ClientError

from riskwarn.runtime.stream import Record, process_records, score_batch
from riskwarn.store.alerts import from_item
from riskwarn.store.profiles import decode
from tests.builders import at, generate_context, line, scenario
from tests.integration.conftest import Stack


def eventually(check: Any, timeout: float = 15.0) -> bool:
    """Poll with a deadline (the emulated workflow runs on its own thread)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return bool(check())


TIER_QUEUES = {"low": "AlertsLowQueue", "medium": "AlertsMediumQueue",
               "high": "AlertsHighQueue", "critical": "AlertsCriticalQueue"}


def _alerts(stack: Stack) -> list[Any]:
    items = stack.client("dynamodb").scan(TableName=stack.p.ref("AlertsTable"))["Items"]
    return sorted((from_item(i) for i in items), key=lambda a: a.alert_id)


def _profile(stack: Stack, cid: str) -> tuple[int, dict[str, Any]]:
    item = stack.client("dynamodb").get_item(TableName=stack.p.ref("ProfilesTable"),
                                             Key={"customer_id": {"S": cid}})["Item"]
    return int(item["version"]["N"]), decode(item["state"]["B"]).to_state().model_dump()


def test_batch_writes_alerts_history_profiles_and_notifies_by_tier(stack: Stack) -> None:
    # Given a batch with ordinary events and three alert-worthy customers
    event = stack.send(scenario())
    # When the score function handles it
    response = score_batch(event, generate_context(), stack.ports)
    # Then nothing failed, and each customer got what it deserved
    assert response == {"batchItemFailures": []}
    alerts = [a for a in _alerts(stack) if a.tier != "low"]
    by_customer = {a.customer_id: a for a in alerts}
    assert set(by_customer) == {"C-STRUCT", "C-CASH", "C-CARD"}
    # the structuring customer's cash is also reportable as one day's cumulative cash
    struct = [a for a in alerts if a.customer_id == "C-STRUCT"]
    assert {"AML-STRUCTURING", "AML-LARGE-CASH"} <= {c for a in struct for c in a.typologies}
    # the evidence an investigator needs: amounts, directions, methods, times
    # (the day's first two deposits raise it; the third, structuring, is merged into it by
    # the one merge the backtest uses too: its id and its evidence item join the alert)
    evidence = {e.event_id: e for a in struct for e in a.evidence}.values()
    assert len(evidence) == 3 and {45_000.0, 46_500.0} <= {e.amount for e in evidence}
    assert {(e.direction, e.method) for e in evidence} == {("credit", "cash")}
    assert len({i for a in struct for i in a.event_ids}) == 3
    assert "AML-LARGE-CASH" in by_customer["C-CASH"].typologies
    assert "FRAUD-CARD-TESTING" in by_customer["C-CARD"].typologies
    assert all(a.reason_codes and a.event_ids for a in alerts)
    # history: every alert was raised; high/critical ones started their workflow, which
    # (running on the emulated Step Functions) records itself in the same history
    history = stack.ports.alerts
    for a in alerts:
        assert "raised" in [h.action for h in history.history(a.alert_id)]
        if a.tier in ("high", "critical"):
            assert eventually(lambda a=a: "workflow_started" in [
                h.action for h in history.history(a.alert_id)]), a.tier
    # profiles: one version per customer, holding the events
    version, state = _profile(stack, "C-STRUCT")
    assert version == 1 and len(state["txns"]) == 3
    # notifications: each alert in its own tier's queue and in no other
    got = {tier: stack.queue_messages(q) for tier, q in TIER_QUEUES.items()}
    for a in _alerts(stack):
        for tier, msgs in got.items():
            ids = [m["alert_id"] for m in msgs]
            assert ids.count(a.alert_id) == (1 if tier == a.tier else 0), (a.tier, tier)
    (doc,) = [m for m in got[by_customer["C-CASH"].tier] if m["customer_id"] == "C-CASH"]
    assert doc["typologies"] and doc["reason_codes"] and "ip" not in doc


def test_bad_records_are_quarantined_and_the_rest_is_scored(stack: Stack) -> None:
    good = scenario()
    event = stack.send([b"{broken json", *good[:6], line(amount="-3"), *good[6:]])
    # a record that is not even base64 (Kinesis never does this, a replay tool might)
    event["Records"].append({**event["Records"][0], "kinesis": {
        **event["Records"][0]["kinesis"], "data": "%%%not-base64%%%",
        "sequenceNumber": "999999"}, "eventID": "shardId-000000000000:999999"})
    outcome = process_records([Record.from_lambda(r) for r in event["Records"]], stack.ports)
    assert outcome.quarantined == 3 and not outcome.failed
    assert outcome.received == outcome.scored + outcome.quarantined + outcome.failed_count
    assert outcome.scored == len(good)
    s3 = stack.client("s3")
    bucket = stack.p.ref("QuarantineBucket")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    docs = [orjson.loads(s3.get_object(Bucket=bucket, Key=k)["Body"].read()) for k in keys]
    reasons = sorted(d["reason"] for d in docs)
    assert reasons[0].startswith("amount") and "not base64" in reasons
    assert "not valid JSON" in reasons
    assert all(d["shard_id"].startswith("shardId-") and d["sequence_number"] for d in docs)
    assert base64.b64decode(next(d for d in docs if d["reason"] == "not valid JSON")[
        "raw_base64"]) == b"{broken json"


def test_same_batch_twice_gives_the_same_alerts_and_profiles(stack: Stack) -> None:
    event = stack.send(scenario())
    score_batch(event, generate_context(), stack.ports)
    first_alerts = [a.model_dump(exclude={"history"}) for a in _alerts(stack)]
    first_profile = _profile(stack, "C-STRUCT")
    first_queue = stack.queue_messages("AlertsHighQueue") + stack.queue_messages(
        "AlertsCriticalQueue")
    # When Lambda delivers the very same batch again
    outcome = process_records([Record.from_lambda(r) for r in event["Records"]], stack.ports)
    # Then every record is recognised, nothing is counted twice, nobody is told twice
    assert outcome.duplicates == outcome.received and outcome.alerts_raised == 0
    assert [a.model_dump(exclude={"history"}) for a in _alerts(stack)] == first_alerts
    assert _profile(stack, "C-STRUCT") == first_profile
    assert first_queue and not stack.queue_messages("AlertsHighQueue")
    assert not stack.queue_messages("AlertsCriticalQueue")


def test_an_id_sent_again_with_other_content_is_quarantined(stack: Stack) -> None:
    first = line(customer_id="C-ID", occurred_at=at(1), amount="250.00", event_id="E-ID-1")
    score_batch(stack.send([first]), generate_context(), stack.ports)
    # the same record sent again, another event under its id and a good one (the shard is
    # read from its start, so the first record comes a third time, as a retry would bring it)
    other = line(customer_id="C-ID", occurred_at=at(2), amount="9000.00", event_id="E-ID-1")
    fine = line(customer_id="C-ID", occurred_at=at(3), amount="80.00", event_id="E-ID-2")
    outcome = process_records([Record.from_lambda(r) for r in stack.send(
        [first, other, fine])["Records"]], stack.ports)
    assert (outcome.duplicates, outcome.quarantined, outcome.failed_count) == (2, 1, 0)
    assert outcome.received == outcome.scored + outcome.quarantined + outcome.failed_count
    s3 = stack.client("s3")
    bucket = stack.p.ref("QuarantineBucket")
    (key,) = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    doc = orjson.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    assert doc["reason"].startswith("event_id: an event with this id and other content")
    assert base64.b64decode(doc["raw_base64"]) == other
    # the profile holds the first event as it was, and the good one
    _, state = _profile(stack, "C-ID")
    assert sorted((t[4], t[1]) for t in state["txns"]) == [("E-ID-1", 250.0), ("E-ID-2", 80.0)]


def _throttle_once(monkeypatch: pytest.MonkeyPatch, client: Any, method: str) -> list[int]:
    calls = [0]
    real = getattr(client, method)

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] == 1:
            raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException",
                                         "Message": "slow down"}}, method)
        return real(*args, **kwargs)

    monkeypatch.setattr(client, method, flaky)
    return calls


@pytest.mark.parametrize("operation", ["read", "write"])
def test_throttling_becomes_batch_item_failures_that_succeed_on_retry(
        stack: Stack, monkeypatch: pytest.MonkeyPatch, operation: str) -> None:
    event = stack.send(scenario())
    method = "batch_get_item" if operation == "read" else {
        "transact": "transact_write_items", "put": "put_item"}[stack.settings.profile_writes]
    calls = _throttle_once(monkeypatch, stack.ports.profiles.client, method)
    # When DynamoDB throttles the first call
    response = score_batch(event, generate_context(), stack.ports)
    failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
    # Then the affected records come back as failures, nothing half-done is visible
    assert failed and calls[0] >= 1
    outcome_ids = {r["kinesis"]["sequenceNumber"] for r in event["Records"]}
    assert failed <= outcome_ids
    # And Lambda's retry (the same batch again) succeeds and scores them once
    retry = score_batch(event, generate_context(), stack.ports)
    assert retry == {"batchItemFailures": []}
    tiers = [a.tier for a in _alerts(stack) if a.tier != "low"]
    assert len(tiers) == 3
    version, state = _profile(stack, "C-STRUCT")
    assert version == 1 and len(state["txns"]) == 3  # written once, each event once


def test_counts_always_add_up(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    event = stack.send([b"nope", *scenario()])
    _throttle_once(monkeypatch, stack.ports.profiles.client, {
        "transact": "transact_write_items", "put": "put_item"}[stack.settings.profile_writes])
    outcome = process_records([Record.from_lambda(r) for r in event["Records"]], stack.ports)
    assert outcome.received == len(event["Records"])
    assert outcome.received == outcome.scored + outcome.quarantined + outcome.failed_count
    assert outcome.failed_count > 0 and outcome.quarantined == 1


def test_replay_redrives_a_batch_from_the_on_failure_queue(stack: Stack) -> None:
    from riskwarn.runtime.replay import replay

    # Given a batch Lambda gave up on: its records are on the stream, and the on-failure
    # destination holds the shard and sequence range, as the event-source mapping writes it
    event = stack.send(scenario())
    by_shard: dict[str, list[str]] = {}
    for r in event["Records"]:
        by_shard.setdefault(r["eventID"].split(":")[0], []).append(
            r["kinesis"]["sequenceNumber"])
    sqs = stack.client("sqs")
    queue = stack.p.ref("ScoreFailuresQueue")
    for shard, seqs in by_shard.items():
        sqs.send_message(QueueUrl=queue, MessageBody=orjson.dumps({
            "requestContext": {"condition": "RetryAttemptsExhausted"},
            "KinesisBatchInfo": {
                "shardId": shard, "startSequenceNumber": seqs[0],
                "endSequenceNumber": seqs[-1], "batchSize": len(seqs),
                "streamArn": stack.p.attrs[("EventStream", "Arn")]}}).decode())
    # When replay runs
    report = replay(sqs, stack.client("kinesis"), queue,
                    lambda ev: score_batch(ev, generate_context(), stack.ports))
    # Then every record went through, the alerts exist, and the queue is empty
    assert report.records == len(event["Records"]) and not report.still_failing
    assert report.replayed_messages == len(by_shard)
    assert {a.customer_id for a in _alerts(stack) if a.tier != "low"} == {
        "C-STRUCT", "C-CASH", "C-CARD"}
    assert not sqs.receive_message(QueueUrl=queue).get("Messages")
    # And replaying the same range again changes nothing
    again = replay(sqs, stack.client("kinesis"), queue,
                   lambda ev: score_batch(ev, generate_context(), stack.ports))
    assert again.messages == 0


def test_events_from_the_future_or_before_2000_are_quarantined_with_their_reason(
        stack: Stack) -> None:
    now = stack.ports.clock()
    ahead = (now + timedelta(hours=3)).isoformat().replace("+00:00", "Z")
    good = scenario()
    event = stack.send([line(customer_id="C-FUTURE", occurred_at=ahead),
                        line(customer_id="C-EPOCH", occurred_at="1970-01-01T00:00:00Z"),
                        *good])
    outcome = process_records([Record.from_lambda(r) for r in event["Records"]], stack.ports)
    assert outcome.quarantined == 2 and outcome.scored == len(good) and not outcome.failed
    s3 = stack.client("s3")
    bucket = stack.p.ref("QuarantineBucket")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    reasons = sorted(orjson.loads(s3.get_object(Bucket=bucket, Key=k)["Body"].read())["reason"]
                     for k in keys)
    assert reasons[0].startswith("occurred_at: 1970, before 2000")
    assert reasons[1].startswith("occurred_at: 3.0 h after it was received")


def test_a_quarantine_the_bucket_cannot_take_now_is_retried_not_lost(
        stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    event = stack.send([b"{broken", *scenario()[:6]])
    _throttle_once(monkeypatch, stack.ports.quarantine.client, "put_object")
    outcome = process_records([Record.from_lambda(r) for r in event["Records"]], stack.ports)
    (broken,) = [r["kinesis"]["sequenceNumber"] for r in event["Records"]
                 if base64.b64decode(r["kinesis"]["data"]) == b"{broken"]
    assert outcome.failed == {broken} and outcome.quarantined == 0
    assert outcome.received == outcome.scored + outcome.quarantined + outcome.failed_count
    again = process_records([Record.from_lambda(r) for r in event["Records"]], stack.ports)
    assert again.quarantined == 1 and not again.failed


def test_evidence_that_raises_an_open_alerts_tier_tells_the_new_audience(
        stack: Stack) -> None:
    from dataclasses import replace

    from riskwarn.core.config import ScoringConfig
    from riskwarn.core.scoring import Scorer
    from tests.fakes import FakeModel

    # Given a model that is certain about the second deposit (the first, nothing)
    ports = replace(stack.ports, scorer=Scorer(ScoringConfig(), FakeModel({60_001.0: 1.0})))
    first = stack.send([line(customer_id="C-UP", occurred_at=at(0), amount="60000.00",
                              method="cash", direction="credit", counterparty_id=None)])
    process_records([Record.from_lambda(r) for r in first["Records"]], ports)
    (alert,) = _alerts(stack)
    assert alert.tier == "medium"
    assert [m["alert_id"] for m in stack.queue_messages("AlertsMediumQueue")] == [
        alert.alert_id]
    # When more evidence for the same typology arrives and the score rises to high (the
    # model's ceiling: critical, and its automatic restriction, need a rule that carries it)
    second = stack.send([line(customer_id="C-UP", occurred_at=at(5), amount="60001.00",
                               method="cash", direction="credit", counterparty_id=None)])
    records = [r for r in second["Records"] if r["kinesis"]["sequenceNumber"] not in {
        x["kinesis"]["sequenceNumber"] for x in first["Records"]}]
    outcome = process_records([Record.from_lambda(r) for r in records], ports)
    # Then the open alert carries the new tier, high's audience is told, the
    # disposition starts, and the history says why
    assert outcome.alerts_merged == 1 and outcome.alerts_raised == 0
    (merged,) = _alerts(stack)
    assert merged.alert_id == alert.alert_id and merged.tier == "high"
    assert [m["alert_id"] for m in stack.queue_messages("AlertsHighQueue")] == [
        alert.alert_id]
    assert outcome.workflows_started == 1
    assert "tier_raised" in [h.action for h in ports.alerts.history(alert.alert_id)]


def test_a_notification_that_fails_is_sent_when_the_records_come_back(
        stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    event = stack.send(scenario())
    _throttle_once(monkeypatch, stack.ports.notifier.client, "publish_batch")
    first = score_batch(event, generate_context(), stack.ports)
    assert first["batchItemFailures"]  # the customers whose alerts could not be told
    retry = score_batch(event, generate_context(), stack.ports)
    assert retry == {"batchItemFailures": []}
    told = [m["alert_id"] for q in TIER_QUEUES.values() for m in stack.queue_messages(q)]
    alerts = [a.alert_id for a in _alerts(stack)]
    assert sorted(told) == sorted(alerts)  # every alert told exactly once here
    version, _ = _profile(stack, "C-STRUCT")
    assert version == 1


def test_a_workflow_start_that_fails_is_made_on_retry_and_nobody_is_told_twice(
        stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    event = stack.send(scenario())
    calls = _throttle_once(monkeypatch, stack.ports.workflow.client, "start_execution")
    first = score_batch(event, generate_context(), stack.ports)
    assert calls[0] >= 1 and first["batchItemFailures"]  # the customer whose start failed
    retry = score_batch(event, generate_context(), stack.ports)
    assert retry == {"batchItemFailures": []}
    told = [m["alert_id"] for q in TIER_QUEUES.values() for m in stack.queue_messages(q)]
    alerts = _alerts(stack)
    assert sorted(told) == sorted(a.alert_id for a in alerts)  # each told exactly once
    sfn = stack.client("stepfunctions")
    started = {e["name"] for e in sfn.list_executions(
        stateMachineArn=stack.p.ref("DispositionStateMachine"))["executions"]}
    assert {a.alert_id for a in alerts if a.tier in ("high", "critical")} <= started


def test_a_raised_tier_whose_telling_failed_is_told_when_the_records_come_back(
        stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from riskwarn.core.config import ScoringConfig
    from riskwarn.core.scoring import Scorer
    from tests.fakes import FakeModel

    ports = replace(stack.ports, scorer=Scorer(ScoringConfig(), FakeModel({60_001.0: 1.0})))
    first = stack.send([line(customer_id="C-UP", occurred_at=at(0), amount="60000.00",
                              method="cash", direction="credit", counterparty_id=None)])
    process_records([Record.from_lambda(r) for r in first["Records"]], ports)
    second = stack.send([line(customer_id="C-UP", occurred_at=at(5), amount="60001.00",
                               method="cash", direction="credit", counterparty_id=None)])
    records = [Record.from_lambda(r) for r in second["Records"] if r["kinesis"][
        "sequenceNumber"] not in {x["kinesis"]["sequenceNumber"] for x in first["Records"]}]
    # When telling high's audience fails, the evidence is merged but the record comes back
    _throttle_once(monkeypatch, stack.ports.notifier.client, "publish_batch")
    assert process_records(records, ports).failed
    (alert,) = _alerts(stack)
    assert alert.tier == "high" and not stack.queue_messages("AlertsHighQueue")
    # Then the record's return tells them (once) and starts the disposition
    again = process_records(records, ports)
    assert not again.failed and again.workflows_started == 1
    assert [m["alert_id"] for m in stack.queue_messages("AlertsHighQueue")] == [
        alert.alert_id]
    assert process_records(records, ports).notified == 0  # and never again


def test_an_instance_that_dies_after_a_publish_tells_at_most_that_publishs_ten_again(
        stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    from collections import Counter

    from riskwarn.cases.notify import BATCH

    class Killed(BaseException):  # the instance dies: nothing after it runs
        pass

    # Given a batch raising 25 alerts (one large cash deposit each)
    event = stack.send([line(customer_id=f"C-KILL-{i:02d}", occurred_at=at(i), amount="60000.00",
                             method="cash", direction="credit", counterparty_id=None)
                        for i in range(25)])
    records = [Record.from_lambda(r) for r in event["Records"]]
    real = stack.ports.alerts.mark_told
    marks = [0]

    def dies_on_the_13th(alert_id: str, tier: str) -> None:
        marks[0] += 1
        if marks[0] == 13:  # the second publish's third record
            raise Killed
        real(alert_id, tier)

    monkeypatch.setattr(stack.ports.alerts, "mark_told", dies_on_the_13th)
    with pytest.raises(Killed):
        process_records(records, stack.ports)
    monkeypatch.setattr(stack.ports.alerts, "mark_told", real)
    # When the records come back
    assert not process_records(records, stack.ports).failed
    # Then every alert is told; only the second publish's unrecorded ones twice, each copy
    # with the same notification id
    docs = [m for q in TIER_QUEUES.values() for m in stack.queue_messages(q)]
    told = Counter(d["alert_id"] for d in docs)
    assert set(told) == {a.alert_id for a in _alerts(stack)} and len(told) == 25
    twice = {a for a, n in told.items() if n > 1}
    assert len(twice) == BATCH - 2 and max(told.values()) == 2
    assert all(d["notification_id"] == f"{d['alert_id']}/{d['tier']}" for d in docs)
    assert process_records(records, stack.ports).notified == 0  # and never again

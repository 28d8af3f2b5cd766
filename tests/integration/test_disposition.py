"""The disposition state machine, executed by moto's Step Functions with short clocks, on
every path: confirmed, false positive, needs info, SLA timeout → escalation, follow-up
reopen and close, service failure → workflow_failed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest

from riskwarn.cases.lifecycle import Conflict
from riskwarn.cases.workflow import Timing
from tests.builders import eventually
from tests.integration.conftest import Stack
from tests.integration.desk import Desk


@pytest.fixture
def desk(stack: Stack) -> Desk:
    return Desk(stack)


pytestmark = pytest.mark.parametrize("stack", ["transact"], indirect=True)


def test_confirmed_critical_aml_alert_is_frozen_reported_followed_up_and_closed(
        desk: Desk) -> None:
    # core banking listens to the control events (here: a queue on the controls topic)
    sqs, sns = desk.s.client("sqs"), desk.s.client("sns")
    inbox = sqs.create_queue(QueueName="core-banking-controls")["QueueUrl"]
    inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=desk.s.p.ref("ControlsTopic"), Protocol="sqs", Endpoint=inbox_arn,
                  Attributes={"RawMessageDelivery": "true"})
    alert = desk.raise_alert("AL-crit-aml", "critical")
    desk.start(alert)
    # the critical alert restricts outgoing payments at once, then waits for a reviewer
    eventually(lambda: desk.waiting(alert.alert_id))
    restriction = desk.control(alert, "restrict_outgoing")
    assert restriction and restriction["status"]["S"] == "active"
    assert restriction["expires_at"]["S"] and "score 900" in restriction["reason"]["S"]
    desk.port.decide(alert.alert_id, "confirmed", "structuring confirmed", "ana")
    eventually(lambda: desk.status(alert.alert_id) == "closed")
    freeze = desk.control(alert, "freeze")
    assert freeze and freeze["status"]["S"] == "active"
    assert desk.control(alert, "restrict_outgoing")["status"]["S"] == "superseded"  # type: ignore[index]
    assert desk.alert(alert.alert_id)["label"]["S"] == "positive"
    report = desk.ddb.get_item(TableName=desk.s.p.ref("ReportsTable"),
                               Key={"report_id": {"S": f"STR-{alert.alert_id}"}})["Item"]
    # the alert's evidence ids, in the order they came (a list since one merge keeps the
    # latest 200)
    assert report["status"]["S"] == "draft" and [e["S"] for e in report["event_ids"]["L"]] == [
        "e-1", "e-2", "e-3"]
    assert report["confirmed_by"]["S"] == "ana"
    assert sorted(float(e["M"]["amount"]["N"]) for e in report["evidence"]["L"]) == [
        45_001.0, 45_002.0, 45_003.0]
    events = [orjson.loads(m["Body"]) for m in sqs.receive_message(
        QueueUrl=inbox, MaxNumberOfMessages=10)["Messages"]]
    assert [(e["action"], e["account_id"]) for e in events] == [
        ("restrict_outgoing", "A-C-1"), ("freeze", "A-C-1")]
    eventually(lambda: desk.history(alert.alert_id) == [
        "workflow_started", "restricted", "frozen", "confirmed", "str_drafted", "closed"])
    eventually(lambda: desk.execution(alert.alert_id) == "SUCCEEDED")


def test_false_positive_lifts_the_restriction_and_labels_the_alert(desk: Desk) -> None:
    alert = desk.raise_alert("AL-crit-fp", "critical", category="fraud")
    desk.start(alert)
    eventually(lambda: desk.waiting(alert.alert_id))
    desk.port.decide(alert.alert_id, "false_positive", "known customer, travel", "ben")
    eventually(lambda: desk.status(alert.alert_id) == "closed")
    assert desk.control(alert, "restrict_outgoing")["status"]["S"] == "lifted"  # type: ignore[index]
    assert desk.alert(alert.alert_id)["label"]["S"] == "negative"
    eventually(lambda: desk.history(alert.alert_id)[-2:] == ["false_positive", "closed"])


def test_needs_info_waits_again_then_a_decision_closes(desk: Desk) -> None:
    alert = desk.raise_alert("AL-high-info", "high", category="fraud")
    desk.start(alert)
    eventually(lambda: desk.waiting(alert.alert_id))
    assert desk.control(alert, "restrict_outgoing") is None  # high: no automatic action
    desk.port.decide(alert.alert_id, "needs_info", "asked the branch", "ana")
    eventually(lambda: desk.waiting(alert.alert_id))
    desk.port.decide(alert.alert_id, "confirmed", "branch confirmed fraud", "ana")
    eventually(lambda: desk.status(alert.alert_id) == "closed")
    eventually(lambda: desk.history(alert.alert_id) == [
        "workflow_started", "needs_info", "frozen", "confirmed", "network_marked",
        "closed"])


def test_no_decision_within_the_sla_escalates_to_supervisors(desk: Desk) -> None:
    alert = desk.raise_alert("AL-high-sla", "high")
    desk.start(alert, Timing(review_sla_high=1, review_sla_critical=1, supervisor_sla=30,
                             follow_up=1, restriction_hours=1))
    eventually(lambda: desk.waiting(alert.alert_id, stage="supervisor"))
    assert desk.status(alert.alert_id) == "escalated"
    told = desk.s.queue_messages("SupervisorQueue")
    assert told and "escalated" in str(told)
    desk.port.decide(alert.alert_id, "false_positive", "reviewed late", "sue")
    eventually(lambda: desk.status(alert.alert_id) == "closed")
    assert desk.history(alert.alert_id)[:2] == ["workflow_started", "escalated"]


def test_follow_up_reopens_when_the_customer_alerts_again(desk: Desk) -> None:
    alert = desk.raise_alert("AL-follow", "high", category="fraud", customer="C-9")
    desk.start(alert, Timing(review_sla_high=30, review_sla_critical=30, supervisor_sla=30,
                             follow_up=4, restriction_hours=1))
    eventually(lambda: desk.waiting(alert.alert_id))
    desk.port.decide(alert.alert_id, "confirmed", "card fraud", "ana")
    # a new high alert for the same customer after the decision, within the follow-up
    desk.raise_alert("AL-again", "high", category="fraud", customer="C-9",
                     created=datetime.now(UTC) + timedelta(seconds=1))
    eventually(lambda: desk.waiting(alert.alert_id, stage="supervisor"))
    assert desk.status(alert.alert_id) == "escalated"
    eventually(lambda: "reopened" in desk.history(alert.alert_id))


def test_a_restriction_expires_while_supervisors_are_still_deciding(desk: Desk) -> None:
    alert = desk.raise_alert("AL-expiry", "critical", category="fraud")
    desk.start(alert, Timing(review_sla_high=1, review_sla_critical=1, supervisor_sla=1,
                             follow_up=1, restriction_hours=1 / 3600))
    eventually(lambda: desk.control(alert, "restrict_outgoing") is not None and desk.control(
        alert, "restrict_outgoing")["status"]["S"] == "expired")  # type: ignore[index]
    eventually(lambda: "restriction_expired" in desk.history(alert.alert_id))
    assert desk.status(alert.alert_id) == "escalated"  # still open: supervisors decide


def test_two_people_deciding_at_once_one_wins(desk: Desk) -> None:
    alert = desk.raise_alert("AL-race", "high", category="fraud")
    desk.start(alert)
    eventually(lambda: desk.waiting(alert.alert_id))
    desk.port.decide(alert.alert_id, "false_positive", "first", "ana")
    with pytest.raises(Conflict):
        desk.port.decide(alert.alert_id, "confirmed", "second", "ben")
    eventually(lambda: desk.status(alert.alert_id) == "closed")


def test_service_failure_marks_the_alert_and_says_so(desk: Desk) -> None:
    alert = desk.raise_alert("AL-broken", "critical", category="fraud")
    desk.ddb.update_table(TableName=desk.s.p.ref("AccountControlsTable"),
                          DeletionProtectionEnabled=False)
    desk.ddb.delete_table(TableName=desk.s.p.ref("AccountControlsTable"))
    desk.start(alert)
    eventually(lambda: desk.status(alert.alert_id) == "workflow_failed", timeout=30)
    eventually(lambda: desk.execution(alert.alert_id) == "FAILED")
    eventually(lambda: desk.history(alert.alert_id) == ["workflow_started",
                                                        "workflow_failed"])
    failures = [m for m in desk.s.queue_messages("SupervisorQueue")]
    assert not failures  # operations are told (e-mail), supervisors are not

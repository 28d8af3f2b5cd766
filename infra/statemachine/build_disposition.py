"""Builds infra/statemachine/disposition.asl.json, the disposition workflow.

The ASL is written from this file so its states stay readable and uniform (every task
retries service errors, every failure lands in MarkFailed). The workflow writes no table
itself: each of its own steps is a Lambda task (the disposition-steps function) that goes
through the alert lifecycle's rules and stores; the state machine waits, decides the path,
and publishes to SNS. Edit here, run `python infra/statemachine/build_disposition.py`,
commit both; a test checks they agree.
"""
import json
import sys
from pathlib import Path
from typing import Any

State = dict[str, Any]  # an ASL state (or any JSON object of one)

OUT = Path(__file__).with_name("disposition.asl.json")

RETRY = [{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 1, "MaxAttempts": 3,
          "BackoffRate": 2.0}]
CATCH_ALL = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "MarkFailed"}]


def onward(nxt: str) -> list[State]:
    """The failure path's own catch: go on to the next clean-up step whatever happens."""
    return [{"ErrorEquals": ["States.ALL"], "ResultPath": None, "Next": nxt}]


def step(name: str, step_name: str, nxt: str, catch: list[State] | None = None,
         result: bool = False) -> State:
    """One of the workflow's own steps (status, history, controls, STR drafts), run by the
    disposition-steps function through the alert lifecycle's rules and stores
    (riskwarn.cases.workflow_steps). Its result lands in `$.step` when `result`."""
    return {name: {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "${DispositionStepsFunction}", "Payload": {
            "step": step_name, "state.$": "$", "at.$": "$$.State.EnteredTime",
            "execution.$": "$$.Execution.Name"}},
        "ResultSelector": {"result.$": "$.Payload"},
        "ResultPath": "$.step" if result else None,
        "Retry": RETRY, "Catch": catch or CATCH_ALL, "Next": nxt}}


def publish_control(name: str, action: str, nxt: str,
                    catch: list[State] | None = None) -> State:
    return {name: {
        "Type": "Task", "Resource": "arn:aws:states:::sns:publish",
        "Parameters": {"TopicArn": "${ControlsTopic}",
                       "Message": {"action": action, "account_id.$": "$.account_id",
                                   "alert_id.$": "$.alert_id", "customer_id.$": "$.customer_id",
                                   "expires_at.$": "$.restriction_expires_at"},
                       "MessageAttributes": {"action": {"DataType": "String", "StringValue": action}}},
        "ResultPath": None, "Retry": RETRY, "Catch": catch or CATCH_ALL, "Next": nxt}}


def notify(name: str, audience: str, subject_expr: str, nxt: str,
           event: str = "escalated") -> State:
    return {name: {
        "Type": "Task", "Resource": "arn:aws:states:::sns:publish",
        "Parameters": {"TopicArn": "${AlertsTopic}",
                       "Subject.$": subject_expr,
                       "Message": {"event": event, "audience": audience,
                                   "alert_id.$": "$.alert_id", "customer_id.$": "$.customer_id",
                                   "tier.$": "$.tier", "risk_category.$": "$.risk_category",
                                   "summary.$": subject_expr},
                       "MessageAttributes": {"audience": {"DataType": "String",
                                                          "StringValue": audience}}},
        "ResultPath": None, "Retry": RETRY, "Catch": CATCH_ALL, "Next": nxt}}


def await_decision(name: str, stage: str, timeout_path: str, on_timeout: str) -> State:
    return {name: {
        "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": "${ReviewQueue}", "MessageBody": {
            "alert_id.$": "$.alert_id", "customer_id.$": "$.customer_id",
            "tier.$": "$.tier", "stage": stage, "task_token.$": "$$.Task.Token",
            "due_in_seconds.$": timeout_path}},
        "TimeoutSecondsPath": timeout_path,
        "ResultPath": "$.decision",
        "Catch": [{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.timeout",
                   "Next": on_timeout}, *CATCH_ALL],
        "Next": "Decide"}}


def published_if(name: str, flag: str, publish: str, nxt: str) -> State:
    """Tell core banking only what a step did (a lift of a control that was active)."""
    return {name: {"Type": "Choice", "Choices": [
        {"Variable": f"$.step.result.{flag}", "BooleanEquals": True, "Next": publish}],
        "Default": nxt}}


states: State = {}
states.update(step("RecordStart", "start", "IsCritical"))
states["IsCritical"] = {"Type": "Choice", "Choices": [
    {"Variable": "$.tier", "StringEquals": "critical", "Next": "Restrict"}],
    "Default": "AwaitReview"}
states.update(step("Restrict", "restrict", "PublishRestriction"))
states.update(publish_control("PublishRestriction", "restrict_outgoing", "AwaitReview"))
states.update(await_decision("AwaitReview", "review", "$.review_sla_seconds", "Escalate"))
# an SLA breach is counted on the alert (the staff API's reports read it); a restriction
# ends at its expiry even while supervisors are still deciding
states.update(step("Escalate", "escalate", "RestrictionExpired", result=True))
states.update(published_if("RestrictionExpired", "expired", "PublishExpiry", "NotifySupervisor"))
states.update(publish_control("PublishExpiry", "lift_restriction", "NotifySupervisor"))
states.update(notify("NotifySupervisor", "supervisor", "States.Format('riskwarn alert {} escalated to supervisors', $.alert_id)", "AwaitSupervisor"))
states.update(await_decision("AwaitSupervisor", "supervisor", "$.supervisor_sla_seconds", "SupervisorOverdue"))
states.update(step("SupervisorOverdue", "supervisor_overdue", "RestrictionExpired", result=True))
states["Decide"] = {"Type": "Choice", "Choices": [
    {"Variable": "$.decision.outcome", "StringEquals": "confirmed", "Next": "Confirm"},
    {"Variable": "$.decision.outcome", "StringEquals": "false_positive", "Next": "ClearFalsePositive"},
    {"Variable": "$.decision.outcome", "StringEquals": "needs_info", "Next": "RecordNeedsInfo"}],
    "Default": "MarkFailed"}
states.update(step("RecordNeedsInfo", "needs_info", "AwaitReview"))
# confirmed: the status and label, the freeze (superseding the restriction), an STR draft
# for an AML case, all in one step; then core banking is told of the freeze
states.update(step("Confirm", "confirm", "PublishFreeze"))
states.update(publish_control("PublishFreeze", "freeze", "FollowUpWait"))
states["FollowUpWait"] = {"Type": "Wait", "SecondsPath": "$.follow_up_seconds", "Next": "FollowUp"}
# new high or critical alerts since the decision reopen the case; none close it
states.update(step("FollowUp", "follow_up", "AnyNewAlerts", result=True))
states["AnyNewAlerts"] = {"Type": "Choice", "Choices": [
    {"Variable": "$.step.result.reopened", "NumericGreaterThan": 0, "Next": "NotifySupervisor"}],
    "Default": "Done"}
states.update(step("ClearFalsePositive", "clear", "LiftedOnClear", result=True))
states.update(published_if("LiftedOnClear", "lifted", "PublishLift", "Close"))
states.update(publish_control("PublishLift", "lift_restriction", "Close"))
states.update(step("Close", "close", "Done"))
states["Done"] = {"Type": "Succeed"}
# never silent: a failure marks the alert, lifts a restriction with no decision behind it,
# and tells operations (and core banking, of the lift)
states.update(step("MarkFailed", "fail", "LiftedOnFailure", catch=onward("NotifyFailure"),
                   result=True))
states.update(published_if("LiftedOnFailure", "lifted", "PublishLiftOnFailure", "NotifyFailure"))
states.update(publish_control("PublishLiftOnFailure", "lift_restriction", "NotifyFailure",
                              catch=onward("NotifyFailure")))
states["NotifyFailure"] = {
    "Type": "Task", "Resource": "arn:aws:states:::sns:publish",
    "Parameters": {"TopicArn": "${AlertsTopic}",
                   "Subject": "riskwarn disposition failed",
                   "Message.$": "States.Format('disposition of alert {} failed: {}', $.alert_id, $.error.Error)",
                   "MessageAttributes": {"audience": {"DataType": "String", "StringValue": "operations"}}},
    "ResultPath": None, "Retry": RETRY,
    "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": None, "Next": "Failed"}],
    "Next": "Failed"}
states["Failed"] = {"Type": "Fail", "Error": "DispositionFailed",
                    "Cause": "see the alert's status and history"}

doc = {"Comment": "riskwarn disposition: restrict (critical), await a human decision with an SLA, escalate, act (freeze, STR draft, lift), follow up, close. Every step writes the alert's history; any failure marks the alert workflow_failed and notifies.",
       "StartAt": "RecordStart", "States": states}
TEXT = json.dumps(doc, indent=2) + "\n"

if __name__ == "__main__":
    if "--check" in sys.argv:
        sys.exit(0 if OUT.read_text() == TEXT else 1)
    OUT.write_text(TEXT)
    print(f"{OUT.name}: {len(states)} states")

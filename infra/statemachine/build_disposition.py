"""Builds infra/statemachine/disposition.asl.json, the disposition workflow.

The ASL is written from this file so its states stay readable and uniform (every task
retries service errors, every failure lands in MarkFailed). Edit here, run
`python infra/statemachine/build_disposition.py`, commit both; a test checks they agree.
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


def history(name: str, action: str, detail_expr: str, nxt: str, actor: str = "disposition",
            catch: list[State] | None = None) -> State:
    """`actor`: a name, or a JSONPath ("$.decision.actor": the person who decided)."""
    return {name: {
        "Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
        "Parameters": {"TableName": "${HistoryTable}", "Item": {
            "alert_id": {"S.$": "$.alert_id"},
            "entry": {"S.$": f"States.Format('{{}}#{action}#{{}}', $$.State.EnteredTime, $$.Execution.Name)"},
            "at": {"S.$": "$$.State.EnteredTime"},
            "actor": {"S.$": actor} if actor.startswith("$") else {"S": actor},
            "action": {"S": action},
            "detail": {"S.$": detail_expr}}},
        "ResultPath": None, "Retry": RETRY, "Catch": catch or CATCH_ALL, "Next": nxt}}


def set_status(name: str, status: str, nxt: str, extra_set: str = "",
               extra_values: State | None = None, catch: list[State] | None = None) -> State:
    values = {":s": {"S": status}}
    values.update(extra_values or {})
    return {name: {
        "Type": "Task", "Resource": "arn:aws:states:::dynamodb:updateItem",
        "Parameters": {"TableName": "${AlertsTable}",
                       "Key": {"alert_id": {"S.$": "$.alert_id"}},
                       "UpdateExpression": "SET #st = :s" + extra_set,
                       "ConditionExpression": "attribute_exists(alert_id)",
                       "ExpressionAttributeNames": {"#st": "status"},
                       "ExpressionAttributeValues": values},
        "ResultPath": None, "Retry": RETRY, "Catch": catch or CATCH_ALL, "Next": nxt}}


def control(name: str, kind: str, status: str, nxt: str) -> State:
    return {name: {
        "Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
        "Parameters": {"TableName": "${ControlsTable}", "Item": {
            "account_id": {"S.$": "$.account_id"},
            "control_id": {"S.$": f"States.Format('{kind}#{{}}', $.alert_id)"},
            "kind": {"S": kind},
            "status": {"S": status},
            "alert_id": {"S.$": "$.alert_id"},
            "customer_id": {"S.$": "$.customer_id"},
            "reason": {"S.$": f"States.Format('{kind} for alert {{}} ({{}}, score {{}})', $.alert_id, $.risk_category, $.score)"},
            "created_at": {"S.$": "$$.State.EnteredTime"},
            "expires_at": {"S.$": "$.restriction_expires_at"}}},
        "ResultPath": None, "Retry": RETRY, "Catch": CATCH_ALL, "Next": nxt}}


def publish_control(name: str, action: str, nxt: str) -> State:
    return {name: {
        "Type": "Task", "Resource": "arn:aws:states:::sns:publish",
        "Parameters": {"TopicArn": "${ControlsTopic}",
                       "Message": {"action": action, "account_id.$": "$.account_id",
                                   "alert_id.$": "$.alert_id", "customer_id.$": "$.customer_id",
                                   "expires_at.$": "$.restriction_expires_at"},
                       "MessageAttributes": {"action": {"DataType": "String", "StringValue": action}}},
        "ResultPath": None, "Retry": RETRY, "Catch": CATCH_ALL, "Next": nxt}}


def lift(name: str, kind: str, new_status: str, nxt: str,
         catch: list[State] | None = None) -> State:
    return {name: {
        "Type": "Task", "Resource": "arn:aws:states:::dynamodb:updateItem",
        "Parameters": {"TableName": "${ControlsTable}",
                       "Key": {"account_id": {"S.$": "$.account_id"},
                               "control_id": {"S.$": f"States.Format('{kind}#{{}}', $.alert_id)"}},
                       "UpdateExpression": "SET #st = :s, lifted_at = :t",
                       "ConditionExpression": "attribute_exists(control_id) AND #st = :active",
                       "ExpressionAttributeNames": {"#st": "status"},
                       "ExpressionAttributeValues": {":s": {"S": new_status},
                                                     ":active": {"S": "active"},
                                                     ":t": {"S.$": "$$.State.EnteredTime"}}},
        "ResultPath": None, "Retry": RETRY,
        "Catch": [{"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"],
                   "ResultPath": None, "Next": nxt}, *(catch or CATCH_ALL)],
        "Next": nxt}}


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


states: State = {}
states.update(history("RecordStart", "workflow_started", "States.Format('tier {}', $.tier)", "IsCritical"))
states["IsCritical"] = {"Type": "Choice", "Choices": [
    {"Variable": "$.tier", "StringEquals": "critical", "Next": "Restrict"}],
    "Default": "AwaitReview"}
states.update(control("Restrict", "restrict_outgoing", "active", "PublishRestriction"))
states.update(publish_control("PublishRestriction", "restrict_outgoing", "RecordRestricted"))
states.update(history("RecordRestricted", "restricted", "States.Format('outgoing payments restricted on {} until {}', $.account_id, $.restriction_expires_at)", "AwaitReview"))
states.update(await_decision("AwaitReview", "review", "$.review_sla_seconds", "Escalate"))
# an SLA breach is counted on the alert (the staff API's reports read it)
states.update(set_status("Escalate", "escalated", "RecordEscalated", " ADD sla_breaches :one",
                         {":one": {"N": "1"}}))
states.update(history("RecordEscalated", "escalated", "States.Format('no decision within {} s', $.review_sla_seconds)", "CheckRestrictionExpiry"))
# a restriction ends at its expiry even while supervisors are still deciding
states["CheckRestrictionExpiry"] = {
    "Type": "Pass", "Parameters": {"now.$": "$$.State.EnteredTime"}, "ResultPath": "$.clock",
    "Next": "RestrictionExpired"}
states["RestrictionExpired"] = {"Type": "Choice", "Choices": [
    {"And": [{"Variable": "$.tier", "StringEquals": "critical"},
             # both are UTC ISO 8601 to the second: string order is time order
             {"Variable": "$.clock.now", "StringGreaterThanPath": "$.restriction_expires_at"}],
     "Next": "LiftExpired"}],
    "Default": "NotifySupervisor"}
states.update(lift("LiftExpired", "restrict_outgoing", "expired", "PublishExpiry"))
states.update(publish_control("PublishExpiry", "lift_restriction", "RecordExpired"))
states.update(history("RecordExpired", "restriction_expired", "States.Format('restriction on {} expired at {}', $.account_id, $.restriction_expires_at)", "NotifySupervisor"))
states.update(notify("NotifySupervisor", "supervisor", "States.Format('riskwarn alert {} escalated to supervisors', $.alert_id)", "AwaitSupervisor"))
states.update(await_decision("AwaitSupervisor", "supervisor", "$.supervisor_sla_seconds", "SupervisorOverdue"))
states["SupervisorOverdue"] = {
    "Type": "Task", "Resource": "arn:aws:states:::dynamodb:updateItem",
    "Parameters": {"TableName": "${AlertsTable}", "Key": {"alert_id": {"S.$": "$.alert_id"}},
                   "UpdateExpression": "ADD sla_breaches :one",
                   "ConditionExpression": "attribute_exists(alert_id)",
                   "ExpressionAttributeValues": {":one": {"N": "1"}}},
    "ResultPath": None, "Retry": RETRY, "Catch": CATCH_ALL, "Next": "RecordSupervisorOverdue"}
states.update(history("RecordSupervisorOverdue", "sla_breached", "States.Format('no supervisor decision within {} s', $.supervisor_sla_seconds)", "CheckRestrictionExpiry"))
states["Decide"] = {"Type": "Choice", "Choices": [
    {"Variable": "$.decision.outcome", "StringEquals": "confirmed", "Next": "Confirm"},
    {"Variable": "$.decision.outcome", "StringEquals": "false_positive", "Next": "MarkFalsePositive"},
    {"Variable": "$.decision.outcome", "StringEquals": "needs_info", "Next": "RecordNeedsInfo"}],
    "Default": "MarkFailed"}
states.update(history("RecordNeedsInfo", "needs_info", "States.Format('{}: {}', $.decision.actor, $.decision.note)", "AwaitReview", actor="$.decision.actor"))
states.update(set_status("Confirm", "confirmed", "Freeze", ", label = :l, decided_at = :d",
                         {":l": {"S": "positive"}, ":d": {"S.$": "$.decision.decided_at"}}))
states.update(control("Freeze", "freeze", "active", "PublishFreeze"))
states.update(publish_control("PublishFreeze", "freeze", "RecordFrozen"))
states.update(history("RecordFrozen", "frozen", "States.Format('account {} frozen', $.account_id)", "SupersedeRestriction"))
states.update(lift("SupersedeRestriction", "restrict_outgoing", "superseded", "RecordConfirmed"))
states.update(history("RecordConfirmed", "confirmed", "States.Format('{}: {}', $.decision.actor, $.decision.note)", "IsAml", actor="$.decision.actor"))
states["IsAml"] = {"Type": "Choice", "Choices": [
    {"Variable": "$.risk_category", "StringEquals": "aml", "Next": "ReadAlert"}],
    "Default": "FollowUpWait"}
states["ReadAlert"] = {
    "Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
    "Parameters": {"TableName": "${AlertsTable}", "Key": {"alert_id": {"S.$": "$.alert_id"}},
                   "ConsistentRead": True},
    "ResultSelector": {"item.$": "$.Item"}, "ResultPath": "$.alert",
    "Retry": RETRY, "Catch": CATCH_ALL, "Next": "DraftStr"}
states["DraftStr"] = {
    "Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
    "Parameters": {"TableName": "${ReportsTable}", "Item": {
        "report_id": {"S.$": "States.Format('STR-{}', $.alert_id)"},
        "alert_id": {"S.$": "$.alert_id"},
        "customer_id": {"S.$": "$.customer_id"},
        "account_id": {"S.$": "$.account_id"},
        "kind": {"S": "suspicious_transaction_report"},
        "status": {"S": "draft"},
        "typologies.$": "$.alert.item.typologies",
        "reason_codes.$": "$.alert.item.reason_codes",
        "event_ids.$": "$.alert.item.event_ids",
        "evidence.$": "$.alert.item.evidence",
        "score.$": "$.alert.item.score",
        "confirmed_by": {"S.$": "$.decision.actor"},
        "note": {"S.$": "$.decision.note"},
        "created_at": {"S.$": "$$.State.EnteredTime"}}},
    "ResultPath": None, "Retry": RETRY, "Catch": CATCH_ALL, "Next": "RecordStr"}
states.update(history("RecordStr", "str_drafted", "States.Format('suspicious-transaction report draft STR-{}', $.alert_id)", "FollowUpWait"))
states["FollowUpWait"] = {"Type": "Wait", "SecondsPath": "$.follow_up_seconds", "Next": "FollowUpCheck"}
states["FollowUpCheck"] = {
    "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:query",
    "Parameters": {"TableName": "${AlertsTable}", "IndexName": "ByCustomer",
                   "KeyConditionExpression": "customer_id = :c AND created_at > :d",
                   "FilterExpression": "tier_rank >= :high AND alert_id <> :me",
                   "ExpressionAttributeValues": {":c": {"S.$": "$.customer_id"},
                                                 ":d": {"S.$": "$.decision.decided_at"},
                                                 ":high": {"N": "2"},
                                                 ":me": {"S.$": "$.alert_id"}}},
    "ResultSelector": {"count.$": "$.Count"}, "ResultPath": "$.followup",
    "Retry": RETRY, "Catch": CATCH_ALL, "Next": "AnyNewAlerts"}
states["AnyNewAlerts"] = {"Type": "Choice", "Choices": [
    {"Variable": "$.followup.count", "NumericGreaterThan": 0, "Next": "Reopen"}],
    "Default": "Close"}
states.update(set_status("Reopen", "escalated", "RecordReopened"))
states.update(history("RecordReopened", "reopened", "States.Format('{} new high or critical alerts since the decision', $.followup.count)", "NotifySupervisor"))
states.update(set_status("MarkFalsePositive", "false_positive", "LiftRestriction", ", label = :l, decided_at = :d",
                         {":l": {"S": "negative"}, ":d": {"S.$": "$.decision.decided_at"}}))
states.update(lift("LiftRestriction", "restrict_outgoing", "lifted", "PublishLift"))
states.update(publish_control("PublishLift", "lift_restriction", "RecordFalsePositive"))
states.update(history("RecordFalsePositive", "false_positive", "States.Format('{}: {}', $.decision.actor, $.decision.note)", "Close", actor="$.decision.actor"))
states.update(set_status("Close", "closed", "RecordClosed"))
states.update(history("RecordClosed", "closed", "States.Format('closed after {}', $.decision.outcome)", "Done"))
states["Done"] = {"Type": "Succeed"}
# never silent: a failure marks the alert, lifts a restriction with no decision behind it,
# and tells operations
states.update(set_status("MarkFailed", "workflow_failed", "RecordFailed",
                         catch=onward("RecordFailed")))
states.update(history("RecordFailed", "workflow_failed", "States.Format('{}', $.error.Error)",
                      "LiftOnFailure", catch=onward("LiftOnFailure")))
# no restriction stays without a workflow working on its alert
states.update(lift("LiftOnFailure", "restrict_outgoing", "lifted", "NotifyFailure",
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

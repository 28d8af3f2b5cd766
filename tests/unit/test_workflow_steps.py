"""The disposition workflow's own steps over small in-memory stores: every change goes
through the lifecycle's rules, a retried step changes nothing twice, controls are lifted
once, and the rules refuse what the workflow may not do."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from riskwarn.cases import lifecycle
from riskwarn.cases.lifecycle import Case, Conflict, NotFound
from riskwarn.cases.workflow_steps import StepCall, WorkflowSteps
from riskwarn.core.network import MemoryNetwork
from riskwarn.runtime.workflow_task import handle_step

AT = "2026-12-01T09:00:00.000Z"
STATE = {"alert_id": "AL-1", "customer_id": "C-1", "account_id": "A-1", "tier": "critical",
         "risk_category": "aml", "score": 900, "review_sla_seconds": 7200,
         "supervisor_sla_seconds": 14400, "restriction_expires_at": "2026-12-04T09:00:00Z"}
DECISION = {"outcome": "confirmed", "note": "mule", "actor": "sue",
            "decided_at": "2026-12-01T10:00:00.000Z"}


class Cases:
    """The alerts and history tables in dicts, refusing what the conditional writes would."""

    def __init__(self, status: str = "open", later_alerts: int = 0) -> None:
        self.alert: dict[str, Any] = {"alert_id": "AL-1", "tier": "critical",
                                      "status": status, "sla_breaches": 0}
        self.history: list[tuple[str, str, datetime]] = []
        self.later_alerts = later_alerts

    def load(self, alert_id: str) -> dict[str, Any]:
        if alert_id != "AL-1":
            raise NotFound(alert_id)
        return dict(self.alert)

    def load_item(self, alert_id: str) -> dict[str, Any]:
        return {"alert_id": {"S": alert_id}, "customer_id": {"S": "C-1"},
                "typologies": {"L": [{"S": "AML-STRUCTURING"}]}}

    def step(self, alert_id: str, step_key: str, seen: str, status: str | None = None, *,
             label: str | None = None, decided_at: datetime | None = None,
             breach: bool = False) -> bool:
        a = self.alert
        if a["status"] != seen or a.get("workflow_step") == step_key:
            if a.get("workflow_step") == step_key:
                return False
            raise Conflict("changed")
        a["workflow_step"] = step_key
        if status:
            a["status"] = status
        if label:
            a["label"] = label
        if decided_at:
            a["decided_at"] = decided_at
        a["sla_breaches"] += int(breach)
        return True

    def high_alerts_since(self, customer_id: str, since: str, other_than: str) -> int:
        return self.later_alerts

    def record(self, alert_id: str, actor: str, action: str, detail: str,
               now: datetime) -> None:
        self.history = [h for h in self.history if (h[1], h[2]) != (action, now)]
        self.history.append((actor, action, now))  # same key: the same item again


class Controls:
    def __init__(self) -> None:
        self.items: dict[str, str] = {}

    def impose(self, account_id: str, kind: str, alert_id: str, customer_id: str,
               reason: str, now: datetime, expires_at: str) -> None:
        self.items[kind] = "active"

    def lift(self, account_id: str, kind: str, alert_id: str, status: str,
             now: datetime) -> bool:
        if self.items.get(kind) != "active":
            return False
        self.items[kind] = status
        return True


class Reports:
    def __init__(self) -> None:
        self.drafts: list[str] = []

    def draft_str(self, alert: dict[str, Any], account_id: str, actor: str, note: str,
                  now: datetime) -> str:
        self.drafts.append(alert["alert_id"]["S"])
        return f"STR-{alert['alert_id']['S']}"


def call(step: str, at: str = AT, **state: Any) -> StepCall:
    return StepCall.of({"step": step, "state": {**STATE, **state}, "at": at,
                        "execution": "AL-1"})


def steps(cases: Cases) -> tuple[WorkflowSteps, Controls, Reports]:
    controls, reports = Controls(), Reports()
    return WorkflowSteps(cases, controls, reports), controls, reports


def actions(cases: Cases) -> list[str]:
    return [a for _, a, _ in sorted(cases.history, key=lambda h: h[2])]


def test_confirmed_critical_aml_case_freezes_supersedes_drafts_and_records_in_order() -> None:
    cases = Cases()
    w, controls, reports = steps(cases)
    w.run(call("start"))
    w.run(call("restrict", at="2026-12-01T09:00:01.000Z"))
    assert controls.items == {"restrict_outgoing": "active"}
    out = w.run(call("confirm", at="2026-12-01T10:00:01.000Z", decision=DECISION))
    assert out == {"report_id": "STR-AL-1", "network_marked": 0}
    assert reports.drafts == ["AL-1"]
    assert controls.items == {"restrict_outgoing": "superseded", "freeze": "active"}
    assert (cases.alert["status"], cases.alert["label"]) == ("confirmed", "positive")
    w.run(call("follow_up", at="2026-12-15T10:00:01.000Z", decision=DECISION))
    assert cases.alert["status"] == "closed"
    assert actions(cases) == ["workflow_started", "restricted", "frozen", "confirmed",
                              "str_drafted", "closed"]
    assert [who for who, a, _ in cases.history if a == "confirmed"] == ["sue"]


def test_a_retried_step_changes_nothing_twice() -> None:
    cases = Cases()
    w, _, _ = steps(cases)
    w.run(call("escalate"))
    w.run(call("escalate"))  # Step Functions retrying the same state entry
    assert cases.alert["sla_breaches"] == 1 and cases.alert["status"] == "escalated"
    assert actions(cases) == ["escalated"]
    w.run(call("confirm", at="2026-12-01T12:00:00.000Z", decision=DECISION))
    w.run(call("confirm", at="2026-12-01T12:00:00.000Z", decision=DECISION))
    assert cases.alert["status"] == "confirmed"
    assert actions(cases) == ["escalated", "frozen", "confirmed", "str_drafted"]


def test_supervisors_overdue_counts_a_breach_and_an_expired_restriction_is_lifted_once() -> None:
    cases = Cases()
    w, controls, _ = steps(cases)
    w.run(call("restrict"))
    assert w.run(call("escalate", at="2026-12-01T11:00:00.000Z")) == {"expired": False}
    late = "2026-12-04T10:00:00.000Z"  # past the restriction's expiry
    assert w.run(call("supervisor_overdue", at=late)) == {"expired": True}
    assert w.run(call("supervisor_overdue", at="2026-12-04T14:00:00.000Z")) == {
        "expired": False}
    assert controls.items["restrict_outgoing"] == "expired"
    assert cases.alert["sla_breaches"] == 3 and cases.alert["status"] == "escalated"
    assert actions(cases).count("restriction_expired") == 1


def test_false_positive_lifts_the_restriction_and_says_whether_it_did() -> None:
    cases = Cases()
    w, controls, _ = steps(cases)
    w.run(call("restrict"))
    fp = {**DECISION, "outcome": "false_positive"}
    assert w.run(call("clear", at="2026-12-01T10:00:00.000Z", decision=fp)) == {"lifted": True}
    assert (cases.alert["status"], cases.alert["label"]) == ("false_positive", "negative")
    assert controls.items["restrict_outgoing"] == "lifted"
    w.run(call("close", at="2026-12-01T10:00:01.000Z", decision=fp))
    assert cases.alert["status"] == "closed"
    high = Cases()
    assert steps(high)[0].run(call("clear", tier="high", decision=fp)) == {"lifted": False}


def test_follow_up_reopens_a_confirmed_case_for_supervisors() -> None:
    cases = Cases(status="confirmed", later_alerts=2)
    w, _, _ = steps(cases)
    assert w.run(call("follow_up", decision=DECISION)) == {"reopened": 2}
    assert cases.alert["status"] == "escalated" and actions(cases) == ["reopened"]


def test_failure_marks_the_alert_and_lifts_the_restriction() -> None:
    cases = Cases(status="in_review")
    w, controls, _ = steps(cases)
    w.run(call("restrict"))
    out = w.run(call("fail", at="2026-12-01T09:30:00.000Z",
                     error={"Error": "Lambda.ServiceException"}))
    assert out == {"lifted": True} and cases.alert["status"] == "workflow_failed"
    assert controls.items["restrict_outgoing"] == "lifted"


@pytest.mark.parametrize(("rule", "status"), [
    (lifecycle.escalate, "confirmed"), (lifecycle.escalate, "closed"),
    (lifecycle.reopen, "escalated"), (lifecycle.reopen, "open"),
    (lifecycle.close, "escalated"), (lifecycle.close, "in_review"),
])
def test_the_rules_refuse_what_the_workflow_may_not_do(rule: Any, status: str) -> None:
    with pytest.raises(Conflict):
        rule(Case("AL-1", "high", status))


def test_a_decided_case_is_not_settled_again() -> None:
    with pytest.raises(Conflict, match="confirmed already"):
        lifecycle.settle(Case("AL-1", "high", "confirmed"), "false_positive")
    with pytest.raises(ValueError, match="settled outcome"):
        lifecycle.settle(Case("AL-1", "high", "open"), "needs_info")
    # a case confirmed, then reopened by follow-up, is settled again by supervisors
    assert lifecycle.settle(Case("AL-1", "high", "escalated"), "false_positive") == (
        "false_positive", "negative")


def test_a_bad_step_call_is_a_clear_error() -> None:
    cases = Cases()
    with pytest.raises(ValueError, match="not a workflow step call"):
        handle_step({"step": "escalate"}, steps(cases)[0])
    with pytest.raises(ValueError, match="unknown workflow step 'launch'"):
        handle_step({"step": "launch", "state": STATE, "at": AT, "execution": "AL-1"},
                    steps(cases)[0])


def test_a_confirmed_mule_case_marks_its_account_and_the_accounts_it_dealt_with() -> None:
    cases = Cases()
    cases.alert |= {"typologies": ["AML-MULE-FAN-IN"], "evidence": [
        {"counterparty": "P-1", "amount": 6000, "own_account": False},
        {"counterparty": "P-1", "amount": 4000, "own_account": False},
        {"counterparty": "Q-9", "amount": 9000, "own_account": False},
        {"counterparty": "A-1-SAVINGS", "amount": 500, "own_account": True},
        {"counterparty": None, "amount": 100, "own_account": False}]}
    net = MemoryNetwork()
    w = WorkflowSteps(cases, Controls(), Reports(), net)
    out = w.run(call("confirm", at="2026-12-01T10:00:01.000Z", decision=DECISION))
    assert out["network_marked"] == 3
    (own,) = net.accounts[STATE["account_id"]].marks
    assert (own.hops, own.alert_id, own.amount) == (0, "AL-1", 19_000.0)
    (p1,) = net.accounts["P-1"].marks
    assert (p1.hops, p1.case_account, p1.amount) == (1, STATE["account_id"], 10_000.0)
    assert "A-1-SAVINGS" not in net.accounts  # the customer's own account is not a party
    assert "network_marked" in actions(cases)
    w.run(call("confirm", at="2026-12-01T10:00:01.000Z", decision=DECISION))  # a retry
    assert len(net.accounts["P-1"].marks) == 1


def test_a_confirmed_case_of_another_kind_marks_nothing() -> None:
    cases = Cases()  # AML structuring: reportable, but no mule or fraud
    cases.alert |= {"typologies": ["AML-STRUCTURING"], "evidence": [
        {"counterparty": "P-1", "amount": 6000, "own_account": False}]}
    net = MemoryNetwork()
    WorkflowSteps(cases, Controls(), Reports(), net).run(
        call("confirm", at="2026-12-01T10:00:01.000Z", decision=DECISION))
    assert net.accounts == {}

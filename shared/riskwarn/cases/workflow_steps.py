"""The disposition workflow's own steps: what the state machine does to an alert, its
account's controls and its reports, through the lifecycle's rules and the typed stores
(the workflow writes no table itself; it calls these through one Lambda task per step).

Each step is one call: `WorkflowSteps.run(StepCall)`. The call carries the execution's
state (the alert id, customer, account, tier, SLAs; a decision, an error), the time the
state was entered and the execution's name. Those make every write of the step
deterministic, so Step Functions may retry a step that failed half-way: the status change
is applied once (its step key), history entries and controls are written to the same keys
again, a lift of a control already lifted does nothing.

The history entries of one step are stamped a millisecond apart from the state's entry
time, in the order they happened (the history table sorts by time).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from riskwarn.cases import lifecycle
from riskwarn.cases.lifecycle import Case
from riskwarn.cases.network_marks import mark_confirmed
from riskwarn.core.network import NetworkPort

ACTOR = "disposition"
RESTRICT = "restrict_outgoing"
FREEZE = "freeze"


class CasePort(Protocol):
    def load(self, alert_id: str) -> dict[str, Any]: ...
    def load_item(self, alert_id: str) -> dict[str, Any]: ...
    def step(self, alert_id: str, step_key: str, seen: str, status: str | None = None, *,
             label: str | None = None, decided_at: datetime | None = None,
             breach: bool = False) -> bool: ...
    def high_alerts_since(self, customer_id: str, since: str, other_than: str) -> int: ...
    def record(self, alert_id: str, actor: str, action: str, detail: str,
               now: datetime) -> None: ...


class ControlPort(Protocol):
    def impose(self, account_id: str, kind: str, alert_id: str, customer_id: str,
               reason: str, now: datetime, expires_at: str) -> None: ...
    def lift(self, account_id: str, kind: str, alert_id: str, status: str,
             now: datetime) -> bool: ...


class ReportPort(Protocol):
    def draft_str(self, alert: dict[str, Any], account_id: str, actor: str, note: str,
                  now: datetime) -> str: ...


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class StepCall:
    """One step of one execution, as the state machine's Lambda task sends it."""

    step: str
    state: dict[str, Any]
    at: datetime  # when the state was entered (the same on a retry)
    execution: str
    _written: int = field(default=0, repr=False)

    @classmethod
    def of(cls, payload: dict[str, Any]) -> StepCall:
        try:
            return cls(str(payload["step"]), dict(payload["state"]), _time(payload["at"]),
                       str(payload["execution"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a workflow step call: {exc}") from None

    @property
    def alert_id(self) -> str:
        return str(self.state["alert_id"])

    @property
    def account_id(self) -> str:
        return str(self.state["account_id"])

    @property
    def key(self) -> str:
        return f"{self.execution}#{self.step}#{self.at.isoformat()}"

    @property
    def decision(self) -> dict[str, Any]:
        return dict(self.state.get("decision") or {})

    def next_time(self) -> datetime:
        """The time of the step's next history entry (a millisecond after the last)."""
        self._written += 1
        return self.at + timedelta(milliseconds=self._written - 1)


class WorkflowSteps:
    def __init__(self, cases: CasePort, controls: ControlPort, reports: ReportPort,
                 network: NetworkPort | None = None) -> None:
        self.cases = cases
        self.controls = controls
        self.reports = reports
        self.network = network
        self._steps: dict[str, Callable[[StepCall], dict[str, Any]]] = {
            "start": self.start, "restrict": self.restrict, "escalate": self.escalate,
            "supervisor_overdue": self.supervisor_overdue, "needs_info": self.needs_info,
            "confirm": self.confirm, "clear": self.clear, "follow_up": self.follow_up,
            "close": self.close, "fail": self.fail}

    def run(self, call: StepCall) -> dict[str, Any]:
        """Run one step; its result goes into the execution's state (`$.step`)."""
        step = self._steps.get(call.step)
        if step is None:
            raise ValueError(f"unknown workflow step {call.step!r}")
        return step(call)

    # ---- the steps -------------------------------------------------------------------

    def start(self, call: StepCall) -> dict[str, Any]:
        self._record(call, "workflow_started", f"tier {call.state['tier']}")
        return {}

    def restrict(self, call: StepCall) -> dict[str, Any]:
        """A critical alert restricts the account's outgoing payments at once, until a
        decision or the restriction's expiry."""
        self._impose(call, RESTRICT)
        self._record(call, "restricted", f"outgoing payments restricted on {call.account_id} "
                                         f"until {call.state['restriction_expires_at']}")
        return {}

    def escalate(self, call: StepCall) -> dict[str, Any]:
        """The review SLA passed: supervisors take it (counted as an SLA breach)."""
        self._change(call, lifecycle.escalate, breach=True)
        self._record(call, "escalated",
                     f"no decision within {call.state['review_sla_seconds']} s")
        return {"expired": self._expire(call)}

    def supervisor_overdue(self, call: StepCall) -> dict[str, Any]:
        self._change(call, lifecycle.escalate, breach=True)  # still the supervisors'
        self._record(call, "sla_breached", "no supervisor decision within "
                                           f"{call.state['supervisor_sla_seconds']} s")
        return {"expired": self._expire(call)}

    def needs_info(self, call: StepCall) -> dict[str, Any]:
        self._record_decision(call, "needs_info")
        return {}

    def confirm(self, call: StepCall) -> dict[str, Any]:
        """Confirmed: the account is frozen (superseding the restriction), an AML case gets
        a suspicious-transaction report draft, and a mule or fraud case marks the network:
        the account, and the accounts its evidence paid or was paid by (NETWORK-LINKED)."""
        d = call.decision
        self._settle(call, "confirmed")
        self._impose(call, FREEZE)
        self._record(call, "frozen", f"account {call.account_id} frozen")
        self.controls.lift(call.account_id, RESTRICT, call.alert_id, "superseded", call.at)
        self._record_decision(call, "confirmed")
        report = None
        if call.state.get("risk_category") == "aml":
            report = self.reports.draft_str(self.cases.load_item(call.alert_id),
                                            call.account_id, d["actor"], d.get("note", ""),
                                            call.at)
            self._record(call, "str_drafted", f"suspicious-transaction report draft {report}")
        marked = self._mark_network(call)
        return {"report_id": report, "network_marked": marked}

    def clear(self, call: StepCall) -> dict[str, Any]:
        """A false positive: labelled so, and a restriction it put on is lifted."""
        self._settle(call, "false_positive")
        lifted = self.controls.lift(call.account_id, RESTRICT, call.alert_id, "lifted",
                                    call.at)
        self._record_decision(call, "false_positive")
        return {"lifted": lifted}

    def follow_up(self, call: StepCall) -> dict[str, Any]:
        """After the follow-up period: new high or critical alerts on the customer since
        the decision reopen the case for supervisors; none close it."""
        s = call.state
        found = self.cases.high_alerts_since(s["customer_id"], call.decision["decided_at"],
                                             call.alert_id)
        if not found:
            return {"reopened": 0, **self.close(call)}
        self._change(call, lifecycle.reopen)
        self._record(call, "reopened", f"{found} new high or critical alerts since the "
                                       "decision")
        return {"reopened": found}

    def close(self, call: StepCall) -> dict[str, Any]:
        self._change(call, lifecycle.close)
        self._record(call, "closed", f"closed after {call.decision.get('outcome')}")
        return {}

    def fail(self, call: StepCall) -> dict[str, Any]:
        """The workflow failed: never silent. The alert says so, and no restriction stays
        on an account without a workflow working on its alert."""
        error = dict(call.state.get("error") or {})
        self._change(call, lifecycle.fail)
        self._record(call, "workflow_failed", str(error.get("Error", "unknown error")))
        lifted = self.controls.lift(call.account_id, RESTRICT, call.alert_id, "lifted",
                                    call.at)
        return {"lifted": lifted}

    # ---- shared ----------------------------------------------------------------------

    def _mark_network(self, call: StepCall) -> int:
        if self.network is None:
            return 0
        done = mark_confirmed(self.network, self.cases.load(call.alert_id), call.account_id,
                              call.at)
        if done is None:
            return 0
        self._record(call, "network_marked", done[1])
        return done[0]

    def _change(self, call: StepCall, rule: Callable[[Case], str | None],
                label: str | None = None, decided_at: datetime | None = None,
                breach: bool = False) -> None:
        """The step's change of the alert, as the lifecycle's `rule` says (a status, or
        None to keep it); a retry of a step already applied changes nothing."""
        alert = self.cases.load(call.alert_id)
        if alert.get("workflow_step") == call.key:
            return
        case = Case.of(alert)
        self.cases.step(call.alert_id, call.key, case.status, rule(case), label=label,
                        decided_at=decided_at, breach=breach)

    def _settle(self, call: StepCall, outcome: str) -> None:
        _, label = lifecycle.SETTLED[outcome]
        self._change(call, lambda case: lifecycle.settle(case, outcome)[0], label=label,
                     decided_at=_time(call.decision["decided_at"]))

    def _expire(self, call: StepCall) -> bool:
        """A restriction ends at its expiry even while supervisors are still deciding."""
        s = call.state
        if s.get("tier") != "critical" or call.at <= _time(s["restriction_expires_at"]):
            return False
        if not self.controls.lift(call.account_id, RESTRICT, call.alert_id, "expired",
                                  call.at):
            return False
        self._record(call, "restriction_expired", f"restriction on {call.account_id} "
                                                  f"expired at {s['restriction_expires_at']}")
        return True

    def _impose(self, call: StepCall, kind: str) -> None:
        """A control on the alert's account, with the reason core banking and staff read and
        the expiry the execution carries."""
        s = call.state
        self.controls.impose(
            call.account_id, kind, call.alert_id, s["customer_id"],
            f"{kind} for alert {call.alert_id} ({s['risk_category']}, score {s['score']})",
            call.at, s["restriction_expires_at"])

    def _record(self, call: StepCall, action: str, detail: str, actor: str = ACTOR) -> None:
        self.cases.record(call.alert_id, actor, action, detail, call.next_time())

    def _record_decision(self, call: StepCall, action: str) -> None:
        """A staff decision in the history, named after the person who made it."""
        d = call.decision
        self._record(call, action, f"{d['actor']}: {d.get('note', '')}", d["actor"])

"""The disposition workflow's Lambda task: one step of one execution (cases.workflow_steps)
with the production stores, built once per process."""

from __future__ import annotations

from typing import Any

from riskwarn.cases.workflow_steps import StepCall, WorkflowSteps
from riskwarn.process_cache import once_per_process
from riskwarn.runtime.observability import logger


@once_per_process()
def production_steps() -> WorkflowSteps:
    from riskwarn import aws
    from riskwarn.settings import settings
    from riskwarn.store.cases import CaseStore
    from riskwarn.store.controls import ControlStore
    from riskwarn.store.network import NetworkStore
    from riskwarn.store.reports import ReportStore

    env = settings()
    ddb = aws.dynamodb(env.dynamodb_endpoint, env.region)
    return WorkflowSteps(CaseStore(ddb, env.alerts_table, env.history_table),
                         ControlStore(ddb, env.controls_table),
                         ReportStore(ddb, env.reports_table),
                         NetworkStore(ddb, env.network_table))


def handle_step(event: dict[str, Any], steps: WorkflowSteps | None = None) -> dict[str, Any]:
    """Run the step the state machine asks for; an error goes back to it by name
    (`Conflict`, `NotFound`, `Throttled`: its Retry and Catch decide what follows)."""
    call = StepCall.of(event)
    # ids and the step only: no personal data in the log
    logger.info("workflow step", extra={"step": call.step, "alert_id": call.alert_id,
                                        "execution": call.execution})
    return (steps or production_steps()).run(call)

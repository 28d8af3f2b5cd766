"""Disposition steps: the workflow's writes (status, history, controls, STR drafts) through
the alert lifecycle's rules and stores (riskwarn.cases.workflow_steps)."""

from typing import Any

from riskwarn.runtime.observability import logger, tracer
from riskwarn.runtime.workflow_task import handle_step


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle_step(event)

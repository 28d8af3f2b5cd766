"""Score function: Kinesis batch → profiles, alerts, notifications (riskwarn.runtime.stream)."""

from typing import Any

from riskwarn.runtime.observability import logger, metrics, tracer
from riskwarn.runtime.stream import score_batch


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return score_batch(event, context)  # {"batchItemFailures": [...]}

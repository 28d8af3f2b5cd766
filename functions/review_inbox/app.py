"""Review inbox: keeps each waiting disposition workflow's task token on its alert."""

from typing import Any

from riskwarn.runtime.observability import logger, metrics, tracer
from riskwarn.runtime.review_inbox import handle_review_messages


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle_review_messages(event, context)  # {"batchItemFailures": [...]}

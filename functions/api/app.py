"""API function: the staff REST API behind API Gateway (riskwarn.api)."""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths

from riskwarn.api.app import handle
from riskwarn.runtime.observability import logger, tracer


# Request counts, latency and errors: API Gateway's own metrics (MetricsEnabled, template).
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle(event, context)

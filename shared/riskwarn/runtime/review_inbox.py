"""The review inbox's logic: SQS messages from the disposition workflow → task tokens on
alerts, with partial batch failures (a message that cannot be stored is retried)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from riskwarn.cases.disposition import Disposition, ReviewTask, production_disposition


def handle_review_messages(event: dict[str, Any], context: Any,
                           disposition: Disposition | None = None) -> dict[str, Any]:
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    port = disposition or production_disposition()

    def record_handler(record: Any) -> None:
        port.queue(ReviewTask.from_message(record.body), datetime.now(UTC))

    from aws_lambda_powertools.metrics import MetricUnit

    from riskwarn.runtime.observability import metrics

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    response = dict(process_partial_response(event=event, record_handler=record_handler,
                                             processor=processor, context=context))
    failures: Any = response.get("batchItemFailures", [])
    failed = len(failures)
    metrics.add_metric(name="ReviewTasksQueued", unit=MetricUnit.Count,
                       value=len(event.get("Records", [])) - failed)
    return response

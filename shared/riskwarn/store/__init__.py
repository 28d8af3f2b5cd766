"""Data access: the only code that calls boto3 for data (DynamoDB, S3)."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(dt: datetime) -> str:
    """UTC, milliseconds, `Z`: how every stored timestamp is written (string order is time
    order, which the indexes and the workflow's comparisons rely on)."""
    return dt.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class TransientStoreError(Exception):
    """Throttling, timeouts, service errors: the work can succeed if tried again."""


class Conflict(TransientStoreError):
    """A conditional write kept losing to other writers: try the work again later."""


THROTTLING = frozenset({
    "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
    "InternalServerError", "ServiceUnavailable", "SlowDown", "Throttling",
    "TooManyRequestsException",
})


def condition_failed(exc: Exception) -> bool:
    """A conditional write refused because the item is not as the condition said."""
    from botocore.exceptions import ClientError

    return isinstance(exc, ClientError) and exc.response.get("Error", {}).get(
        "Code") == "ConditionalCheckFailedException"


def is_transient(exc: Exception) -> bool:
    """Worth trying again: throttling, timeouts, service errors."""
    from botocore.exceptions import BotoCoreError, ClientError

    if isinstance(exc, TransientStoreError):
        return True
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        return code in THROTTLING or code.endswith("Throttled")
    return isinstance(exc, BotoCoreError)

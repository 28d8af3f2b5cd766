"""Data access: the only code that calls boto3 for data (DynamoDB, S3)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def iso(dt: datetime) -> str:
    """UTC, milliseconds, `Z`: how every stored timestamp is written (string order is time
    order, which the indexes and the workflow's comparisons rely on)."""
    return dt.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class TransientStoreError(Exception):
    """Throttling, timeouts, service errors: the work can succeed if tried again."""


class Throttled(TransientStoreError):
    """An AWS call throttled, timed out or met a service error: try the work again later
    (the stream fails the customer's records; they come back)."""


class Stale(TransientStoreError):
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


def throttled_as_named(fn: Callable[P, R]) -> Callable[P, R]:
    """An adapter method whose transient AWS errors come out as `Throttled` (anything else
    as it was): callers catch one named error instead of inspecting boto's."""

    @wraps(fn)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except TransientStoreError:
            raise
        except Exception as exc:
            if is_transient(exc):
                raise Throttled(f"{fn.__qualname__}: {exc}") from exc
            raise

    return call

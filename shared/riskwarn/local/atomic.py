"""DynamoDB's conditional writes are atomic; moto's are not against another thread (the check
and the write are two steps in Python). The local stack and the tests that run handlers on
threads call `serialise_dynamodb_writes()` once, so that two writers racing on one item see
what DynamoDB would show them: one wins, the other's condition fails."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

WRITES = ("put_item", "update_item", "delete_item", "transact_write_items")
_LOCK = threading.RLock()
_MARK = "_riskwarn_serialised"


def serialise_dynamodb_writes() -> None:
    """Wrap moto's DynamoDB write methods in one process-wide lock (idempotent)."""
    from moto.dynamodb.models import DynamoDBBackend

    for name in WRITES:
        method = getattr(DynamoDBBackend, name)
        if getattr(method, _MARK, False):
            continue
        setattr(DynamoDBBackend, name, _locked(method))


def _locked(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def write(*args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return method(*args, **kwargs)

    setattr(write, _MARK, True)
    return write

"""Process-wide test settings."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(autouse=True, scope="session")
def _no_docker_lambdas() -> Iterator[None]:
    """moto runs a Lambda function in docker unless something else does. The tests run the
    real handlers in-process for the length of a test; a workflow thread of an earlier test
    that wakes after its test has ended would otherwise try docker (there is none), leaving
    a socket open that a later test's garbage collection reports as an error. Such a late
    invocation fails at once here instead."""
    from moto.awslambda.models import LambdaFunction

    real = LambdaFunction._invoke_lambda

    def refuse(fn: Any, event: Any = None) -> tuple[str, bool, str]:
        return json.dumps({"errorType": "TestEnded",
                           "errorMessage": "invoked after its test ended"}), True, ""

    LambdaFunction._invoke_lambda = refuse  # type: ignore[method-assign,assignment]
    yield
    LambdaFunction._invoke_lambda = real  # type: ignore[method-assign]

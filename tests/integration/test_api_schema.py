"""Schemathesis against the committed OpenAPI spec, through the local front door (token
check, proxy events, the real handler) on moto: no server errors, every response as the
spec says (status code, content type, body schema)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from riskwarn.api.app import build_api_ports, handle
from riskwarn.local.front_door import FrontDoor
from riskwarn.local.tokens import new_secret, sign
from tests.integration.conftest import Stack

SPEC = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
schema = schemathesis.openapi.from_path(SPEC)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture(params=["transact"])
def door(stack: Stack) -> Iterator[tuple[FrontDoor, dict[str, str]]]:
    secret = new_secret()
    token = sign("tess", ["analyst", "supervisor", "admin"], secret)
    ports = build_api_ports(stack.settings)
    yield FrontDoor(lambda event: handle(event, None, ports), secret), {
        "Authorization": f"Bearer {token}"}


@schema.parametrize()
# The same examples every run, so CI is stable; RISKWARN_FRESH_EXAMPLES=1 draws new ones
# (how the path bug with an encoded '#' was found).
@settings(max_examples=40, deadline=None,
          derandomize=not os.environ.get("RISKWARN_FRESH_EXAMPLES"),
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@pytest.mark.parametrize("stack", ["transact"], indirect=True)
def test_api_matches_its_spec(case: schemathesis.Case,
                              door: tuple[FrontDoor, dict[str, str]]) -> None:
    app, auth = door
    case.call_and_validate(app=app, headers=auth, checks=CHECKS)

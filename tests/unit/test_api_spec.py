"""The committed OpenAPI spec is what the routes generate; the role rules read the caller
as API Gateway's Cognito authorizer passes it."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from riskwarn.api.app import openapi_json
from riskwarn.cases.access import Caller, Forbidden, Unauthenticated

SPEC = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_committed_spec_is_current() -> None:
    assert orjson.loads(SPEC.read_bytes()) == orjson.loads(openapi_json()), \
        "run `make openapi` and commit docs/openapi.json"


def test_every_operation_needs_the_bearer_token_and_documents_its_errors() -> None:
    spec = orjson.loads(openapi_json())
    assert spec["security"] == [{"cognito": []}]
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            codes = set(op["responses"])
            assert {"401", "403", "422"} <= codes, (method, path)
            assert codes & {"200", "201"}, (method, path)


@pytest.mark.parametrize(("groups", "expected"), [
    ("analyst", {"analyst"}), ("[analyst, supervisor]", {"analyst", "supervisor"}),
    (["auditor", "intruder"], {"auditor"}), ("", set())])
def test_groups_are_read_as_api_gateway_flattens_them(groups: object,
                                                      expected: set[str]) -> None:
    caller = Caller.from_claims({"cognito:username": "ana", "cognito:groups": groups})
    assert caller.groups == expected
    if not expected:
        with pytest.raises(Forbidden):
            caller.require({"analyst"}, "claiming")


def test_no_claims_or_no_user_is_unauthenticated() -> None:
    for claims in (None, {}, {"cognito:groups": "analyst"}):
        with pytest.raises(Unauthenticated):
            Caller.from_claims(claims)


def test_only_investigators_see_personal_data_in_clear() -> None:
    assert not Caller("a", frozenset({"analyst"})).masked_view
    assert Caller("a", frozenset({"auditor"})).masked_view
    assert Caller("a", frozenset({"admin"})).masked_view

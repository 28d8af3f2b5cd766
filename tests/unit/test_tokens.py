"""Locally signed staff tokens: Cognito's claim names, checked like the authorizer."""

from __future__ import annotations

import pytest

from riskwarn.cases.access import Caller
from riskwarn.local.tokens import BadToken, new_secret, sign, verify


def test_a_signed_token_carries_the_caller_as_cognito_would() -> None:
    secret = new_secret()
    token = sign("ana", ["analyst", "supervisor"], secret)
    for header in (f"Bearer {token}", token):
        caller = Caller.from_claims(verify(header, secret))
        assert caller.user == "ana" and caller.groups == {"analyst", "supervisor"}


@pytest.mark.parametrize("header", [None, "", "Bearer ", "Bearer nonsense"])
def test_missing_or_malformed_tokens_are_refused(header: str | None) -> None:
    with pytest.raises(BadToken):
        verify(header, new_secret())


def test_expired_or_foreign_tokens_are_refused() -> None:
    secret = new_secret()
    with pytest.raises(BadToken, match="expired"):
        verify(sign("ana", ["analyst"], secret, ttl_s=60, now=0), secret)
    with pytest.raises(BadToken, match=r"(?i)signature"):
        verify(sign("ana", ["analyst"], new_secret()), secret)


def test_unknown_groups_or_no_user_cannot_be_signed() -> None:
    with pytest.raises(ValueError, match="unknown groups"):
        sign("ana", ["root"], new_secret())
    with pytest.raises(ValueError, match="user"):
        sign("", ["analyst"], new_secret())

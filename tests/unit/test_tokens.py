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


def _forged(claims: dict[str, object], secret: str, alg: str = "HS256") -> str:
    import jwt

    return str(jwt.encode(claims, secret, algorithm=alg))


def _claims(**over: object) -> dict[str, object]:
    import time

    now = int(time.time())
    base: dict[str, object] = {"iss": "riskwarn-local", "aud": "riskwarn-staff", "sub": "ana",
                               "cognito:username": "ana", "cognito:groups": ["analyst"],
                               "token_use": "id", "iat": now, "exp": now + 600}
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


def _edited_groups(token: str) -> str:
    """The payload re-encoded with another group, the signature kept."""
    import base64
    import json

    head, body, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["cognito:groups"] = ["supervisor", "admin"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{head}.{forged}.{sig}"


SECRET = new_secret()
TAMPERED = {
    "alg none": _forged(_claims(), "", alg="none"),
    "wrong signature": _forged(_claims(), new_secret()),
    "expired": _forged(_claims(iat=1_000, exp=2_000), SECRET),
    "wrong audience": _forged(_claims(aud="another-app"), SECRET),
    "no audience": _forged(_claims(aud=None), SECRET),
    "wrong issuer": _forged(_claims(iss="https://evil.example"), SECRET),
    "groups edited": _edited_groups(sign("ana", ["analyst"], SECRET)),
    "access token": _forged(_claims(token_use="access"), SECRET),
    "no expiry": _forged(_claims(exp=None), SECRET),
    "HS512 not HS256": _forged(_claims(), SECRET, alg="HS512"),
}


@pytest.mark.parametrize("name", sorted(TAMPERED))
def test_tampered_tokens_are_refused_at_the_front_door(name: str) -> None:
    """What API Gateway's Cognito authorizer refuses, the local front door refuses: a 401
    with a message, and the API function is never called."""
    import io

    import orjson

    from riskwarn.local.front_door import FrontDoor

    called: list[dict[str, object]] = []
    door = FrontDoor(lambda event: called.append(event) or {"statusCode": 200}, SECRET)
    status: list[str] = []
    body = b"".join(door({"REQUEST_METHOD": "GET", "PATH_INFO": "/alerts",
                          "HTTP_AUTHORIZATION": f"Bearer {TAMPERED[name]}",
                          "wsgi.input": io.BytesIO()}, lambda s, h: status.append(s)))
    assert status == ["401 Unauthorized"], name
    assert orjson.loads(body)["message"].startswith(("invalid token", "missing"))
    assert called == []
    with pytest.raises(BadToken):
        verify(TAMPERED[name], SECRET)


def test_the_untampered_token_passes_the_front_door() -> None:
    import io

    from riskwarn.local.front_door import FrontDoor

    seen: list[dict[str, object]] = []
    door = FrontDoor(lambda event: seen.append(event) or {"statusCode": 200, "body": "{}"},
                     SECRET)
    status: list[str] = []
    door({"REQUEST_METHOD": "GET", "PATH_INFO": "/alerts", "wsgi.input": io.BytesIO(),
          "HTTP_AUTHORIZATION": f"Bearer {sign('ana', ['analyst'], SECRET)}"},
         lambda s, h: status.append(s))
    assert status == ["200 OK"] and len(seen) == 1

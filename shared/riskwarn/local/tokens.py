"""Locally signed staff tokens: what Cognito issues in production, made on this machine.

HS256 JWTs with Cognito's claim names (`cognito:username`, `cognito:groups`), signed with
the local stack's secret (kept in .riskwarn/local.json). The local front door verifies them
and passes the claims on exactly where API Gateway's Cognito authorizer would.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable
from typing import Any

from riskwarn.cases.access import ROLES

# The demo staff the local sign-in page offers (the console's sign-in on the local stack):
# one of each role, and a second analyst and supervisor for four eyes
DEMO_STAFF: dict[str, tuple[str, ...]] = {
    "ana": ("analyst",), "al": ("analyst",), "sue": ("supervisor",), "max": ("supervisor",),
    "aud": ("auditor",), "ada": ("admin",),
}
ISSUER = "riskwarn-local"
AUDIENCE = "riskwarn-staff"  # the app client id of an ID token, as Cognito sets `aud`
ALGORITHM = "HS256"


class BadToken(Exception):
    pass


def new_secret() -> str:
    return secrets.token_urlsafe(48)  # 64 characters: long enough for any HMAC


def sign(user: str, groups: Iterable[str], secret: str, ttl_s: int = 8 * 3600,
         now: float | None = None) -> str:
    import jwt

    groups = list(groups)
    unknown = [g for g in groups if g not in ROLES]
    if not user or unknown:
        raise ValueError(f"unknown groups {unknown}: use {', '.join(ROLES)}" if unknown
                         else "a token needs a user")
    issued = int(now if now is not None else time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": user, "cognito:username": user,
              "cognito:groups": groups, "token_use": "id", "iat": issued, "exp": issued + ttl_s}
    return str(jwt.encode(claims, secret, algorithm=ALGORITHM))


def verify(header: str | None, secret: str) -> dict[str, Any]:
    """The claims of an `Authorization` header (`Bearer <token>`, or the bare token as API
    Gateway's Cognito authorizer also takes it); BadToken if missing or invalid."""
    import jwt

    token = (header or "").removeprefix("Bearer ").strip()
    if not token:
        raise BadToken("missing bearer token")
    try:
        # one algorithm only (never `none`), signed by this stack, for this audience, in date
        claims: dict[str, Any] = jwt.decode(
            token, secret, algorithms=[ALGORITHM], issuer=ISSUER, audience=AUDIENCE,
            options={"require": ["exp", "iat", "sub", "iss", "aud"]})
    except jwt.PyJWTError as exc:
        raise BadToken(f"invalid token: {exc}") from None
    if claims.get("token_use") != "id":  # an access token carries no groups to trust
        raise BadToken("invalid token: not an ID token")
    return claims

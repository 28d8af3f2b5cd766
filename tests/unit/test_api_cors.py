"""CORS on the staff API answers the console's origin only (AWS: the console on CloudFront,
the API on API Gateway); locally the console is served beside the API and needs none."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from riskwarn.api.app import cors_for
from riskwarn.local.proxy import proxy_event

CONSOLE = "https://d111111abcdef8.cloudfront.net"


def _answer(origin: str) -> dict[str, Any]:
    app = APIGatewayRestResolver(cors=cors_for(CONSOLE))

    @app.get("/ping")
    def ping() -> dict[str, str]:
        return {"ok": "yes"}

    event = proxy_event("GET", "/ping", {"Origin": origin}, None, None)
    resp: dict[str, Any] = app.resolve(event, None)
    return {k.lower(): v for k, v in (resp.get("multiValueHeaders") or {}).items()}


def test_the_consoles_origin_is_allowed_and_no_other() -> None:
    assert _answer(CONSOLE)["access-control-allow-origin"] == [CONSOLE]
    assert "access-control-allow-origin" not in _answer("https://evil.example")


def test_no_console_origin_no_cors() -> None:
    assert cors_for(None) is None and cors_for("") is None

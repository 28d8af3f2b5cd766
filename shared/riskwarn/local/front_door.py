"""The local stack's API Gateway: a WSGI app that checks the bearer token as the Cognito
authorizer would (401 without a valid one), turns the request into a REST proxy event,
invokes the API function (in-process) and turns its answer back into HTTP."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable
from typing import Any

import orjson

from riskwarn.local.proxy import proxy_event
from riskwarn.local.tokens import BadToken, verify

PUBLIC = frozenset({"/openapi.json"})  # the spec itself needs no token locally

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
Invoke = Callable[[dict[str, Any]], dict[str, Any]]  # proxy event -> proxy response
REASONS = {200: "OK", 201: "Created", 400: "Bad Request", 401: "Unauthorized",
           403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict",
           415: "Unsupported Media Type", 422: "Unprocessable Entity",
           500: "Internal Server Error"}


class FrontDoor:
    def __init__(self, invoke: Invoke, secret: str) -> None:
        self.invoke = invoke
        self.secret = secret

    def __call__(self, environ: dict[str, Any], start_response: StartResponse
                 ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        query = environ.get("QUERY_STRING", "")
        headers = {k[5:].replace("_", "-").title(): v for k, v in environ.items()
                   if k.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else None
        claims = None
        if path not in PUBLIC:
            try:
                claims = verify(headers.get("Authorization"), self.secret)
            except BadToken as exc:
                return self._reply(start_response, 401, {"Content-Type": "application/json"},
                                   orjson.dumps({"statusCode": 401, "message": str(exc)}))
        event = proxy_event(environ.get("REQUEST_METHOD", "GET"), path, headers, body, claims,
                            query=query)
        resp = self.invoke(event)
        out = {k: v[-1] for k, v in (resp.get("multiValueHeaders") or {}).items()}
        out.update(resp.get("headers") or {})
        raw = resp.get("body") or ""
        data = base64.b64decode(raw) if resp.get("isBase64Encoded") else raw.encode()
        return self._reply(start_response, int(resp["statusCode"]), out, data)

    @staticmethod
    def _reply(start_response: StartResponse, status: int, headers: dict[str, str],
               body: bytes) -> list[bytes]:
        pairs = [(k, str(v)) for k, v in headers.items()]
        pairs.append(("Content-Length", str(len(body))))
        start_response(f"{status} {REASONS.get(status, 'Status')}", pairs)
        return [body]

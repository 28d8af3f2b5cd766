"""The local stack's API Gateway and CloudFront: a WSGI app that checks the bearer token as
the Cognito authorizer would (401 without a valid one), turns the request into a REST proxy
event, invokes the API function (in-process) and turns its answer back into HTTP.

Beside the API it serves the staff console's built files (`console/dist`: `/`, `/assets/…`,
with the security headers CloudFront adds on AWS) and, in place of Cognito's hosted UI, the
local sign-in: `GET /local/staff` lists the demo staff, `POST /local/token` signs a token
for one of them."""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson

from riskwarn.local.proxy import proxy_event
from riskwarn.local.tokens import DEMO_STAFF, BadToken, sign, verify

PUBLIC = frozenset({"/openapi.json"})  # the spec itself needs no token locally

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
Invoke = Callable[[dict[str, Any]], dict[str, Any]]  # proxy event -> proxy response
REASONS = {200: "OK", 201: "Created", 400: "Bad Request", 401: "Unauthorized",
           403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict",
           415: "Unsupported Media Type", 422: "Unprocessable Entity",
           500: "Internal Server Error"}


JSON = {"Content-Type": "application/json"}
# what CloudFront's response-headers policy adds in the template (antd styles inline)
CONSOLE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' "
                               "'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
                               "frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


class FrontDoor:
    def __init__(self, invoke: Invoke, secret: str, console: Path | None = None,
                 staff: Mapping[str, tuple[str, ...]] = DEMO_STAFF) -> None:
        self.invoke = invoke
        self.secret = secret
        self.console = console.resolve() if console is not None else None
        self.staff = staff

    def __call__(self, environ: dict[str, Any], start_response: StartResponse
                 ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        method = environ.get("REQUEST_METHOD", "GET")
        if method == "GET" and (path in ("/", "/config.json") or path.startswith("/assets/")):
            return self._file(start_response, "index.html" if path == "/" else path[1:])
        if path == "/local/staff" and method == "GET":
            return self._reply(start_response, 200, JSON, orjson.dumps({"staff": [
                {"user": u, "groups": list(g)} for u, g in self.staff.items()]}))
        if path == "/local/token" and method == "POST":
            return self._token(environ, start_response)
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

    def _token(self, environ: dict[str, Any], start_response: StartResponse
               ) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        try:
            user = orjson.loads(environ["wsgi.input"].read(length) if length else b"{}")["user"]
            groups = self.staff[user]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return self._reply(start_response, 400, JSON, orjson.dumps(
                {"statusCode": 400, "message": "user: one of " + ", ".join(self.staff)}))
        return self._reply(start_response, 200, JSON, orjson.dumps(
            {"user": user, "groups": list(groups), "token": sign(user, groups, self.secret)}))

    def _file(self, start_response: StartResponse, name: str) -> Iterable[bytes]:
        if self.console is None or not (self.console / "index.html").is_file():
            return self._reply(start_response, 404, JSON, orjson.dumps(
                {"statusCode": 404, "message": "the console is not built: make console"}))
        path = (self.console / name).resolve()
        if not path.is_relative_to(self.console) or not path.is_file():
            return self._reply(start_response, 404, JSON, orjson.dumps(
                {"statusCode": 404, "message": "not found"}))
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        cache = "no-cache" if name == "index.html" else "public, max-age=31536000, immutable"
        return self._reply(start_response, 200, {"Content-Type": kind, "Cache-Control": cache,
                                                 **CONSOLE_HEADERS}, path.read_bytes())

    @staticmethod
    def _reply(start_response: StartResponse, status: int, headers: dict[str, str],
               body: bytes) -> list[bytes]:
        pairs = [(k, str(v)) for k, v in headers.items()]
        pairs.append(("Content-Length", str(len(body))))
        start_response(f"{status} {REASONS.get(status, 'Status')}", pairs)
        return [body]

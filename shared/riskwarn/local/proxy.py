"""HTTP request ↔ API Gateway REST proxy event, as API Gateway builds them, so the staff
API's handler runs unchanged on the local stack. The authorizer's claims go where the
Cognito authorizer puts them (`requestContext.authorizer.claims`)."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

STAGE = "v1"


def proxy_event(method: str, target: str, headers: dict[str, str] | None = None,
                body: bytes | str | None = None, claims: dict[str, Any] | None = None,
                query: str | None = None) -> dict[str, Any]:
    """`target`: a path with its query string; or, with `query` given, the path alone,
    already decoded (a WSGI server's PATH_INFO: a `#` or `?` in it is part of the path)."""
    if query is None:
        url = urlsplit(target)
        path, query = url.path, url.query
    else:
        path = target
    multi = parse_qs(query, keep_blank_values=True)
    raw = body.encode() if isinstance(body, str) else body
    text: str | None = None
    b64 = False
    if raw:
        try:
            text = raw.decode()
        except UnicodeDecodeError:
            text, b64 = base64.b64encode(raw).decode(), True
    hdrs = dict(headers or {})
    now = datetime.now(UTC)
    return {
        "resource": path, "path": path, "httpMethod": method.upper(),
        "headers": hdrs, "multiValueHeaders": {k: [v] for k, v in hdrs.items()},
        "queryStringParameters": {k: v[-1] for k, v in multi.items()} or None,
        "multiValueQueryStringParameters": multi or None,
        "pathParameters": None, "stageVariables": None,
        "body": text, "isBase64Encoded": b64,
        "requestContext": {
            "resourcePath": path, "httpMethod": method.upper(), "path": path,
            "stage": STAGE, "requestId": str(uuid.uuid4()),
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "identity": {"sourceIp": "127.0.0.1"},
            "authorizer": {"claims": claims} if claims else None,
        },
    }

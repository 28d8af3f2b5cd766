"""A small HTTP client of the staff API (a bearer token, JSON in and out): what the demo's
scripted staff and `riskwarn calibrate --apply` use, so they meet the API's own checks."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

import orjson


class Unreachable(Exception):
    pass


class Api:
    def __init__(self, base: str, token: str) -> None:
        self.base = base.rstrip("/")
        self.token = token

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        req = urllib.request.Request(
            self.base + path, method=method,
            data=orjson.dumps(body) if body is not None else None,
            headers={"Authorization": f"Bearer {self.token}",
                     "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, orjson.loads(resp.read())
        except urllib.error.HTTPError as exc:
            return exc.code, orjson.loads(exc.read() or b"{}")
        except (urllib.error.URLError, OSError) as exc:
            raise Unreachable(f"cannot reach {self.base}: {exc}") from None

"""A small HTTP client of the staff API (a bearer token, JSON in and out): what the demo's
scripted staff, `riskwarn decide` and `riskwarn calibrate --apply` use, so they meet the
API's own checks (roles, four eyes, validation, the audit trail) with a staff identity."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import orjson

LOCAL_STATE = Path(".riskwarn") / "local.json"  # written by `riskwarn local up`


class Unreachable(Exception):
    pass


class NoApi(Exception):
    """No staff API or no token to call it with: a one-line usage error for a CLI."""


def for_cli(api_url: str | None, token: str | None, whose: str) -> Api:
    """The staff API a CLI command talks to: `--api-url` or the running local stack's, with
    `--token` or RISKWARN_TOKEN (`whose`: the role the command needs, for the message)."""
    base = api_url or os.environ.get("RISKWARN_API_URL") or _local_api()
    token = token or os.environ.get("RISKWARN_TOKEN")
    if not base:
        raise NoApi("no staff API: give --api-url or set RISKWARN_API_URL "
                    "(or start `riskwarn local up`)")
    if not token:
        raise NoApi(f"no token: give --token or set RISKWARN_TOKEN ({whose})")
    return Api(base, token)


def _local_api() -> str | None:
    if not LOCAL_STATE.exists():
        return None
    url = orjson.loads(LOCAL_STATE.read_bytes()).get("api")
    return str(url) if url else None


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

"""The local front door beside the API: the console's files with their security headers,
nothing outside the console's folder, and the local sign-in for the demo staff only."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import orjson

from riskwarn.local.front_door import FrontDoor
from riskwarn.local.tokens import DEMO_STAFF, verify

SECRET = "s" * 64


def _get(door: FrontDoor, path: str, method: str = "GET", body: bytes = b""
         ) -> tuple[str, dict[str, str], bytes]:
    out: dict[str, Any] = {}

    def start(status: str, headers: list[tuple[str, str]]) -> None:
        out["status"], out["headers"] = status, dict(headers)

    data = b"".join(door({"REQUEST_METHOD": method, "PATH_INFO": path,
                          "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)},
                         start))
    return out["status"], out["headers"], data


def _door(tmp_path: Path) -> tuple[FrontDoor, list[Any]]:
    (tmp_path / "dist" / "assets").mkdir(parents=True)
    (tmp_path / "dist" / "index.html").write_text("<html>console</html>")
    (tmp_path / "dist" / "assets" / "app.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("not for the browser")
    called: list[Any] = []
    return FrontDoor(lambda e: called.append(e) or {"statusCode": 200}, SECRET,
                     console=tmp_path / "dist"), called


def test_the_console_is_served_with_security_headers(tmp_path: Path) -> None:
    door, called = _door(tmp_path)
    status, headers, body = _get(door, "/")
    assert status == "200 OK" and body == b"<html>console</html>"
    assert headers["Content-Type"] == "text/html"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    status, headers, _ = _get(door, "/assets/app.js")
    assert status == "200 OK" and "javascript" in headers["Content-Type"]
    assert "immutable" in headers["Cache-Control"]
    assert called == []  # the API function is not asked for files


def test_nothing_outside_the_console_folder_is_served(tmp_path: Path) -> None:
    door, _ = _door(tmp_path)
    for path in ("/assets/../../secret.txt", "/assets/%2e%2e/secret.txt", "/assets/nope.js"):
        status, _, body = _get(door, path)
        assert status == "404 Not Found" and b"not for the browser" not in body


def test_an_unbuilt_console_says_how_to_build_it(tmp_path: Path) -> None:
    door = FrontDoor(lambda e: {"statusCode": 200}, SECRET, console=tmp_path / "missing")
    status, _, body = _get(door, "/")
    assert status == "404 Not Found" and b"make console" in body


def test_the_local_sign_in_signs_for_demo_staff_only(tmp_path: Path) -> None:
    door, _ = _door(tmp_path)
    status, _, body = _get(door, "/local/staff")
    assert {m["user"] for m in orjson.loads(body)["staff"]} == set(DEMO_STAFF)
    status, _, body = _get(door, "/local/token", "POST", b'{"user": "sue"}')
    doc = orjson.loads(body)
    assert status == "200 OK" and doc["groups"] == ["supervisor"]
    claims = verify(f"Bearer {doc['token']}", SECRET)
    assert claims["cognito:username"] == "sue"
    for bad in (b'{"user": "mallory"}', b"not json", b"{}"):
        status, _, body = _get(door, "/local/token", "POST", bad)
        assert status == "400 Bad Request" and b"one of" in body


def test_the_consoles_thresholds_form_knows_the_same_shares_as_the_api() -> None:
    import re

    from riskwarn.core.config import SHARES

    source = (Path(__file__).resolve().parents[2] / "console" / "src" / "thresholds.ts"
              ).read_text()
    block = source.split("export const SHARES = [", 1)[1].split("]", 1)[0]
    assert tuple(re.findall(r'"(\w+)"', block)) == SHARES


def test_the_consoles_thresholds_form_checks_the_same_lists_as_the_api() -> None:
    import re

    from riskwarn.core.config import LISTS

    source = (Path(__file__).resolve().parents[2] / "console" / "src" / "thresholds.ts"
              ).read_text()
    block = source.split("export const LISTS = {", 1)[1].split("} as const", 1)[0]
    found = dict(re.findall(r'(\w+): /\^(.+?)\$/', block))
    assert found == {name: pattern for name, pattern, _ in LISTS}

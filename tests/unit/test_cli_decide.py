"""`riskwarn decide` without a staff API or a token: a one-line error, exit 2."""

from __future__ import annotations

from typing import Any

import pytest

from riskwarn.cli import main


def test_decide_without_an_api_or_token_says_so_in_one_line(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Any) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RISKWARN_TOKEN", raising=False)
    monkeypatch.delenv("RISKWARN_API_URL", raising=False)
    assert main(["decide", "AL-1", "--outcome", "confirmed", "--note", "x"]) == 2
    assert capsys.readouterr().err.strip() == (
        "riskwarn decide: no staff API: give --api-url or set RISKWARN_API_URL "
        "(or start `riskwarn local up`)")
    assert main(["decide", "AL-1", "--outcome", "confirmed", "--note", "x",
                 "--api-url", "http://127.0.0.1:9"]) == 2
    assert "no token" in capsys.readouterr().err

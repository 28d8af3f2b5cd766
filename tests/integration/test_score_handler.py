"""functions/score/app.py itself: the environment the template gives it, powertools'
decorators, metrics out as EMF."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import orjson
import pytest

from riskwarn import process_cache
from riskwarn.core.config import DEFAULT_MODEL_PATH
from tests.builders import generate_context
from tests.integration.conftest import Stack
from tests.integration.test_stream import scenario

APP = Path(__file__).resolve().parents[2] / "functions" / "score" / "app.py"


def _load_app() -> Any:
    spec = importlib.util.spec_from_file_location("score_app", APP)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("stack", ["transact"], indirect=True)
def test_handler_runs_with_the_templates_environment_and_emits_metrics(
        stack: Stack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    # Given the function's environment exactly as the template sets it
    for key, value in stack.p.function_env("ScoreFunction").items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("RISKWARN_MODEL_PATH", str(DEFAULT_MODEL_PATH))  # not /opt locally
    process_cache.reset()  # the function builds its settings and ports afresh
    app = _load_app()
    event = stack.send([b"not json", *scenario()])
    try:
        # When Lambda invokes the handler
        response = app.lambda_handler(event, generate_context())
    finally:
        process_cache.reset()
    # Then it answers in the partial-failure shape and publishes its counts as metrics
    assert response == {"batchItemFailures": []}
    out = capsys.readouterr().out.splitlines()
    emf = [orjson.loads(line) for line in out if '"_aws"' in line]
    assert emf, "metrics are flushed by the handler's decorator"
    names = {m["Name"] for doc in emf for d in doc["_aws"]["CloudWatchMetrics"]
             for m in d["Metrics"]}
    assert {"RecordsReceived", "RecordsScored", "RecordsQuarantined", "AlertsRaised"} <= names
    quarantined = [doc["RecordsQuarantined"] for doc in emf if "RecordsQuarantined" in doc]
    assert quarantined == [[1.0]]  # one value in one EMF document
    (batch_log,) = [r for r in caplog.records if r.getMessage() == "batch scored"]
    assert batch_log.__dict__["quarantined"] == 1 and batch_log.__dict__["received"] == 36
    assert "ip" not in batch_log.__dict__ and "device_id" not in str(batch_log.__dict__)

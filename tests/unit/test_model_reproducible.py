"""`riskwarn train` reproduces the committed model byte for byte (same sha256)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import orjson
import pytest

from riskwarn.config import DEFAULT_MODEL_PATH
from riskwarn.model import card_path
from riskwarn.training import TrainSpec, train


@pytest.mark.slow
def test_training_reproduces_the_committed_model(tmp_path: Path) -> None:
    committed = orjson.loads(card_path(DEFAULT_MODEL_PATH).read_bytes())
    params = {k: committed["training"][k] for k in TrainSpec.__dataclass_fields__}
    card = train(TrainSpec(**params), tmp_path)
    produced = tmp_path / DEFAULT_MODEL_PATH.name
    assert hashlib.sha256(produced.read_bytes()).hexdigest() == committed["sha256"]
    assert card["sha256"] == committed["sha256"]
    assert card["typology_sha256"] == committed["typology_sha256"]
    assert card_path(produced).read_bytes() == card_path(DEFAULT_MODEL_PATH).read_bytes()

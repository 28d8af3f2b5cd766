"""`riskwarn train` reproduces the committed model byte for byte (same sha256).

Run as the command, in its own interpreter: what the rest of the test session left behind
(threads, library state) cannot touch the training it checks.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import orjson
import pytest

from riskwarn.core.config import DEFAULT_MODEL_PATH
from riskwarn.core.model import card_path
from riskwarn.offline.training import TrainSpec


@pytest.mark.slow
def test_training_reproduces_the_committed_model(tmp_path: Path) -> None:
    committed = orjson.loads(card_path(DEFAULT_MODEL_PATH).read_bytes())
    # the committed model was trained with the command's defaults (`make train`)
    spec = orjson.loads(orjson.dumps(asdict(TrainSpec())))  # tuples as the card's lists
    assert {k: committed["training"][k] for k in spec} == spec
    done = subprocess.run([sys.executable, "-m", "riskwarn.cli", "train", "--out-dir",
                           str(tmp_path)], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    produced = tmp_path / DEFAULT_MODEL_PATH.name
    assert hashlib.sha256(produced.read_bytes()).hexdigest() == committed["sha256"]
    card = orjson.loads(card_path(produced).read_bytes())
    assert card["typology_sha256"] == committed["typology_sha256"]
    assert card_path(produced).read_bytes() == card_path(DEFAULT_MODEL_PATH).read_bytes()


def test_the_export_lists_its_opsets_in_one_order() -> None:
    """The converter lists opsets in a set's order, which changed on a loaded machine and
    with it the model's bytes; the export sorts them."""
    import numpy as np
    import onnx

    from riskwarn.offline.training import INPUTS, _export, _lgbm

    rng = np.random.default_rng(0)
    x = rng.random((200, len(INPUTS)), dtype=np.float32)
    clf = _lgbm("binary", 3, 4, 0.1, 1).fit(x, (x[:, 0] > 0.5).astype(np.int32))
    model = onnx.load_from_string(_export(clf, "t"))
    domains = [o.domain for o in model.opset_import]
    assert domains == sorted(domains) and {"", "ai.onnx.ml"} <= set(domains)

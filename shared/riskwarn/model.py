"""The ONNX risk model: one session per process, one call per batch, explanations on demand.

The model is a multiclass gradient-boosted tree ensemble: class 0 is ordinary behaviour,
the others are typology codes. Risk = 1 - P(ordinary). Its card (`*.card.json` beside the
`.onnx`) names the features in input order, the classes, each feature's population
baseline (used to explain a score), the sha256 of the ONNX file and the training metrics.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import orjson

from riskwarn.features import FEATURE_NAMES, FEATURES, N_FEATURES

NORMAL = "NORMAL"
Matrix = npt.NDArray[np.float32]


class ModelError(Exception):
    """The model file or its card is missing, corrupt or does not fit this code."""


class ModelPort(Protocol):
    """What scoring needs of a model (tests pass small fakes)."""

    @property
    def version(self) -> str: ...

    @property
    def classes(self) -> tuple[str, ...]: ...

    def predict(self, matrix: Matrix) -> Matrix: ...

    def explain(self, rows: Matrix, top: int = 3, min_drop: float = 0.02) -> list[list[str]]: ...


def card_path(model_path: Path) -> Path:
    return model_path.with_suffix(".card.json")


@dataclass(frozen=True)
class RiskModel:
    version: str
    classes: tuple[str, ...]
    baselines: Matrix
    session: Any

    @classmethod
    def load(cls, model_path: Path) -> RiskModel:
        import onnxruntime as ort  # ~100 ms: only when a model is really needed

        try:
            blob = model_path.read_bytes()
            card = orjson.loads(card_path(model_path).read_bytes())
        except (OSError, orjson.JSONDecodeError) as exc:
            raise ModelError(f"cannot read model {model_path}: {exc}") from exc
        if hashlib.sha256(blob).hexdigest() != card.get("sha256"):
            raise ModelError(f"{model_path.name}: sha256 differs from its card")
        if tuple(card["features"]) != FEATURE_NAMES:
            raise ModelError(f"{model_path.name}: trained on other features; retrain it")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        session = ort.InferenceSession(blob, opts, providers=["CPUExecutionProvider"])
        baselines = np.asarray([card["baselines"][n] for n in FEATURE_NAMES], dtype=np.float32)
        return cls(card["version"], tuple(card["classes"]), baselines, session)

    def predict(self, matrix: Matrix) -> Matrix:
        """Class probabilities, one row per input row (one ONNX call)."""
        if not len(matrix):
            return np.zeros((0, len(self.classes)), dtype=np.float32)
        out = self.session.run(["probabilities"], {"input": matrix})[0]
        return np.asarray(out, dtype=np.float32)

    def explain(self, rows: Matrix, top: int = 3, min_drop: float = 0.02) -> list[list[str]]:
        """For each row, the features whose return to the population baseline lowers its
        risk most, as sentences. One ONNX call for all rows."""
        if not len(rows):
            return []
        n = len(rows)
        probe = np.repeat(rows, N_FEATURES, axis=0)
        idx = np.arange(n * N_FEATURES)
        cols = idx % N_FEATURES
        probe[idx, cols] = self.baselines[cols]
        base_risk = 1.0 - self.predict(rows)[:, 0]
        probe_risk = 1.0 - self.predict(probe)[:, 0].reshape(n, N_FEATURES)
        drops = base_risk[:, None] - probe_risk
        out: list[list[str]] = []
        for r in range(n):
            order = np.argsort(-drops[r])[:top]
            out.append([
                _describe(int(j), float(rows[r, j])) for j in order if drops[r, j] >= min_drop
            ])
        return out


def _describe(j: int, value: float) -> str:
    template = FEATURES[j][1]
    return template.format(v=value) if "{v" in template else template


@lru_cache(maxsize=4)
def load_model(model_path: Path) -> RiskModel:
    """One session per process (a Lambda container keeps it between invocations)."""
    return RiskModel.load(model_path)

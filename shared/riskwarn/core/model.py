"""The ONNX risk model: one session per process, one call per batch, explanations on demand.

Two gradient-boosted tree ensembles, each exported to ONNX:
- the *risk* model (binary: ordinary or an episode) scores every event, one call per
  batch; risk = P(episode);
- the *typology* model (ordinary + one class per typology code) names the most alike
  typology, run only on the few events whose risk reaches an alert.
Splitting them keeps the per-event cost to a small binary ensemble (the multiclass one is
13× the trees). The card (`*.card.json` beside the `.onnx`) names the features in input
order, the typology classes, each feature's population baseline (used to explain a
score), the sha256 of both ONNX files and the training metrics.
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

from riskwarn.core.feature_row import DESCRIPTIONS, FEATURE_NAMES

Matrix = npt.NDArray[np.float32]
NORMAL = "NORMAL"


class ModelError(Exception):
    """The model files or their card are missing, corrupt or do not fit this code."""


class ModelPort(Protocol):
    """What scoring needs of a model (tests pass small fakes)."""

    @property
    def version(self) -> str: ...

    @property
    def features(self) -> tuple[str, ...]:
        """The named feature columns the model reads, in its input order."""
        ...

    def risk(self, matrix: Matrix) -> Matrix: ...

    def typologies(self, rows: Matrix) -> list[str]: ...

    def explain(self, rows: Matrix, top: int = 3, min_drop: float = 0.02,
                currency: str = "CNY") -> list[list[str]]: ...


def card_path(model_path: Path) -> Path:
    return model_path.with_suffix(".card.json")


def typology_path(model_path: Path) -> Path:
    return model_path.with_suffix(".typology.onnx")


def _session(blob: bytes) -> Any:
    import onnxruntime as ort  # ~100 ms: only when a model is really needed

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    return ort.InferenceSession(blob, opts, providers=["CPUExecutionProvider"])


@dataclass(frozen=True)
class RiskModel:
    version: str
    features: tuple[str, ...]  # input columns by name (the card's list)
    classes: tuple[str, ...]  # the typology model's output columns, NORMAL first
    baselines: Matrix
    risk_session: Any
    typology_session: Any

    @classmethod
    def load(cls, model_path: Path) -> RiskModel:
        try:
            blob = model_path.read_bytes()
            typ_blob = typology_path(model_path).read_bytes()
            card = orjson.loads(card_path(model_path).read_bytes())
        except (OSError, orjson.JSONDecodeError) as exc:
            raise ModelError(f"cannot read model {model_path}: {exc}") from exc
        if hashlib.sha256(blob).hexdigest() != card.get("sha256"):
            raise ModelError(f"{model_path.name}: sha256 differs from its card")
        if hashlib.sha256(typ_blob).hexdigest() != card.get("typology_sha256"):
            raise ModelError(f"{typology_path(model_path).name}: sha256 differs from its card")
        if card["classes"][0] != NORMAL:
            raise ModelError(f"{model_path.name}: the typology model must start with {NORMAL}")
        features = tuple(card["features"])
        unknown = sorted(set(features) - set(FEATURE_NAMES))
        if unknown or not features:
            raise ModelError(f"{model_path.name}: reads features this code does not compute "
                             f"({', '.join(unknown) or 'none listed'}); retrain it")
        baselines = np.asarray([card["baselines"][n] for n in features], dtype=np.float32)
        return cls(card["version"], features, tuple(card["classes"]), baselines,
                   _session(blob), _session(typ_blob))

    def risk(self, matrix: Matrix) -> Matrix:
        """P(episode) per row (one ONNX call)."""
        if not len(matrix):
            return np.zeros(0, dtype=np.float32)
        out = self.risk_session.run(["probabilities"], {"input": matrix})[0]
        return np.asarray(out, dtype=np.float32)[:, 1]

    def typology_probabilities(self, rows: Matrix) -> Matrix:
        if not len(rows):
            return np.zeros((0, len(self.classes)), dtype=np.float32)
        out = self.typology_session.run(["probabilities"], {"input": rows})[0]
        return np.asarray(out, dtype=np.float32)

    def typologies(self, rows: Matrix) -> list[str]:
        """The most alike typology per row, ordinary left aside (one ONNX call, for alert
        rows only)."""
        if not len(rows):
            return []
        probs = self.typology_probabilities(rows)
        return [self.classes[1 + int(i)] for i in np.argmax(probs[:, 1:], axis=1)]

    def explain(self, rows: Matrix, top: int = 3, min_drop: float = 0.02,
                currency: str = "CNY") -> list[list[str]]:
        """For each row, the features whose return to the population baseline lowers its
        risk most, as sentences. One ONNX call for all rows."""
        if not len(rows):
            return []
        n, width = rows.shape
        probe = np.repeat(rows, width, axis=0)
        idx = np.arange(n * width)
        cols = idx % width
        probe[idx, cols] = self.baselines[cols]
        both = self.risk(np.concatenate([rows, probe]))
        drops = both[:n, None] - both[n:].reshape(n, width)
        out: list[list[str]] = []
        for r in range(n):
            said: list[str] = []
            for j in np.argsort(-drops[r]):
                if len(said) == top or drops[r, j] < min_drop:
                    break
                text = describe(self.features[int(j)], float(rows[r, j]), currency)
                if text is not None:
                    said.append(text)
            out.append(said)
        return out


# A flag the event does not have, where its absence says something (a flag's template
# states it present: "money leaving the account" is no reason on money coming in)
ABSENT = {"is_debit": "money coming into the account"}


def describe(feature: str, value: float, currency: str = "CNY") -> str | None:
    """A feature's value as a person reads it; amounts in the reporting currency. None for
    a flag the event does not have, unless its absence reads as something (ABSENT)."""
    template = DESCRIPTIONS[feature]
    if feature == "new_access_strong" and value < 1.0:  # features_other_events._login's levels
        if value <= 0.0:
            return "the new access was the customer's own device in a new country"
        return "the new access came from a new device" + (
            " with a password alone" if value >= 0.75 else "")
    if "{" in template:
        return template.format(v=value, cur=currency)
    return template if value > 0.0 else ABSENT.get(feature)


@lru_cache(maxsize=4)
def load_model(model_path: Path) -> RiskModel:
    """One pair of sessions per process (a Lambda container keeps them between batches)."""
    return RiskModel.load(model_path)

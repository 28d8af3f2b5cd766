"""Drift: how far today's book has moved from the one the model was calibrated on.

The calibration baseline keeps, per model input, the deciles of the book's history and the
share of events in each; the population stability index (PSI) of new events against it is
`Σ (a − e) · ln(a / e)` over the bins (0.1: a shift worth a look, 0.25: recalibrate). The
score function emits it per batch as metrics (`PSI_<feature>`, `FeaturePSIMax`); the
backtest reports it over a whole file. A batch of a few hundred events carries sampling
noise of about bins / n, so alarms read a day's average, not one batch.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict

Matrix = npt.NDArray[np.float32]

BINS = 10
EPS = 1e-4


class DriftBaseline(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    edges: dict[str, list[float]]  # inner bin edges per feature (ascending, unique)
    shares: dict[str, list[float]]  # share of the history in each bin (len(edges) + 1)
    events: int


def baseline_of(matrix: Matrix, names: Sequence[str]) -> DriftBaseline:
    edges: dict[str, list[float]] = {}
    shares: dict[str, list[float]] = {}
    for j, name in enumerate(names):
        col = matrix[:, j]
        inner = np.unique(np.quantile(col, np.linspace(0, 1, BINS + 1)[1:-1]))
        edges[name] = [float(x) for x in inner]
        shares[name] = [round(float(x), 6) for x in _shares(col, inner)]
    return DriftBaseline(edges=edges, shares=shares, events=len(matrix))


def _shares(col: Matrix, inner: np.ndarray) -> np.ndarray:
    counts = np.bincount(np.searchsorted(inner, col, side="right"), minlength=len(inner) + 1)
    return counts / max(len(col), 1)


def counts(baseline: DriftBaseline, matrix: Matrix, names: Sequence[str]
           ) -> dict[str, np.ndarray]:
    """Events per baseline bin, per feature the baseline knows (for summing over batches)."""
    out = {}
    for j, name in enumerate(names):
        inner = baseline.edges.get(name)
        if inner is None:
            continue
        out[name] = np.bincount(np.searchsorted(np.asarray(inner), matrix[:, j], side="right"),
                                minlength=len(inner) + 1)
    return out


def psi_of_counts(baseline: DriftBaseline, binned: dict[str, np.ndarray]
                  ) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, c in binned.items():
        total = c.sum()
        if not total:
            continue
        a = np.maximum(c / total, EPS)
        e = np.maximum(np.asarray(baseline.shares[name]), EPS)
        out[name] = round(float(np.sum((a - e) * np.log(a / e))), 4)
    return out


def psi(baseline: DriftBaseline, matrix: Matrix, names: Sequence[str]) -> dict[str, float]:
    return psi_of_counts(baseline, counts(baseline, matrix, names))

"""A fake model port: risk is read from one feature, so tests choose it per event."""

from __future__ import annotations

import numpy as np

from riskwarn.features import IX
from riskwarn.model import NORMAL, Matrix
from riskwarn.typologies import TYPOLOGIES


class FakeModel:
    """P(ordinary) = 1 - risk, where risk comes from `risk_by_amount[amount]` (default 0);
    the rest of the probability goes to `typology`."""

    version = "fake-1"
    classes = (NORMAL, *TYPOLOGIES)

    def __init__(self, risk_by_amount: dict[float, float] | None = None,
                 typology: str = "AML-STRUCTURING") -> None:
        self.risk_by_amount = risk_by_amount or {}
        self.typology = typology
        self.explained = 0

    def predict(self, matrix: Matrix) -> Matrix:
        out = np.zeros((len(matrix), len(self.classes)), dtype=np.float32)
        col = self.classes.index(self.typology)
        for i, amount in enumerate(matrix[:, IX["amount"]]):
            risk = self.risk_by_amount.get(round(float(amount), 2), 0.0)
            out[i, 0] = 1.0 - risk
            out[i, col] = risk
        return out

    def explain(self, rows: Matrix, top: int = 3, min_drop: float = 0.02) -> list[list[str]]:
        self.explained += len(rows)
        return [["amount stood out"] for _ in range(len(rows))]

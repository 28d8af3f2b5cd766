"""A fake model port: risk is read from one feature, so tests choose it per event."""

from __future__ import annotations

import numpy as np

from riskwarn.core.model import Matrix


class FakeModel:
    """Risk is read from `risk_by_amount[amount]` (default 0); every model-driven alert is
    most like `typology`."""

    version = "fake-1"
    features = ("amount", "is_debit")

    def __init__(self, risk_by_amount: dict[float, float] | None = None,
                 typology: str = "AML-STRUCTURING") -> None:
        self.risk_by_amount = risk_by_amount or {}
        self.typology = typology
        self.explained = 0

    def risk(self, matrix: Matrix) -> Matrix:
        return np.asarray([self.risk_by_amount.get(round(float(a), 2), 0.0)
                           for a in matrix[:, 0]], dtype=np.float32)

    def typologies(self, rows: Matrix) -> list[str]:
        return [self.typology] * len(rows)

    def explain(self, rows: Matrix, top: int = 3, min_drop: float = 0.02,
                currency: str = "CNY") -> list[list[str]]:
        self.explained += len(rows)
        return [["amount stood out"] for _ in range(len(rows))]

"""The Foster–Greer–Thorbecke measures (Foster, Greer and Thorbecke 1984, Econometrica 52(3), 761–766).

    P_a = Σ w_i (1 − y_i/z)^a · [y_i ≤ z] / Σ w_i

The poor are those whose income is no greater than the line `z`, as the exit rule keeps a household whose income
equals the line. Pure functions over arrays (NumPy, or anything `numpy.asarray` takes: Arrow arrays, lists); the
computation is vectorised, never a loop over rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt


class MeasureError(ValueError):
    """The inputs cannot be measured (an empty population, a line that is not positive, a negative weight …)."""


@dataclass(frozen=True)
class FGT:
    """The FGT family at one line.

    `poor` is the (weighted) number of the poor, `population` the (weighted) number of all; `income_gap` is the
    total (weighted) shortfall of the poor below the line, Σ w_i (z − y_i) · [y_i ≤ z], in the incomes' unit."""

    n: int
    population: float
    poor: float
    income_gap: float
    P0: float
    P1: float
    P2: float


def as_vector(values: Any, name: str) -> npt.NDArray[np.float64]:
    """A one-dimensional float array of finite values (Arrow arrays and chunked arrays are accepted)."""
    if hasattr(values, "combine_chunks"):
        values = values.combine_chunks()
    if hasattr(values, "to_numpy"):
        values = values.to_numpy(zero_copy_only=False)
    vector = np.asarray(values, dtype=np.float64)
    if vector.ndim != 1:
        raise MeasureError(f"{name} must be one-dimensional")
    if not np.isfinite(vector).all():
        raise MeasureError(f"{name} must be finite numbers")
    return vector


def sample_weights(weights: Any, n: int) -> npt.NDArray[np.float64]:
    """The sample weights, or ones; refused when negative, of the wrong length or summing to zero."""
    if weights is None:
        return np.ones(n, dtype=np.float64)
    vector = as_vector(weights, "weights")
    if len(vector) != n:
        raise MeasureError(f"weights has {len(vector)} values for {n} rows")
    if (vector < 0).any():
        raise MeasureError("weights must not be negative")
    if n and vector.sum() <= 0:
        raise MeasureError("the weights sum to zero")
    return vector


def fgt(incomes: Any, line: float, weights: Any = None) -> FGT:
    """P0 (headcount ratio), P1 (poverty gap index) and P2 (squared poverty gap) of `incomes` at `line`."""
    y = as_vector(incomes, "incomes")
    if len(y) == 0:
        raise MeasureError("no incomes to measure")
    if not np.isfinite(line) or line <= 0:
        raise MeasureError("the line must be a positive number")
    if (y < 0).any():
        raise MeasureError("incomes must not be negative")
    w = sample_weights(weights, len(y))
    total = float(w.sum())
    poor = y <= line
    gap = np.where(poor, 1.0 - y / line, 0.0)  # the normalised shortfall, 0 for the non-poor
    return FGT(
        n=len(y),
        population=total,
        poor=float(w[poor].sum()),
        income_gap=float((w * gap).sum() * line),
        P0=float(w[poor].sum() / total),
        P1=float((w * gap).sum() / total),
        P2=float((w * gap**2).sum() / total),
    )

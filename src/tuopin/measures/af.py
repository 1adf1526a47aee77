"""The Alkire–Foster counting method (Alkire and Foster 2011, "Counting and multidimensional poverty measurement",
Journal of Public Economics 95(7–8), 476–487; Alkire, Foster, Seth, Santos, Roche and Ballon 2015, "Multidimensional
Poverty Measurement and Analysis", Oxford University Press, chapter 5).

Each person has a 0/1 deprivation in each indicator (the deprivation cutoffs already applied) and indicator weights
normalised to sum to 1. The deprivation score c_i = Σ_j w_j g_ij; a person is poor when c_i ≥ k (compared with a
tolerance of 1e-9, so that thirds summed in floating point meet k = 1/3). With sample weights s_i:

    H  = Σ s_i [poor_i] / Σ s_i                       the multidimensional headcount ratio
    A  = Σ s_i [poor_i] c_i / Σ s_i [poor_i]          the intensity (average score of the poor; 0 when nobody is poor)
    M0 = H × A = Σ s_i [poor_i] c_i / Σ s_i           the adjusted headcount ratio
    CH_j = Σ s_i [poor_i] g_ij / Σ s_i                the censored headcount ratio of indicator j
    contribution_j = w_j × CH_j / M0                  (0 for every indicator when M0 = 0: nothing to apportion)

Decomposed by subgroup, each group g has its own H, A, M0, its population share (Σ s over g / Σ s) and its
contribution to the total share × M0_g / M0 (0 when M0 = 0). The contributions of the indicators, and those of the
groups, each sum to 1 when M0 > 0. Vectorised: sums are masked sums and bincounts, never a loop over rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tuopin.measures.fgt import MeasureError, as_vector, sample_weights

TOLERANCE = 1e-9


@dataclass(frozen=True)
class Group:
    H: float
    A: float
    M0: float
    population_share: float
    contribution: float


@dataclass(frozen=True)
class AlkireFoster:
    n: int
    H: float
    A: float
    M0: float
    censored_headcounts: dict[str, float]
    contributions: dict[str, float]
    groups: dict[str, Group]


def normalised_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """The indicator weights scaled to sum to 1; each must be a positive finite number."""
    if not weights:
        raise MeasureError("no indicator weights")
    values = np.array([float(v) for v in weights.values()], dtype=np.float64)
    if not np.isfinite(values).all() or (values <= 0).any():
        raise MeasureError("indicator weights must be positive numbers")
    return dict(zip(weights, (values / values.sum()).tolist(), strict=True))


def check_cutoff(k: float) -> None:
    if not np.isfinite(k) or not 0 < k <= 1:
        raise MeasureError("the poverty cutoff k must lie in (0, 1]")


def alkire_foster(
    deprivations: Mapping[str, Any],
    weights: Mapping[str, float],
    k: float,
    *,
    sample: Any = None,
    groups: Any = None,
    group_names: Sequence[str] = (),
) -> AlkireFoster:
    """H, A, M0, censored headcounts and contributions of `deprivations` ({indicator: 0/1 array}) under `weights`
    ({indicator: weight}, normalised here) and cutoff `k`; decomposed by `groups` (an array of labels, one a row)
    when given. `group_names` lists groups to report even when no row belongs to them (all figures 0)."""
    check_cutoff(k)
    w = normalised_weights(weights)
    if set(deprivations) != set(w):
        raise MeasureError("the deprivations and the weights must name the same indicators")
    names = list(w)
    g = np.column_stack([as_vector(deprivations[name], name) for name in names])
    if not np.isin(g, (0.0, 1.0)).all():
        raise MeasureError("deprivations must be 0 or 1")
    n = g.shape[0]
    if n == 0:
        raise MeasureError("no rows to measure")
    s = sample_weights(sample, n)
    score = g @ np.array([w[name] for name in names])
    poor = score >= k - TOLERANCE
    censored = np.where(poor, score, 0.0)
    total = float(s.sum())
    m0 = float((s * censored).sum() / total)
    headcount = float(s[poor].sum() / total)
    censored_headcounts = ((s * poor) @ g / total).tolist()
    return AlkireFoster(
        n=n,
        H=headcount,
        A=m0 / headcount if headcount else 0.0,
        M0=m0,
        censored_headcounts=dict(zip(names, censored_headcounts, strict=True)),
        contributions={
            name: (w[name] * ch / m0 if m0 else 0.0)
            for name, ch in zip(names, censored_headcounts, strict=True)
        },
        groups={} if groups is None else _decompose(groups, group_names, s, poor, censored, m0),
    )


def _decompose(
    groups: Any,
    group_names: Sequence[str],
    s: npt.NDArray[np.float64],
    poor: npt.NDArray[np.bool_],
    censored: npt.NDArray[np.float64],
    m0: float,
) -> dict[str, Group]:
    if hasattr(groups, "to_pylist"):
        groups = groups.to_pylist()
    labels = np.asarray(groups, dtype=str)
    if labels.shape != s.shape:
        raise MeasureError("groups must have one label a row")
    found, index = np.unique(labels, return_inverse=True)
    names = sorted(set(found.tolist()) | set(group_names))
    position = {name: i for i, name in enumerate(found.tolist())}
    size = np.bincount(index, weights=s, minlength=len(found))
    poor_size = np.bincount(index, weights=s * poor, minlength=len(found))
    score_sum = np.bincount(index, weights=s * censored, minlength=len(found))
    total = float(s.sum())
    result = {}
    for name in names:  # one entry a group, not a row
        i = position.get(name)
        if i is None or size[i] == 0:
            result[name] = Group(H=0.0, A=0.0, M0=0.0, population_share=0.0, contribution=0.0)
            continue
        share = float(size[i] / total)
        group_m0 = float(score_sum[i] / size[i])
        result[name] = Group(
            H=float(poor_size[i] / size[i]),
            A=float(score_sum[i] / poor_size[i]) if poor_size[i] else 0.0,
            M0=group_m0,
            population_share=share,
            contribution=share * group_m0 / m0 if m0 else 0.0,
        )
    return result

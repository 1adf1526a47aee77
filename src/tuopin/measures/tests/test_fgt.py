"""The FGT family as pure functions: hand-computed cases and the definition of Foster, Greer and Thorbecke (1984)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from tuopin.measures.fgt import MeasureError, fgt


def test_it_counts_an_income_equal_to_the_line_as_poor() -> None:
    # y = (100, 50, 200), z = 100: the poor are 100 (gap 0) and 50 (gap 1/2).
    # P0 = 2/3; P1 = (0 + 1/2) / 3 = 1/6; P2 = (0 + 1/4) / 3 = 1/12; income gap = 0 + 50 = 50.
    result = fgt(np.array([100.0, 50.0, 200.0]), 100.0)
    assert pytest.approx(2 / 3) == result.P0
    assert pytest.approx(1 / 6) == result.P1
    assert pytest.approx(1 / 12) == result.P2
    assert (result.n, result.poor, result.income_gap) == (3, 2.0, 50.0)


def test_it_weights_persons() -> None:
    # y = (100, 50, 200), w = (1, 2, 1), z = 100: Σw = 4, poor weight 1 + 2 = 3.
    # P0 = 3/4; P1 = 2 × 1/2 / 4 = 1/4; P2 = 2 × 1/4 / 4 = 1/8; income gap = 2 × 50 = 100.
    result = fgt([100, 50, 200], 100, weights=[1, 2, 1])
    assert pytest.approx((0.75, 0.25, 0.125)) == (result.P0, result.P1, result.P2)
    assert (result.population, result.poor, result.income_gap) == (4.0, 3.0, 100.0)


def test_it_equals_the_replicated_population_with_integer_weights() -> None:
    weighted = fgt([30, 80, 120], 100, weights=[3, 1, 2])
    replicated = fgt([30, 30, 30, 80, 120, 120], 100)
    assert pytest.approx((replicated.P0, replicated.P1, replicated.P2)) == (
        weighted.P0,
        weighted.P1,
        weighted.P2,
    )


def test_it_follows_foster_greer_thorbecke_1984() -> None:
    """Foster, J., Greer, J. and Thorbecke, E. (1984), "A class of decomposable poverty measures", Econometrica
    52(3), 761–766: P_a = (1/n) Σ_{i ≤ q} ((z − y_i)/z)^a, and the measures are additively decomposable,
    P_a = Σ_j (n_j/n) P_a,j (their equation (2) and the decomposition that follows it).

    Hand computation, z = 10, y = (2, 4, 6, 10, 12, 20), n = 6, q = 4 (10 = z is poor):
    gaps (z − y)/z = 0.8, 0.6, 0.4, 0.0
    P0 = 4/6 = 0.666…; P1 = (0.8 + 0.6 + 0.4 + 0) / 6 = 1.8/6 = 0.3; P2 = (0.64 + 0.36 + 0.16 + 0) / 6 = 1.16/6.
    Split into A = (2, 4, 12) and B = (6, 10, 20): P2_A = (0.64 + 0.36)/3 = 1/3, P2_B = 0.16/3;
    (3/6)·(1/3) + (3/6)·(0.16/3) = 1.16/6, the whole's P2."""
    whole = fgt([2, 4, 6, 10, 12, 20], 10)
    assert pytest.approx((4 / 6, 0.3, 1.16 / 6)) == (whole.P0, whole.P1, whole.P2)
    part_a, part_b = fgt([2, 4, 12], 10), fgt([6, 10, 20], 10)
    assert pytest.approx(1 / 3) == part_a.P2
    assert pytest.approx(whole.P2) == 0.5 * part_a.P2 + 0.5 * part_b.P2
    assert pytest.approx(whole.P1) == 0.5 * part_a.P1 + 0.5 * part_b.P1


def test_it_reads_arrow_arrays() -> None:
    chunked = pa.chunked_array([[2.0, 4.0], [6.0, 10.0, 12.0, 20.0]])
    assert pytest.approx(0.3) == fgt(chunked, 10, weights=pa.array([1, 1, 1, 1, 1, 1])).P1


def test_it_gives_zero_when_nobody_is_poor() -> None:
    result = fgt([101, 200], 100)
    assert (result.P0, result.P1, result.P2, result.poor, result.income_gap) == (0, 0, 0, 0, 0)


@pytest.mark.parametrize(
    ("incomes", "line", "weights", "message"),
    [
        ([], 100, None, "no incomes"),
        ([1, 2], 0, None, "line must be a positive"),
        ([1, -2], 100, None, "incomes must not be negative"),
        ([1, float("nan")], 100, None, "finite"),
        ([1, 2], 100, [1, -1], "weights must not be negative"),
        ([1, 2], 100, [0, 0], "sum to zero"),
        ([1, 2], 100, [1], "2 rows"),
    ],
)
def test_it_refuses_what_cannot_be_measured(
    incomes: list[float], line: float, weights: list[float] | None, message: str
) -> None:
    with pytest.raises(MeasureError, match=message):
        fgt(incomes, line, weights)

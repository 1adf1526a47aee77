"""The Alkire–Foster measures as pure functions: the literature's example and hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest

from tuopin.measures.af import alkire_foster
from tuopin.measures.fgt import MeasureError

# Alkire and Foster (2011), section 2: the achievement matrix of four persons in four dimensions
#     y = [[13.1, 14, 4, 1], [15.2, 7, 5, 0], [12.5, 10, 1, 0], [20, 11, 3, 1]]   cutoffs z = (13, 12, 3, 1)
# A person is deprived where y_ij < z_j, which gives the deprivation matrix g0 (rows are persons):
#     person 1: 0 0 0 0   (13.1 ≥ 13, 14 ≥ 12, 4 ≥ 3, 1 ≥ 1)      count c = 0
#     person 2: 0 1 0 1   (7 < 12, 0 < 1)                            c = 2
#     person 3: 1 1 1 1   (12.5 < 13, 10 < 12, 1 < 3, 0 < 1)         c = 4
#     person 4: 0 1 0 0   (11 < 12; 3 is not below 3)                c = 1
AF2011 = {
    "income": [0, 0, 1, 0],
    "schooling": [0, 1, 1, 1],
    "nutrition": [0, 0, 1, 0],
    "health": [0, 1, 1, 0],
}
EQUAL = dict.fromkeys(AF2011, 1.0)


def test_it_reproduces_alkire_foster_2011() -> None:
    """Alkire, S. and Foster, J. (2011), "Counting and multidimensional poverty measurement", Journal of Public
    Economics 95(7–8), 476–487, the four-person example of section 2 (matrix above), equal weights, k = 2 of 4.

    Poor: persons 2 (c = 2) and 3 (c = 4): H = 2/4 = 1/2; A = (2/4 + 4/4) / 2 = 3/4; M0 = H × A = 3/8 = 6/16,
    the paper's value (the censored matrix has 6 deprivations of 16 entries).
    Censored headcounts (persons 2 and 3 only): income 1/4, schooling 2/4 (person 4 is censored), nutrition 1/4,
    health 2/4; Σ w_j CH_j = (1/4)(1/4 + 1/2 + 1/4 + 1/2) = 3/8 = M0.
    Contributions w_j CH_j / M0: income (1/16)/(3/8) = 1/6, schooling 1/3, nutrition 1/6, health 1/3."""
    result = alkire_foster(AF2011, EQUAL, 0.5)
    assert (result.n, result.H, result.A, result.M0) == (4, 0.5, 0.75, pytest.approx(6 / 16))
    assert result.censored_headcounts == pytest.approx(
        {"income": 0.25, "schooling": 0.5, "nutrition": 0.25, "health": 0.5}
    )
    assert result.contributions == pytest.approx(
        {"income": 1 / 6, "schooling": 1 / 3, "nutrition": 1 / 6, "health": 1 / 3}
    )
    assert result.groups == {}


def test_it_spans_union_and_intersection_as_alkire_foster_2011() -> None:
    """Alkire and Foster (2011), section 3: k = 1 deprivation of d is the union approach, k = d the intersection.

    Union (k = 1/4): persons 2, 3, 4 are poor: H = 3/4, scores 1/2, 1, 1/4: A = (7/4)/3 = 7/12, M0 = 7/16.
    Intersection (k = 1): person 3 only: H = 1/4, A = 1, M0 = 1/4."""
    union = alkire_foster(AF2011, EQUAL, 0.25)
    assert pytest.approx((0.75, 7 / 12, 7 / 16)) == (union.H, union.A, union.M0)
    intersection = alkire_foster(AF2011, EQUAL, 1.0)
    assert pytest.approx((0.25, 1.0, 0.25)) == (intersection.H, intersection.A, intersection.M0)


def test_it_normalises_the_weights() -> None:
    assert alkire_foster(AF2011, dict.fromkeys(AF2011, 0.25), 0.5) == alkire_foster(AF2011, EQUAL, 0.5)


def test_it_counts_a_score_that_meets_k_exactly_as_poor() -> None:
    # Weights (0.1, 0.2, 0.7); a person deprived in a and c scores 0.1 + 0.7, which floating point sums to
    # 0.7999999999999999 < 0.8: the tolerance of 1e-9 makes them poor, as k = 0.8 is met.
    deprivations = {"a": [1, 0], "b": [0, 1], "c": [1, 0]}
    result = alkire_foster(deprivations, {"a": 0.1, "b": 0.2, "c": 0.7}, 0.8)
    assert result.H == 0.5
    assert pytest.approx(0.4) == result.M0
    # Just below k is not poor: 0.8 < 0.8 + 1e-6.
    assert alkire_foster(deprivations, {"a": 0.1, "b": 0.2, "c": 0.7}, 0.800001).H == 0


def test_it_weights_persons() -> None:
    # Two persons: p deprived in a and b (score 1), q in a only (score 1/2); k = 1/2, sample weights p 3, q 1.
    # Σs = 4; both poor: H = 1; A = (3·1 + 1·1/2)/4 = 7/8 = M0.
    # CH_a = (3 + 1)/4 = 1, CH_b = 3/4; contributions: a (1/2·1)/(7/8) = 4/7, b (1/2·3/4)/(7/8) = 3/7.
    result = alkire_foster({"a": [1, 1], "b": [1, 0]}, {"a": 1, "b": 1}, 0.5, sample=[3, 1])
    assert pytest.approx((1.0, 7 / 8, 7 / 8)) == (result.H, result.A, result.M0)
    assert result.censored_headcounts == pytest.approx({"a": 1.0, "b": 0.75})
    assert result.contributions == pytest.approx({"a": 4 / 7, "b": 3 / 7})
    replicated = alkire_foster({"a": [1, 1, 1, 1], "b": [1, 1, 1, 0]}, {"a": 1, "b": 1}, 0.5)
    assert pytest.approx((result.H, result.A, result.M0)) == (replicated.H, replicated.A, replicated.M0)


def test_it_decomposes_by_subgroup() -> None:
    """Subgroup decomposability (Alkire and Foster 2011, section 4; Alkire et al. 2015, Multidimensional Poverty
    Measurement and Analysis, OUP, chapter 5): M0 = Σ_g share_g × M0_g, and the contributions sum to 1.

    The AF 2011 matrix with persons 1, 2 in group "x" and 3, 4 in "y", k = 1/2, sample weights (1, 1, 2, 0):
    Σs = 4. Group x: share 2/4; poor: person 2 (score 1/2): H_x = 1/2, A_x = 1/2, M0_x = 1/4.
    Group y: share 2/4 (person 4 weighs 0); poor: person 3 (score 1, weight 2): H_y = 1, A_y = 1, M0_y = 1.
    Total M0 = (1·1/2 + 2·1)/4 = 5/8 = 1/2 · 1/4 + 1/2 · 1. Contributions: x (1/2 · 1/4)/(5/8) = 1/5, y 4/5.
    Group "z" is named but empty: every figure 0."""
    result = alkire_foster(
        AF2011, EQUAL, 0.5, sample=[1, 1, 2, 0], groups=["x", "x", "y", "y"], group_names=["z"]
    )
    assert pytest.approx(5 / 8) == result.M0
    x, y, z = result.groups["x"], result.groups["y"], result.groups["z"]
    assert (x.H, x.A, x.M0, x.population_share, x.contribution) == pytest.approx((0.5, 0.5, 0.25, 0.5, 0.2))
    assert (y.H, y.A, y.M0, y.population_share, y.contribution) == pytest.approx((1, 1, 1, 0.5, 0.8))
    assert (z.H, z.A, z.M0, z.population_share, z.contribution) == (0, 0, 0, 0, 0)
    assert list(result.groups) == ["x", "y", "z"]


def test_it_gives_a_group_without_poor_zero_intensity() -> None:
    result = alkire_foster(AF2011, EQUAL, 0.5, groups=["rich", "poor", "poor", "rich"])
    rich = result.groups["rich"]
    assert (rich.H, rich.A, rich.M0, rich.contribution) == (0, 0, 0, 0)
    assert rich.population_share == 0.5
    assert result.groups["poor"].contribution == pytest.approx(1.0)


def test_it_defines_contributions_as_zero_when_nobody_is_poor() -> None:
    # M0 = 0: there is nothing to apportion, so every contribution (of indicators and of groups) is 0, not NaN.
    result = alkire_foster({"a": [0, 1], "b": [0, 0]}, {"a": 1, "b": 1}, 1.0, groups=["g", "h"])
    assert (result.H, result.A, result.M0) == (0, 0, 0)
    assert result.contributions == {"a": 0, "b": 0}
    assert result.censored_headcounts == {"a": 0, "b": 0}
    assert {g.contribution for g in result.groups.values()} == {0}


def test_it_works_on_a_million_rows_without_a_loop() -> None:
    rng = np.random.default_rng(17)
    deprivations = {name: rng.integers(0, 2, 1_000_000) for name in "abcd"}
    result = alkire_foster(deprivations, EQUAL_ABCD, 0.5, groups=rng.integers(0, 3, 1_000_000).astype(str))
    assert sum(result.contributions.values()) == pytest.approx(1.0)
    assert sum(g.contribution for g in result.groups.values()) == pytest.approx(1.0)
    assert pytest.approx(sum(g.population_share * g.M0 for g in result.groups.values())) == result.M0


EQUAL_ABCD = dict.fromkeys("abcd", 1.0)


@pytest.mark.parametrize(
    ("deprivations", "weights", "k", "message"),
    [
        ({"a": [1]}, {"a": 1}, 0, "k must lie in"),
        ({"a": [1]}, {"a": 1}, 1.5, "k must lie in"),
        ({"a": [2]}, {"a": 1}, 0.5, "0 or 1"),
        ({"a": [1]}, {"a": -1}, 0.5, "positive"),
        ({"a": [1]}, {"a": 1, "b": 1}, 0.5, "same indicators"),
        ({"a": []}, {"a": 1}, 0.5, "no rows"),
    ],
)
def test_it_refuses_what_cannot_be_measured(
    deprivations: dict[str, list[int]], weights: dict[str, float], k: float, message: str
) -> None:
    with pytest.raises(MeasureError, match=message):
        alkire_foster(deprivations, weights, k)


# The global MPI's ten indicators and nested weights (Alkire and Santos 2014, "Measuring acute poverty in the
# developing world: robustness and scope of the Multidimensional Poverty Index", World Development 59, 251–274,
# section 3 and table 1; UNDP Human Development Report 2010, technical note 4): health and education 1/6 each
# indicator, the six living-standard indicators 1/18 each, poor when the weighted score is at least k = 1/3.
GLOBAL_MPI = {
    "nutrition": 1 / 6,
    "child_mortality": 1 / 6,
    "schooling": 1 / 6,
    "attendance": 1 / 6,
    **dict.fromkeys(("cooking_fuel", "sanitation", "water", "electricity", "floor", "assets"), 1 / 18),
}
LIVING = ("cooking_fuel", "sanitation", "water", "electricity", "floor", "assets")


def test_it_identifies_the_poor_of_the_global_mpi_at_exactly_one_third() -> None:
    """The examples the MPI's authors give of who is poor at k = 1/3: a child malnourished and the most educated
    member with too few years of schooling (1/6 + 1/6); a child death and three living standards (1/6 + 3 × 1/18);
    all six living standards (6 × 1/18) — and not five of them (5/18). Sums of sixths and eighteenths are rarely
    exact in floating point; the comparison's tolerance of 1e-9 decides them as arithmetic would."""
    people = [
        {"nutrition", "schooling"},
        {"child_mortality", *LIVING[:3]},
        set(LIVING),
        set(LIVING[:5]),
    ]
    matrix = {name: [1 if name in deprived else 0 for deprived in people] for name in GLOBAL_MPI}
    result = alkire_foster(matrix, GLOBAL_MPI, 1 / 3)
    assert pytest.approx(3 / 4) == result.H
    assert pytest.approx(1 / 3) == result.A  # each of the three poor scores exactly 1/3
    assert pytest.approx(1 / 4) == result.M0
    assert result.censored_headcounts["assets"] == pytest.approx(1 / 4)  # person 4's five are censored

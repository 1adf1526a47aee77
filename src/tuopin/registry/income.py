"""A household's net income in a year: THE one definition of the rule.

Net income = the components that add (wage, business, property income, transfers) − the production costs, in yuan
with two decimals. The rule is the two tuples below; `net_income` (Python, on the values of one record) and
`net_income_expr` / `net_income_cents_expr` (Ibis, on a table of incomes) are both generated from them, so the
registry's pages, the assessment engine and the monitoring screens cannot disagree. Per-capita figures are the
callers' (each divides or compares in its own unit); this module imports neither Django nor Ibis at run time."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ibis import Deferred
    from ibis.expr.types import IntegerValue, NumericValue, Table

INCOME_ADDS = ("wage", "business", "property_income", "transfer")
INCOME_SUBTRACTS = ("costs",)
INCOME_FIELDS = INCOME_ADDS + INCOME_SUBTRACTS


def _gross(component: Callable[[str], Any]) -> Any:
    first, *rest = INCOME_ADDS
    total = component(first)
    for name in rest:
        total = total + component(name)
    return total


def _net(component: Callable[[str], Any]) -> Any:
    net = _gross(component)
    for name in INCOME_SUBTRACTS:
        net = net - component(name)
    return net


def gross_income(values: Mapping[str, Decimal]) -> Decimal:
    """The components that add, summed (before costs)."""
    return _gross(values.__getitem__)  # type: ignore[no-any-return]


def net_income(values: Mapping[str, Decimal]) -> Decimal:
    """Net income (yuan) of one record's components, given by field name."""
    return _net(values.__getitem__)  # type: ignore[no-any-return]


def net_income_expr(incomes: Table | Deferred) -> NumericValue | Deferred:
    """Net income (yuan, decimal) over a table with the income fields as columns; given `ibis._`, the deferred
    expression for `mutate` on any such table."""
    return _net(lambda name: incomes[name])


def net_income_cents_expr(incomes: Table | Deferred) -> IntegerValue | Deferred:
    """Net income in whole cents (int64; × 100, rounded, which is exact for amounts of two decimals), the unit the
    rule engines compare in."""
    return (net_income_expr(incomes) * 100).round(0).cast("int64")

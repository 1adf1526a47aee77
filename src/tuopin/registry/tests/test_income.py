"""Net income is written once (tuopin.registry.income): the model's figure, the Python function and the Ibis
expression the assessment and monitoring engines compile agree, in yuan and in cents. No database."""

from __future__ import annotations

from decimal import Decimal

import ibis
from hypothesis import given
from hypothesis import strategies as st

from tuopin.registry.income import (
    INCOME_ADDS,
    INCOME_FIELDS,
    INCOME_SUBTRACTS,
    gross_income,
    net_income,
    net_income_cents_expr,
    net_income_expr,
)
from tuopin.registry.models import Income

ROWS = [
    {
        "wage": Decimal("12000.50"),
        "business": Decimal("3000"),
        "property_income": Decimal("0.01"),
        "transfer": Decimal("1200"),
        "costs": Decimal("800.25"),
    },
    {
        "wage": Decimal(0),
        "business": Decimal(0),
        "property_income": Decimal(0),
        "transfer": Decimal(0),
        "costs": Decimal("500.99"),
    },
    {
        "wage": Decimal("0.01"),
        "business": Decimal("-20.5"),
        "property_income": Decimal("9999999999.99"),
        "transfer": Decimal("0.99"),
        "costs": Decimal(0),
    },
]
SCHEMA = dict.fromkeys(INCOME_FIELDS, "decimal(12, 2)")
DUCKDB = ibis.duckdb.connect()


def _run(expr: ibis.Table) -> dict[str, list[object]]:
    return DUCKDB.to_pyarrow(expr).to_pydict()  # type: ignore[no-any-return]


def test_the_rule_is_four_components_less_the_costs() -> None:
    assert INCOME_ADDS == ("wage", "business", "property_income", "transfer")
    assert INCOME_SUBTRACTS == ("costs",)
    assert net_income(ROWS[0]) == Decimal("15400.26")
    assert gross_income(ROWS[0]) == Decimal("16200.51")


def test_the_model_uses_the_rule() -> None:
    for row in ROWS:
        income = Income(**row)
        assert (income.net, income.total) == (net_income(row), gross_income(row))
        assert (
            income.net
            == row["wage"] + row["business"] + row["property_income"] + row["transfer"] - row["costs"]
        )


def test_the_ibis_expressions_agree_with_the_python_function_on_duckdb() -> None:
    table = ibis.memtable(ROWS, schema=SCHEMA)
    result = table.select(
        net=net_income_expr(table), cents=net_income_cents_expr(table), deferred=net_income_cents_expr(ibis._)
    )
    frame = _run(result)
    assert frame["net"] == [net_income(row) for row in ROWS]
    expected = [int(net_income(row) * 100) for row in ROWS]
    assert frame["cents"] == frame["deferred"] == expected


money = st.decimals(min_value=Decimal("-99999999.99"), max_value=Decimal("99999999.99"), places=2)


@given(st.lists(st.fixed_dictionaries(dict.fromkeys(INCOME_FIELDS, money)), min_size=1, max_size=5))
def test_cents_agree_for_any_amounts(rows: list[dict[str, Decimal]]) -> None:
    frame = _run(ibis.memtable(rows, schema=SCHEMA).select(cents=net_income_cents_expr(ibis._)))
    assert frame["cents"] == [int(net_income(row) * 100) for row in rows]

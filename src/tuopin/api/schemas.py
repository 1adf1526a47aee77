"""The API's shapes. Personal fields leave only masked; enumerations travel as their codes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from ninja import Schema
from pydantic import Field

from tuopin.core.text import SINGLE_LINE_PATTERN

# Every text of a request (body, path, query) is one line without control, zero-width or bidi characters
# (tuopin.core.text, the rule the forms and imports apply too): refused as bad input (422), never stored and never a
# server error (PostgreSQL text cannot hold NUL). The name is older than the rule.
NO_NUL = SINGLE_LINE_PATTERN
Text = Annotated[str, Field(pattern=NO_NUL)]


class MemberOut(Schema):
    id: int
    name: str
    id_number: str = Field(description="masked, e.g. 130126********123X")
    sex: str
    birth_date: date
    relation: str
    health: str
    health_2: str
    disability_grade: int | None
    labour: str
    school_status: str
    medical_insurance: bool
    version: int


class IncomeOut(Schema):
    year: int
    wage: Decimal
    business: Decimal
    property_income: Decimal
    transfer: Decimal
    costs: Decimal
    net: Decimal
    per_capita_net: Decimal | None
    version: int


class HouseholdOut(Schema):
    number: str
    village: str
    head: str | None
    category: str
    standard: str
    main_cause: str
    other_causes: list[str]
    population_type: str
    identification_year: int | None
    status: str
    exit_year: int | None
    housing_safety: str
    relocated: bool
    water_safe: bool | None
    phone: str = Field(description="masked")
    persons: int
    version: int


class HouseholdDetailOut(HouseholdOut):
    members: list[MemberOut]
    incomes: list[IncomeOut]


class HouseholdPage(Schema):
    items: list[HouseholdOut]
    next_after: str | None = Field(description="pass as `after` for the next page")


class MemberIn(Schema):
    name: str = Field(pattern=NO_NUL, min_length=1, max_length=60)
    id_number: str = Field(pattern=NO_NUL, min_length=15, max_length=20)
    relation: Text
    health: Text = "healthy"
    health_2: Text = ""
    disability_grade: int | None = None
    labour: Text = ""
    school_status: Text = ""
    education: Text = ""
    work_status: Text = ""
    medical_insurance: bool = False
    pension_insurance: bool = False
    dibao: bool = False


class HouseholdIn(Schema):
    number: str = Field(pattern=NO_NUL, min_length=1, max_length=32)
    village: str = Field(pattern=NO_NUL, min_length=12, max_length=12)
    category: Text = ""
    standard: Text = ""
    main_cause: Text = ""
    other_cause_1: Text = ""
    other_cause_2: Text = ""
    population_type: Text
    identification_year: int | None = None
    housing_safety: Text = ""
    relocated: bool = False
    water_safe: bool | None = None
    phone: Text = ""
    members: list[MemberIn] = Field(min_length=1, max_length=30)
    reason: str = Field(pattern=NO_NUL, min_length=1, max_length=200)


class HouseholdPatch(Schema):
    version: int
    reason: str = Field(pattern=NO_NUL, min_length=1, max_length=200)
    category: Text | None = None
    standard: Text | None = None
    main_cause: Text | None = None
    other_cause_1: Text | None = None
    other_cause_2: Text | None = None
    housing_safety: Text | None = None
    relocated: bool | None = None
    water_safe: bool | None = None


MONEY_PATTERN = r"^\d{1,10}(\.\d{1,2})?$"


class IncomeIn(Schema):
    """Amounts in yuan as decimal strings ("8000" or "8000.50"), never floats."""

    wage: str = Field(default="0", pattern=MONEY_PATTERN)
    business: str = Field(default="0", pattern=MONEY_PATTERN)
    property_income: str = Field(default="0", pattern=MONEY_PATTERN)
    transfer: str = Field(default="0", pattern=MONEY_PATTERN)
    costs: str = Field(default="0", pattern=MONEY_PATTERN)
    reason: str = Field(pattern=NO_NUL, min_length=1, max_length=200)


class Problem(Schema):
    detail: str | list[dict[str, Any]]
    messages: list[str] = []


class AlertOut(Schema):
    id: int
    household: str | None = Field(description="household number; null for a person outside the registry")
    person: str | None = Field(description="masked ID number of the person concerned")
    area: str
    rule: str
    status: str
    evidence: dict[str, Any]
    first_seen: date
    last_seen: date
    due: date | None = Field(description="the next deadline of an open alert (first check, then conclusion)")


class LedgerColumnOut(Schema):
    header: str = Field(description="the Chinese header of the Excel sheet")
    field: str = Field(description="the key of the column in a row")
    kind: str = Field(description="text, date, integer, money, ratio, choice or area")
    required: bool
    choices: list[list[str]] = Field(description="[code, Chinese label] pairs of a choice column")


class LedgerOut(Schema):
    name: str
    sheet: str
    label: str
    columns: list[LedgerColumnOut]
    may_import: bool = Field(description="whether the token's user may import this ledger")


class LedgerPage(Schema):
    ledger: str
    rows: list[dict[str, Any]] = Field(
        description="field -> value; dates ISO, amounts decimal strings, codes"
    )
    next_offset: int | None = Field(description="pass as `offset` for the next page")


class LedgerImportOut(Schema):
    """The same shape as `tuopin import ledger NAME FILE --json`."""

    ledger: str
    ok: bool
    rows: int
    created: int
    dry_run: bool
    errors: list[dict[str, Any]] = Field(description="{sheet, row, column, value, message} per problem")


class OverdueItemOut(Schema):
    number: str
    area: str
    deadline: str
    status: str = Field(description="the state's Chinese label, as in the ledger sheet")
    days_overdue: int


class OverdueOut(Schema):
    """The same shape as `tuopin rectify overdue --json`."""

    overdue: int
    items: list[OverdueItemOut]


class ComplianceOut(Schema):
    """The same shape as `tuopin visits compliance --json`."""

    period: str
    duties: int = Field(description="judgements made: one per duty and duty period inside the period")
    met: int
    missed: list[dict[str, Any]] = Field(
        description="{who, target, period, required, done} per missed judgement"
    )

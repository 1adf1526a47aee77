"""The rules of household exit, each defined ONCE, as an Ibis expression over the registry's tables.

An expression is compiled to SQL for the engine that runs it (tuopin.assessment.engine): DuckDB over a Parquet
snapshot for batches, the database of record (SQLite or PostgreSQL) for one household in a request, Spark SQL at
national scale. There is no second, hand-written copy of a rule anywhere: the household page, the CLI and the batch
all read the same columns produced here.

Policy values (the line, the school ages and cutoff date) come from the policy profile of the year and enter the SQL
as literals; nothing here is a policy constant.

Household exit in year Y (POLICY.md §4), each failing check named:
- income: per-capita net income of Y (net income / members in Y) strictly above the year's poverty line, compared in
  whole cents (net × 100 > line × 100 × members) so that "equal to the line" is exact on every engine; no income
  record for Y fails with that reason;
- education: no member of compulsory-school age on the cutoff date of Y recorded as not in school (非在校生, 失学辍学),
  except members with disability grade 1 or 2;
- medical: every member enrolled in basic medical insurance;
- housing: safety rating A or B, or relocated;
- water: drinking water recorded as safe.
Identification of an applicant in year Y (POLICY.md §2): per-capita net income of Y at or below the line, or one of
the checks other than income failing (两不愁三保障 and water); without an income record only a failing guarantee
identifies.
Members in Y: born by the end of Y and not removed by then (removed on a date after 31 December of Y, or never).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import ibis
from ibis import _
from ibis.expr.types import Table

from tuopin.areas.codes import LENGTHS
from tuopin.registry.income import net_income_cents_expr

# The columns the rules read (the exit rules here, the screening rules of tuopin.monitoring), per table of the
# database of record. The snapshot holds exactly these; a member's ID is there only as its blind index.
SCHEMAS: dict[str, dict[str, str]] = {
    "registry_household": {
        "id": "int64",
        "number": "string",
        "village_id": "string",
        "population_type": "string",
        "status": "string",
        "exit_year": "int64",
        "housing_safety": "string",
        "relocated": "boolean",
        "water_safe": "boolean",
        "merged_into_id": "int64",
    },
    "registry_member": {
        "id": "int64",
        "household_id": "int64",
        "birth_date": "date",
        "school_status": "string",
        "disability_grade": "int64",
        "medical_insurance": "boolean",
        "left_on": "date",
        "id_index": "string",
        "id_masked": "string",
        "work_status": "string",
        "labour": "string",
    },
    "registry_income": {
        "id": "int64",
        "household_id": "int64",
        "year": "int64",
        "wage": "decimal(14, 2)",
        "business": "decimal(14, 2)",
        "property_income": "decimal(14, 2)",
        "transfer": "decimal(14, 2)",
        "costs": "decimal(14, 2)",
    },
    "areas_area": {"code": "string", "level": "string"},
    "assessment_countyevaluation": {
        "id": "int64",
        "county_id": "string",
        "year": "int64",
        "sampled_exited": "int64",
        "wrong_exits": "int64",
        "sampled_unregistered": "int64",
        "missed": "int64",
        "surveyed_households": "int64",
        "approving_households": "int64",
    },
    "areas_areayear": {
        "id": "int64",
        "area_id": "string",
        "year": "int64",
        "rural_population": "int64",
        "western": "boolean",
    },
}
# Columns the snapshot adds to a table, computed from another of its columns (they are not in the database of
# record): the blind index's integer form (tuopin.core.crypto.index_key), on which the batch engines group and join
# the department feeds. Rules that run on the database of record never read them.
DERIVED: dict[str, dict[str, tuple[str, str]]] = {"registry_member": {"id_key": ("id_index", "int64")}}


def snapshot_schema(table: str) -> dict[str, str]:
    """The columns of a table in the snapshot: those of the database of record, then the derived ones."""
    return {**SCHEMAS[table], **{name: kind for name, (_source, kind) in DERIVED.get(table, {}).items()}}


OUT_OF_SCHOOL = ("not_in_school", "dropout")
SEVERE_DISABILITY = (1, 2)
SAFE_HOUSING = ("A", "B")
RULES = ("income", "education", "medical", "housing", "water")


# The policy keys the exit rules read, and the Params field each fills.
PARAM_KEYS = {
    "poverty_line": "line",
    "school_age_min": "school_age_min",
    "school_age_max": "school_age_max",
    "school_age_cutoff": "cutoff",
    "village_exit_incidence": "village_incidence",
    "village_exit_incidence_west": "village_incidence_west",
    "county_exit_incidence": "county_incidence",
    "county_exit_incidence_west": "county_incidence_west",
    "county_wrong_exit_max": "county_wrong_exit_max",
    "county_missed_max": "county_missed_max",
    "county_approval_min": "county_approval_min",
}


@dataclass(frozen=True)
class Params:
    """The policy values one run of the rules uses (from the profile of the year)."""

    year: int
    line: Decimal
    school_age_min: int
    school_age_max: int
    cutoff: tuple[int, int]  # (month, day)
    village_incidence: Decimal = Decimal("0")
    village_incidence_west: Decimal = Decimal("0")
    county_incidence: Decimal = Decimal("0")
    county_incidence_west: Decimal = Decimal("0")
    county_wrong_exit_max: Decimal = Decimal("0")
    county_missed_max: Decimal = Decimal("0")
    county_approval_min: Decimal = Decimal("1")

    def with_values(self, values: dict[str, Any]) -> Params:
        """A copy under other policy values (typed, by policy key), for what-if runs."""
        from dataclasses import replace

        unknown = set(values) - set(PARAM_KEYS)
        if unknown:
            raise ValueError(f"not used by the exit rules: {', '.join(sorted(unknown))}")
        return replace(self, **{PARAM_KEYS[key]: value for key, value in values.items()})

    @classmethod
    def from_profile(cls, profile: Any) -> Params:
        missing = [
            k
            for k in ("poverty_line", "school_age_min", "school_age_max", "school_age_cutoff")
            if profile.get(k) is None
        ]
        if missing:
            raise ValueError(f"the policy profile of {profile.year} has no {', '.join(missing)}")
        return cls(
            profile.year,
            profile.value("poverty_line"),
            profile.value("school_age_min"),
            profile.value("school_age_max"),
            profile.value("school_age_cutoff"),
            profile.value("village_exit_incidence") or Decimal(0),
            profile.value("village_exit_incidence_west") or Decimal(0),
            profile.value("county_exit_incidence") or Decimal(0),
            profile.value("county_exit_incidence_west") or Decimal(0),
            profile.value("county_wrong_exit_max") or Decimal(0),
            profile.value("county_missed_max") or Decimal(0),
            profile.value("county_approval_min") or Decimal(1),
        )


def tables() -> dict[str, Table]:
    """Unbound tables named as in the database of record; each engine supplies tables of these names."""
    return {name: ibis.table(schema, name=name) for name, schema in SCHEMAS.items()}


def household_exit(params: Params, *, household_ids: list[int] | None = None) -> Table:
    """One row per household (optionally only the given ones) with each check, its evidence and `may_exit`."""
    t = tables()
    households = t["registry_household"].filter(_.merged_into_id.isnull())
    members = t["registry_member"]
    incomes = t["registry_income"].filter(_.year == params.year)
    if household_ids is not None:
        households = households.filter(_.id.isin(household_ids))
        members = members.filter(_.household_id.isin(household_ids))
        incomes = incomes.filter(_.household_id.isin(household_ids))
    year_end = ibis.date(params.year, 12, 31)
    members = members.filter(_.birth_date <= year_end, _.left_on.isnull() | (_.left_on > year_end))
    month, day = params.cutoff
    cutoff_key = params.year * 10000 + month * 100 + day
    born_key = _.birth_date.year() * 10000 + _.birth_date.month() * 100 + _.birth_date.day()
    members = members.mutate(age=(cutoff_key - born_key) // 10000)
    out_of_school = (
        _.age.between(params.school_age_min, params.school_age_max)
        & _.school_status.isin(OUT_OF_SCHOOL)
        & ~_.disability_grade.fill_null(0).isin(SEVERE_DISABILITY)
    )
    per_household = members.group_by("household_id").aggregate(
        persons=_.count(),
        out_of_school=out_of_school.ifelse(1, 0).sum().cast("int64"),
        uninsured=(~_.medical_insurance).ifelse(1, 0).sum().cast("int64"),
    )
    net = incomes.mutate(net_cents=net_income_cents_expr(_)).select("household_id", "net_cents")
    joined = households.left_join(per_household, households.id == per_household.household_id).left_join(
        net, households.id == net.household_id
    )
    line_cents = int((params.line * 100).to_integral_value())
    persons = joined.persons.fill_null(0)
    has_income = joined.net_cents.notnull()
    income_ok = has_income & (persons > 0) & (joined.net_cents > persons * line_cents)
    education_ok = joined.out_of_school.fill_null(0) == 0
    medical_ok = joined.uninsured.fill_null(0) == 0
    housing_ok = joined.housing_safety.isin(SAFE_HOUSING) | joined.relocated
    water_ok = joined.water_safe.fill_null(False)
    return joined.select(
        household_id=joined.id,
        number=joined.number,
        village_id=joined.village_id,
        population_type=joined.population_type,
        exit_year=joined.exit_year,
        persons=persons,
        net_cents=joined.net_cents,
        has_income=has_income,
        income_ok=income_ok,
        out_of_school=joined.out_of_school.fill_null(0),
        education_ok=education_ok,
        uninsured=joined.uninsured.fill_null(0),
        medical_ok=medical_ok,
        housing_safety=joined.housing_safety,
        relocated=joined.relocated,
        housing_ok=housing_ok,
        water_ok=water_ok,
        may_exit=income_ok & education_ok & medical_ok & housing_ok & water_ok,
        # Identification of an applicant: per-capita net income at or below the line, or a guarantee not secured.
        meets_identification=(has_income & (persons > 0) & ~income_ok)
        | ~(education_ok & medical_ok & housing_ok & water_ok),
    )


def assessed_households(params: Params, decisions: Table, within: str = "") -> Table:
    """The households an assessment of Y counts: registered poor, not exited before Y (optionally of one area)."""
    counted = decisions.filter(
        (_.population_type == "registered") & (_.exit_year.isnull() | (_.exit_year >= params.year))
    )
    return counted.filter(_.village_id.startswith(within)) if within else counted


def area_incidence(params: Params, decisions: Table, *, within: str = "") -> Table:
    """Per area (`within` and every area below it, from the division tree): poor persons,
    rural population, incidence and, for villages and counties, whether the incidence is below the exit threshold.

    Poor persons of Y = members (in Y) of registered-poor households not exited before Y that do not meet the exit
    rule in Y. Incidence = poor persons / rural population of Y; null where the area has no rural population for
    Y (never a division by zero). Thresholds compare exactly: poor × denominator < numerator × rural population."""
    counted = assessed_households(params, decisions, within).mutate(poor=(~_.may_exit).ifelse(_.persons, 0))
    parts = []
    for length in LENGTHS:
        if length < len(within):
            continue
        parts.append(
            counted.group_by(code=_.village_id.substr(0, length)).aggregate(
                poor_persons=_.poor.sum(),
                households=_.count(),
                may_exit_households=_.may_exit.ifelse(1, 0).sum(),
            )
        )
    poor = ibis.union(*parts)
    areas = tables()["areas_area"]
    if within:
        areas = areas.filter(_.code.startswith(within))
    years = tables()["areas_areayear"].filter(_.year == params.year)
    years = years.select(year_code=_.area_id, rural_population=_.rural_population, western=_.western)
    evaluations = tables()["assessment_countyevaluation"].filter(_.year == params.year)
    evaluations = evaluations.select(
        evaluated=_.county_id,
        sampled_exited=_.sampled_exited,
        wrong_exits=_.wrong_exits,
        sampled_unregistered=_.sampled_unregistered,
        missed=_.missed,
        surveyed=_.surveyed_households,
        approving=_.approving_households,
    )
    joined = (
        areas.left_join(years, areas.code == years.year_code)
        .left_join(poor, areas.code == poor.code)
        .left_join(evaluations, areas.code == evaluations.evaluated)
    )
    level = joined.level
    poor_persons = joined.poor_persons.fill_null(0).cast("int64")
    rural = joined.rural_population
    western = joined.western.fill_null(False)

    def below(threshold: Decimal, west: Decimal) -> Any:
        numerator, denominator = threshold.as_integer_ratio()
        west_numerator, west_denominator = west.as_integer_ratio()
        return western.ifelse(
            poor_persons * west_denominator < rural * west_numerator,
            poor_persons * denominator < rural * numerator,
        )

    def rate(part: Any, whole: Any) -> Any:
        return (whole > 0).ifelse(part.cast("float64") / whole.cast("float64"), ibis.null("float64"))

    def under(
        part: Any, whole: Any, limit: Decimal
    ) -> Any:  # part / whole < limit, exactly; false without a sample
        numerator, denominator = limit.as_integer_ratio()
        return (whole > 0) & (part * denominator < whole * numerator)

    approval_numerator, approval_denominator = params.county_approval_min.as_integer_ratio()
    has_rural = rural.notnull() & (rural > 0)
    return joined.select(
        code=joined.code,
        level=level,
        rural_population=rural,
        poor_persons=poor_persons,
        households=joined.households.fill_null(0).cast("int64"),
        may_exit_households=joined.may_exit_households.fill_null(0).cast("int64"),
        western=western,
        incidence=has_rural.ifelse(
            poor_persons.cast("float64") / rural.cast("float64"), ibis.null("float64")
        ),
        below_threshold=has_rural.ifelse(
            (level == "village").ifelse(
                below(params.village_incidence, params.village_incidence_west),
                below(params.county_incidence, params.county_incidence_west),
            ),
            ibis.null("boolean"),
        ),
        evaluated=joined.evaluated.notnull(),
        wrong_exit_rate=rate(joined.wrong_exits, joined.sampled_exited),
        missed_rate=rate(joined.missed, joined.sampled_unregistered),
        approval_rate=rate(joined.approving, joined.surveyed),
        wrong_exit_ok=under(
            joined.wrong_exits, joined.sampled_exited, params.county_wrong_exit_max
        ).fill_null(False),
        missed_ok=under(joined.missed, joined.sampled_unregistered, params.county_missed_max).fill_null(
            False
        ),
        approval_ok=(
            (joined.surveyed > 0)
            & (joined.approving * approval_denominator > joined.surveyed * approval_numerator)
        ).fill_null(False),
    ).order_by("code")

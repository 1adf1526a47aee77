"""The screening rules of return-to-poverty monitoring (POLICY.md §5), each defined ONCE as an Ibis expression over
the registry snapshot and the accepted feed files of other departments, run by the same engines as the exit
assessment (tuopin.assessment.engine: DuckDB by default, Spark at scale).

Every rule answers in the same shape, one row per household (or, for the medical rule, per person not in the
registry) that it flags: `household_id` (null for a person not in the registry), `person_index` and
`person_masked` (the person concerned, when the rule is about one), `amount` and `threshold` in cents (the observed
value and the limit it passed; for income_drop the per-capita incomes of the two years), `rows` (the feed rows
behind it) and `latest` (the date of the latest of them).

Policy values come from the profile of the as-of date's year (the rural disposable income from the year before)
and enter the SQL as literals; a rule whose value is not set for the year does not run, and the screening says so.
Feed rows count in the twelve months up to the as-of date (housing appraisals: the latest one up to that date).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import ibis
from ibis import _
from ibis.expr.types import Table

from tuopin.assessment.rules import SCHEMAS, snapshot_schema
from tuopin.feeds.sources import SOURCES
from tuopin.monitoring.calendar import window_start
from tuopin.registry.income import net_income_cents_expr

# The accepted rows of each feed as tuopin.feeds writes them (Parquet, keyed by the ID's blind index), named
# `feed_<source>`: one definition, the feed sources' own (tuopin.feeds.sources).
# A summed source (medical) also has `feed_<source>_totals`, its per-person totals per batch. FEED_TABLES says which
# files each table reads: (source, totals files or not).
_IBIS_TYPES = {
    "string": "string",
    "date32": "date",
    "decimal128(14, 2)": "decimal(14, 2)",
    "decimal128(38, 2)": "decimal(38, 2)",
    "int64": "int64",
}
FEED_TABLES: dict[str, tuple[str, bool]] = {
    **{f"feed_{code}": (code, False) for code in SOURCES},
    **{f"feed_{code}_totals": (code, True) for code, source in SOURCES.items() if source.summed},
}
FEED_SCHEMAS: dict[str, dict[str, str]] = {
    name: {
        column: _IBIS_TYPES[kind]
        for column, kind in (
            SOURCES[code].totals_schema() if totals else SOURCES[code].arrow_schema()
        ).items()
    }
    for name, (code, totals) in FEED_TABLES.items()
}
EXITED = ("exited_policy", "exited")
UNDER_SUPPORT = ("poor",)  # registered poor not yet exited: helped as poor households, not screened
NOT_WORKING = ("", "none")
LEAVING_SUPPORT = ("dibao_out", "tekun_out")
UNSAFE = ("C", "D")


@dataclass(frozen=True)
class ScreenParams:
    """The policy values one screening uses, in cents where they are money."""

    as_of: date
    monitoring_line_cents: int | None
    medical_exited_cents: int | None  # medical_oop_ratio_exited × last year's rural disposable income
    medical_other_cents: int | None
    income_drop_ratio: Decimal | None
    disaster_loss_ratio: Decimal | None
    school_age_min: int
    school_age_max: int
    cutoff: tuple[int, int]

    @property
    def window_start(self) -> date:
        return window_start(self.as_of)

    @classmethod
    def from_profiles(cls, as_of: date, profile: Any, last_year: Any) -> ScreenParams:
        def cents(value: Decimal | None) -> int | None:
            return None if value is None else int((value * 100).to_integral_value())

        income = last_year.value("rural_disposable_income")
        exited, other = profile.value("medical_oop_ratio_exited"), profile.value("medical_oop_ratio_other")
        return cls(
            as_of,
            cents(profile.value("monitoring_line")),
            cents(exited * income) if exited is not None and income is not None else None,
            cents(other * income) if other is not None and income is not None else None,
            profile.value("income_drop_ratio"),
            profile.value("disaster_loss_ratio"),
            profile.value("school_age_min") or 6,
            profile.value("school_age_max") or 15,
            profile.value("school_age_cutoff") or (8, 31),
        )


OUTPUT = ibis.schema(
    {
        "household_id": "int64",
        "person_index": "string",
        "person_masked": "string",
        "amount": "int64",
        "threshold": "int64",
        "rows": "int64",
        "latest": "date",
    }
)


def tables(*, household_ids: list[int] | None = None) -> dict[str, Table]:
    """Unbound tables named as in the database of record and the feed views; with `household_ids`, the registry's
    tables hold only those households (one household's check on the database of record reads its own rows)."""
    registry = {name: snapshot_schema(name) for name in SCHEMAS}
    t = {name: ibis.table(schema, name=name) for name, schema in {**registry, **FEED_SCHEMAS}.items()}
    if household_ids is not None:
        t["registry_household"] = t["registry_household"].filter(_.id.isin(household_ids))
        for name in ("registry_member", "registry_income"):
            t[name] = t[name].filter(_.household_id.isin(household_ids))
    return t


def _households(t: dict[str, Table], within: str) -> Table:
    households = t["registry_household"].filter(_.merged_into_id.isnull(), _.village_id.startswith(within))
    return households.filter(~((_.population_type == "registered") & _.status.isin(UNDER_SUPPORT)))


def _members(t: dict[str, Table], p: ScreenParams) -> Table:
    return t["registry_member"].filter(_.left_on.isnull() | (_.left_on > ibis.date(p.as_of)))


def _in_window(feed: Table, column: str, p: ScreenParams) -> Table:
    return feed.filter(feed[column] > ibis.date(p.window_start), feed[column] <= ibis.date(p.as_of))


def _shape(table: Table, **columns: Any) -> Table:
    """The common output shape, with nulls for what a rule does not have."""
    values = {name: columns.get(name, ibis.null()).cast(kind) for name, kind in OUTPUT.items()}
    return table.select(**values)


def medical(t: dict[str, Table], p: ScreenParams, within: str) -> Table | None:
    """Out-of-pocket medical costs of the twelve months above the limit: a registry household's summed over all its
    members (as the Hebei practice counts 脱贫户年度自付医疗费用), against the lower limit for exited or monitored
    households and the higher one for the others; a person outside the registry on their own total, against the
    higher one. Every row settled in the twelve months counts, whatever file, batch or period it came in."""
    if p.medical_exited_cents is None or p.medical_other_cents is None:
        return None
    lower = min(p.medical_exited_cents, p.medical_other_cents)
    # Candidates first, from the batches' per-person totals: costs are never negative, so a person's (or a
    # household's) costs in the twelve months are at most the sum of their totals in the batches that touch those
    # months. Only the rows of households and people whose bound passes the lower limit are then summed exactly.
    totals = t["feed_medical_totals"].filter(
        _.last_on > ibis.date(p.window_start), _.first_on <= ibis.date(p.as_of)
    )
    bound = totals.group_by("id_key").aggregate(bound=_.total.sum())
    members = _members(t, p).select(member_key=_.id_key, household_id=_.household_id)
    household_bound = (
        bound.inner_join(members, bound.id_key == members.member_key)
        .group_by("household_id")
        .aggregate(bound=_.bound.sum())
    )
    candidate_households = household_bound.filter(_.bound * 100 > lower).household_id
    households = (
        t["registry_household"]
        .filter(_.merged_into_id.isnull(), _.id.isin(candidate_households), _.village_id.startswith(within))
        .select(hid=_.id, village_id=_.village_id, population_type=_.population_type, status=_.status)
    )
    counted = members.filter(_.household_id.isin(households.hid))
    window = _in_window(t["feed_medical"], "settled_on", p)
    rows = window.select("id_key", "out_of_pocket", "settled_on").filter(_.id_key.isin(counted.member_key))
    rows = rows.inner_join(counted, rows.id_key == counted.member_key)
    # Summed per household on integer keys only; the member is named (read back for the flagged households alone)
    # when the costs are one member's.
    per_household = rows.group_by("household_id").aggregate(
        cents=(_.out_of_pocket.sum() * 100).round(0).cast("int64"),
        rows=_.count(),
        latest=_.settled_on.max(),
        people=_.member_key.nunique(),
        key=_.member_key.min(),
    )
    inside = per_household.inner_join(households, per_household.household_id == households.hid)
    protected = (inside.population_type == "monitored") | inside.status.isin(EXITED)
    limit = ibis.ifelse(protected.fill_null(False), p.medical_exited_cents, p.medical_other_cents)
    inside = inside.mutate(cap=limit).filter(_.cents > _.cap)
    named = _members(t, p).select(
        named_key=_.id_key, named_household=_.household_id, person=_.id_index, masked=_.id_masked
    )
    inside = inside.left_join(named, (inside.key == named.named_key) & (inside.hid == named.named_household))
    limit = inside.cap
    alone = inside.people == 1
    inside = _shape(
        inside,
        household_id=inside.hid,
        person_index=ibis.ifelse(alone, inside.person, ibis.null()),
        person_masked=ibis.ifelse(alone, inside.masked, ibis.null()),
        amount=inside.cents,
        threshold=limit,
        rows=inside.rows,
        latest=inside.latest,
    )
    if len(within) > 6:  # people outside the registry are placed by county: not within a township or village
        return inside
    # People outside the registry (or who left it), each on their own total: who they are is read back from their
    # own rows only, and they are placed by the county of their ID (the masked ID keeps its first six digits).
    strangers = bound.filter(_.bound * 100 > p.medical_other_cents, ~_.id_key.isin(_members(t, p).id_key))
    per_person = (
        window.filter(_.id_key.isin(strangers.id_key))
        .group_by("id_key")
        .aggregate(
            cents=(_.out_of_pocket.sum() * 100).round(0).cast("int64"),
            rows=_.count(),
            latest=_.settled_on.max(),
            person=_.id_index.min(),
            masked=_.id_masked.min(),
        )
    )
    outside = per_person.filter(_.cents > p.medical_other_cents, _.masked.startswith(within))
    outside = _shape(
        outside,
        person_index=outside.person,
        person_masked=outside.masked,
        amount=outside.cents,
        threshold=ibis.literal(p.medical_other_cents),
        rows=outside.rows,
        latest=outside.latest,
    )
    return inside.union(outside)


def _latest_incomes(t: dict[str, Table], p: ScreenParams, within: str) -> Table:
    """Per household the net income (cents) and members of its latest income year up to the as-of year, and of the
    year before that one."""
    households = _households(t, within)
    incomes = t["registry_income"].filter(_.year <= p.as_of.year).mutate(net=net_income_cents_expr(_))
    latest = incomes.group_by("household_id").aggregate(year=_.year.max())
    current = incomes.inner_join(latest, ["household_id", "year"]).select("household_id", "year", "net")
    before = incomes.select(household_id=_.household_id, prev_year=_.year + 1, prev_net=_.net)
    persons = _members(t, p).group_by("household_id").aggregate(persons=_.count())
    joined = (
        households.select(hid=_.id)
        .inner_join(current, _.hid == current.household_id)
        .inner_join(persons, _.hid == persons.household_id)
        .left_join(before, (_.hid == before.household_id) & (_.year == before.prev_year))
    )
    return joined.select("hid", "year", "net", "persons", "prev_net")


def income(t: dict[str, Table], p: ScreenParams, within: str) -> Table | None:
    """Latest per-capita net income below the monitoring line (compared in cents: net < line × members)."""
    if p.monitoring_line_cents is None:
        return None
    rows = _latest_incomes(t, p, within)
    flagged = rows.filter(rows.net < rows.persons * p.monitoring_line_cents)
    return _shape(
        flagged,
        household_id=flagged.hid,
        amount=flagged.net // flagged.persons,
        threshold=ibis.literal(p.monitoring_line_cents),
        rows=ibis.literal(1),
    )


def income_drop(t: dict[str, Table], p: ScreenParams, within: str) -> Table | None:
    """Per-capita net income down by more than income_drop_ratio on the year before (members as now)."""
    if p.income_drop_ratio is None:
        return None
    keep = int(((1 - p.income_drop_ratio) * 10000).to_integral_value())  # in basis points
    rows = _latest_incomes(t, p, within)
    flagged = rows.filter(rows.prev_net.notnull(), rows.prev_net > 0, rows.net * 10000 < rows.prev_net * keep)
    return _shape(
        flagged,
        household_id=flagged.hid,
        amount=flagged.net // flagged.persons,
        threshold=flagged.prev_net // flagged.persons,
        rows=ibis.literal(2),
    )


def _member_events(
    t: dict[str, Table], p: ScreenParams, within: str, events: Table, date_column: str
) -> Table:
    """Feed rows of registry members, per household: rows, latest date, the first person concerned."""
    members = _members(t, p).select(
        member_key=_.id_key, household_id=_.household_id, member_index=_.id_index, member_masked=_.id_masked
    )
    households = _households(t, within).select(hid=_.id)
    joined = events.inner_join(members, events.id_key == members.member_key).inner_join(
        households, _.household_id == households.hid
    )
    return joined.group_by("hid").aggregate(
        rows=_.count(), latest=joined[date_column].max(), person=_.id_index.min(), masked=_.id_masked.min()
    )


def dropout(t: dict[str, Table], p: ScreenParams, within: str) -> Table | None:
    """A member of compulsory-school age (on the cutoff date of the as-of year) reported as dropped out."""
    members = _members(t, p)
    month, day = p.cutoff
    key = p.as_of.year * 10000 + month * 100 + day
    age = (
        key
        - (members.birth_date.year() * 10000 + members.birth_date.month() * 100 + members.birth_date.day())
    ) // 10000
    school_age = members.filter(age.between(p.school_age_min, p.school_age_max)).select(key=_.id_key)
    events = _in_window(t["feed_education"], "occurred_on", p).filter(_.status.isin(("dropout",)))
    events = events.inner_join(school_age, events.id_key == school_age.key).select(events)
    flagged = _member_events(t, p, within, events, "occurred_on")
    return _shape(
        flagged,
        household_id=flagged.hid,
        person_index=flagged.person,
        person_masked=flagged.masked,
        rows=flagged.rows,
        latest=flagged.latest,
    )


def housing(t: dict[str, Table], p: ScreenParams, within: str) -> Table | None:
    """The latest housing appraisal of a member (the head) up to the as-of date rates the house C or D."""
    feed = t["feed_housing"].filter(_.appraised_on <= ibis.date(p.as_of))
    latest = feed.group_by("id_key").aggregate(appraised_on=_.appraised_on.max())
    events = feed.inner_join(latest, ["id_key", "appraised_on"]).filter(_.rating.isin(UNSAFE))
    flagged = _member_events(t, p, within, events, "appraised_on")
    return _shape(
        flagged,
        household_id=flagged.hid,
        person_index=flagged.person,
        person_masked=flagged.masked,
        rows=flagged.rows,
        latest=flagged.latest,
    )


def disability(t: dict[str, Table], p: ScreenParams, within: str) -> Table | None:
    """A new certificate of disability grade 1 or 2 within the twelve months."""
    events = _in_window(t["feed_disability"], "issued_on", p).filter(_.grade.isin((1, 2)))
    flagged = _member_events(t, p, within, events, "issued_on")
    return _shape(
        flagged,
        household_id=flagged.hid,
        person_index=flagged.person,
        person_masked=flagged.masked,
        rows=flagged.rows,
        latest=flagged.latest,
    )


def disaster(t: dict[str, Table], p: ScreenParams, within: str) -> Table | None:
    """Disaster losses of the twelve months above disaster_loss_ratio of the household's latest net income."""
    if p.disaster_loss_ratio is None:
        return None
    ratio = int((p.disaster_loss_ratio * 10000).to_integral_value())
    events = _in_window(t["feed_disaster"], "occurred_on", p)
    members = _members(t, p).select(
        member_key=_.id_key, household_id=_.household_id, member_index=_.id_index, member_masked=_.id_masked
    )
    losses = (
        events.inner_join(members, events.id_key == members.member_key)
        .group_by("household_id")
        .aggregate(
            loss=(_.loss * 100).sum().round(0).cast("int64"),
            rows=_.count(),
            latest=_.occurred_on.max(),
            person=_.id_index.min(),
            masked=_.id_masked.min(),
        )
    )
    incomes = _latest_incomes(t, p, within)
    joined = losses.inner_join(incomes, losses.household_id == incomes.hid)
    flagged = joined.filter(joined.loss * 10000 > ibis.greatest(joined.net, 0) * ratio)
    return _shape(
        flagged,
        household_id=flagged.hid,
        person_index=flagged.person,
        person_masked=flagged.masked,
        amount=flagged.loss,
        threshold=ibis.greatest(flagged.net, 0) * ratio // 10000,
        rows=flagged.rows,
        latest=flagged.latest,
    )


def civil(t: dict[str, Table], p: ScreenParams, within: str) -> Table | None:
    """A member of a registered or monitored household left dibao or tekun support within the twelve months."""
    events = _in_window(t["feed_civil"], "occurred_on", p).filter(_.item.isin(LEAVING_SUPPORT))
    households = _households(t, within).filter(_.population_type.isin(("registered", "monitored")))
    flagged = _member_events(t, p, within, events, "occurred_on")
    kept = households.select(kept=_.id)
    flagged = flagged.inner_join(kept, flagged.hid == kept.kept)
    return _shape(
        flagged,
        household_id=flagged.hid,
        person_index=flagged.person,
        person_masked=flagged.masked,
        rows=flagged.rows,
        latest=flagged.latest,
    )


def unemployment(t: dict[str, Table], p: ScreenParams, within: str) -> Table | None:
    """The household's only working member (by the registry's work status) reported unemployed, as their latest
    employment record within the twelve months."""
    feed = _in_window(t["feed_employment"], "occurred_on", p)
    latest = feed.group_by("id_key").aggregate(occurred_on=_.occurred_on.max())
    events = feed.inner_join(latest, ["id_key", "occurred_on"]).filter(_.status == "unemployed")
    members = _members(t, p)
    working = members.filter(~members.work_status.fill_null("").isin(NOT_WORKING))
    only = working.group_by("household_id").aggregate(n=_.count(), key=_.id_key.min()).filter(_.n == 1)
    events = events.inner_join(only, events.id_key == only.key).select(events)
    flagged = _member_events(t, p, within, events, "occurred_on")
    return _shape(
        flagged,
        household_id=flagged.hid,
        person_index=flagged.person,
        person_masked=flagged.masked,
        rows=flagged.rows,
        latest=flagged.latest,
    )


RULES: dict[str, Callable[[dict[str, Table], ScreenParams, str], Table | None]] = {
    "medical": medical,
    "income": income,
    "income_drop": income_drop,
    "dropout": dropout,
    "housing": housing,
    "disability": disability,
    "disaster": disaster,
    "civil": civil,
    "unemployment": unemployment,
}


def screening(p: ScreenParams, within: str) -> tuple[Table | None, list[str]]:
    """Every rule that can run under `p` over households (and people) of `within`, as one table with a `rule`
    column; and the rules that cannot (a policy value missing for the year)."""
    t = tables()
    parts, skipped = [], []
    for name, rule in RULES.items():
        expr = rule(t, p, within)
        if expr is None:
            skipped.append(name)
        else:
            parts.append(expr.mutate(rule=ibis.literal(name)))
    if not parts:
        return None, skipped
    return ibis.union(*parts) if len(parts) > 1 else parts[0], skipped

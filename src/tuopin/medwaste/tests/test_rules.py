"""The medical-waste rules through `compliance`: the two-day rules at the period's edges, FIFO overstay by category,
imbalance with its tolerance, coverage and each city's capacity gap."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from itertools import count
from zoneinfo import ZoneInfo

import pytest

from tuopin.areas.models import Area
from tuopin.medwaste.compliance import Compliance, ComplianceRefused, compliance
from tuopin.medwaste.models import Disposer, Facility, FacilityKind, Handover, TransferPoint

ZONE = ZoneInfo("Asia/Shanghai")
KINDS = {"F": "facility", "H": "facility", "P": "point", "D": "disposer"}
Give = Callable[..., Handover]


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZONE)


@pytest.fixture
def network(tree: dict[str, Area]) -> dict[str, object]:
    """One point (灵寿镇), a clinic attached to it, a clinic of 高邑 attached to nothing, a hospital handing straight to
    a disposal unit, and two disposal units."""
    point = TransferPoint.objects.create(
        code="P1", name="灵寿镇周转点", area=tree["130126100"], capacity_kg=500
    )
    Facility.objects.create(
        code="F1",
        name="城东村卫生室",
        kind=FacilityKind.VILLAGE_CLINIC,
        area=tree["130126100201"],
        point=point,
        daily_kg=Decimal("20"),
    )
    Facility.objects.create(
        code="F2",
        name="东关村卫生室",
        kind=FacilityKind.VILLAGE_CLINIC,
        area=tree["130127100201"],
        daily_kg=30,
    )
    Facility.objects.create(
        code="H1", name="灵寿县医院", kind=FacilityKind.HOSPITAL, area=tree["130126"], daily_kg=450
    )
    d1 = Disposer.objects.create(
        code="D1", name="石家庄处置中心", area=tree["1301"], daily_tonnes=Decimal("0.3")
    )
    d1.serves.set([tree["130126"], tree["130127"]])
    d2 = Disposer.objects.create(
        code="D2", name="张家口处置中心", area=tree["1307"], daily_tonnes=Decimal("0.1")
    )
    d2.serves.set([tree["1307"], tree["130126"]])
    return {"tree": tree, "point": point}


@pytest.fixture
def give(network: dict[str, object]) -> Give:
    numbers = count(1)
    areas = {"F1": "130126100201", "F2": "130127100201", "H1": "130126", "P1": "130126100"}

    def make(
        giver: str,
        receiver: str,
        at: str,
        kg: str = "10",
        category: str = "infectious",
        reverses: Handover | None = None,
    ) -> Handover:
        return Handover.objects.create(
            number=f"N{next(numbers):04d}",
            at=local(at),
            giver_kind=KINDS[giver[0]],
            giver_code=giver,
            receiver_kind=KINDS[receiver[0]],
            receiver_code=receiver,
            area_id=areas[giver],
            category=category,
            kg=Decimal(kg),
            packages=1,
            giver_person="甲",
            receiver_person="乙",
            reverses=reverses,
        )

    return make


def found(result: Compliance, rule: str, place: str) -> list[tuple[str, str, float | None, float | None]]:
    return [
        (i.start.isoformat(), i.stop.isoformat(), i.hours, None if i.kg is None else float(i.kg))
        for i in result.items
        if i.rule == rule and i.place == place
    ]


JANUARY = (date(2019, 1, 1), date(2019, 1, 31))


def test_it_counts_a_gap_of_48_hours_and_a_minute_but_not_of_exactly_48(give: Give) -> None:
    give("F1", "P1", "2018-12-30T23:00")  # the last collection before the period
    give("F1", "P1", "2019-01-01T23:01")  # 48 h 1 min after it: late, across the period's start
    give("F1", "P1", "2019-01-03T23:01")  # exactly 48 h, across midnight: not late
    give("F1", "P1", "2019-01-05T23:00")
    give("F1", "P1", "2019-01-31T12:00")  # a long gap up to the month's end
    give("F1", "P1", "2019-01-31T23:30")  # the tail to the period's end is 30 minutes
    result = compliance(*JANUARY)
    assert found(result, "late_collection", "F1") == [
        ("2018-12-30T23:00:00+08:00", "2019-01-01T23:01:00+08:00", 48.02, None),
        ("2019-01-05T23:00:00+08:00", "2019-01-31T12:00:00+08:00", 613.0, None),
    ]


def test_it_starts_at_the_periods_start_without_an_earlier_collection_and_ends_at_the_as_of_time(
    give: Give,
) -> None:
    give("F1", "P1", "2019-01-03T00:01")
    give("F1", "P1", "2019-01-04T00:00")
    result = compliance(date(2019, 1, 1), date(2019, 3, 31), as_of=local("2019-01-06T00:01"))
    assert found(result, "late_collection", "F1") == [
        ("2019-01-01T00:00:00+08:00", "2019-01-03T00:01:00+08:00", 48.02, None),
        ("2019-01-04T00:00:00+08:00", "2019-01-06T00:01:00+08:00", 48.02, None),
    ]
    exactly = compliance(date(2019, 1, 1), date(2019, 3, 31), as_of=local("2019-01-06T00:00"))
    assert len(found(exactly, "late_collection", "F1")) == 1  # the tail of exactly 48 hours is not late


def test_it_does_not_count_a_reversed_handover_as_a_collection(give: Give) -> None:
    give("F1", "P1", "2019-01-01T08:00")
    wrong = give("F1", "P1", "2019-01-02T08:00")
    give("F1", "P1", "2019-01-02T09:00", kg="-10", reverses=wrong)
    give("F1", "P1", "2019-01-03T09:00")
    give("F1", "P1", "2019-01-04T09:00")
    result = compliance(date(2019, 1, 1), date(2019, 1, 5))
    assert found(result, "late_collection", "F1") == [
        ("2019-01-01T08:00:00+08:00", "2019-01-03T09:00:00+08:00", 49.0, None)
    ]


def test_it_finds_late_removals_from_a_point(give: Give) -> None:
    give("P1", "D1", "2018-12-31T10:00")
    give("P1", "D1", "2019-01-02T10:00")
    give("P1", "D1", "2019-01-04T10:30")
    result = compliance(date(2019, 1, 1), date(2019, 1, 5))
    assert found(result, "late_removal", "P1") == [
        ("2019-01-02T10:00:00+08:00", "2019-01-04T10:30:00+08:00", 48.5, None)
    ]


def test_it_finds_the_second_receipt_overstaying_first_in_first_out_per_category(give: Give) -> None:
    give("F1", "P1", "2019-01-01T08:00", kg="10")
    give("F1", "P1", "2019-01-02T08:00", kg="5")
    give("F1", "P1", "2019-01-01T08:00", kg="2", category="sharps")
    give("P1", "D1", "2019-01-02T20:00", kg="2", category="sharps")
    give("P1", "D1", "2019-01-03T07:00", kg="12")  # the first receipt in full, 2 kg of the second
    give("P1", "D1", "2019-01-05T10:00", kg="3")  # the rest of the second, 74 hours after it came
    result = compliance(date(2019, 1, 1), date(2019, 1, 31))
    overstays = [i for i in result.items if i.rule == "overstay"]
    assert [
        (i.place, i.category, i.start.isoformat(), i.stop.isoformat(), i.hours, i.kg) for i in overstays
    ] == [
        ("P1", "infectious", "2019-01-02T08:00:00+08:00", "2019-01-05T10:00:00+08:00", 74.0, Decimal("3.000"))
    ]


def test_it_counts_an_overstay_still_there_at_the_as_of_time(give: Give) -> None:
    give("F1", "P1", "2019-01-01T08:00", kg="10")
    give("P1", "D1", "2019-01-02T08:00", kg="4")
    result = compliance(date(2019, 1, 1), date(2019, 1, 31), as_of=local("2019-01-04T08:00"))
    assert found(result, "overstay", "P1") == [
        ("2019-01-01T08:00:00+08:00", "2019-01-04T08:00:00+08:00", 72.0, 6.0)
    ]
    in_time = compliance(date(2019, 1, 1), date(2019, 1, 31), as_of=local("2019-01-03T08:00"))
    assert found(in_time, "overstay", "P1") == []  # exactly 48 hours: not yet an overstay


def test_it_finds_an_imbalance_beyond_the_tolerance_only(give: Give) -> None:
    give("F1", "P1", "2019-01-01T08:00", kg="100")
    give("P1", "D1", "2019-01-02T08:00", kg="101.5")  # 1.5 kg over: beyond max(1 %, 0.5 kg)
    give("F1", "P1", "2019-01-01T08:00", kg="100", category="sharps")
    give("P1", "D1", "2019-01-02T08:00", kg="100.9", category="sharps")  # 0.9 kg over: within 1 %
    give("P1", "D1", "2019-01-02T08:00", kg="0.6", category="chemical")  # nothing received: beyond 0.5 kg
    result = compliance(date(2019, 1, 1), date(2019, 1, 31))
    imbalances = [(i.place, i.category, i.kg) for i in result.items if i.rule == "imbalance"]
    assert imbalances == [("P1", "chemical", Decimal("0.600")), ("P1", "infectious", Decimal("1.500"))]
    assert result.as_dict()["imbalances"] == 2


def test_it_counts_townships_without_point_and_facilities_attached_to_none(give: Give) -> None:
    give("H1", "D1", "2019-01-10T08:00")  # the hospital hands over straight to a disposal unit
    result = compliance(*JANUARY)
    assert [code for code, _name in result.townships_without_point] == ["130127100", "130722100", "130724100"]
    assert result.facilities_unattached == ["F2"]
    county = compliance(*JANUARY, area="130127")
    assert (len(county.townships_without_point), county.facilities_unattached) == (1, ["F2"])
    assert compliance(*JANUARY, area="130126").facilities_unattached == []
    assert compliance(date(2019, 2, 1), date(2019, 2, 28), area="130126").facilities_unattached == ["H1"]


def test_it_computes_each_citys_capacity_gap(network: dict[str, object]) -> None:
    gaps = {gap.city: gap for gap in compliance(*JANUARY).capacity_gaps}
    shijiazhuang, zhangjiakou = gaps["1301"], gaps["1307"]
    # 20 + 30 + 450 kg a day against D1 (two counties, counted once) and D2 (one county of it, full capacity)
    assert (shijiazhuang.expected_tonnes_per_day, shijiazhuang.capacity_tonnes_per_day) == (
        Decimal("0.5"),
        Decimal("0.4"),
    )
    assert shijiazhuang.gap_tonnes_per_day == Decimal("0.1")
    assert (zhangjiakou.expected_tonnes_per_day, zhangjiakou.gap_tonnes_per_day) == (0, Decimal("-0.1"))
    assert [gap.city for gap in compliance(*JANUARY, area="130127").capacity_gaps] == ["1301"]


def test_it_scopes_the_rules_by_area(give: Give) -> None:
    give("F1", "P1", "2019-01-10T08:00")
    inside = compliance(*JANUARY, area="130126")
    assert {i.place for i in inside.items if i.rule == "late_collection"} == {"F1", "H1"}
    outside = compliance(*JANUARY, area="130127")
    assert {i.place for i in outside.items if i.rule in ("late_collection", "late_removal")} == {"F2"}


def test_a_giver_outside_the_scope_has_no_gaps_there_though_it_delivers_to_a_point_of_the_scope(
    give: Give,
) -> None:
    """F2 (高邑) hands to P1 (灵寿): the receipts count at P1, but F2's collection gaps are not 灵寿's findings."""
    give("F2", "P1", "2019-01-10T08:00")
    give("F2", "P1", "2019-01-20T08:00")
    inside = compliance(*JANUARY, area="130126")
    assert "F2" not in {i.place for i in inside.items if i.rule in ("late_collection", "late_removal")}
    assert {i.place for i in inside.items if i.rule == "overstay"} == {"P1"}
    assert len(found(compliance(*JANUARY, area="130127"), "late_collection", "F2")) == 3


def test_it_refuses_an_unknown_area_and_a_period_ending_before_it_starts(network: dict[str, object]) -> None:
    with pytest.raises(ComplianceRefused):
        compliance(*JANUARY, area="139999")
    with pytest.raises(ComplianceRefused):
        compliance(date(2019, 2, 1), date(2019, 1, 31))


def test_it_leaves_out_an_overstay_over_before_the_period(give: Give) -> None:
    give("F1", "P1", "2018-12-01T08:00", kg="10")
    give("P1", "D1", "2018-12-05T08:00", kg="10")
    give("P1", "D1", "2019-01-01T08:00", kg="0.1")  # keeps removals from being late at the period's start
    assert found(compliance(*JANUARY), "overstay", "P1") == []
    assert len(found(compliance(date(2018, 12, 1), date(2018, 12, 31)), "overstay", "P1")) == 1


def test_it_never_takes_a_receipt_out_before_it_came(give: Give) -> None:
    give("P1", "D1", "2019-01-01T08:00", kg="5")  # more than the stock: the excess is an imbalance
    give("F1", "P1", "2019-01-02T08:00", kg="10")
    give("P1", "D1", "2019-01-03T08:00", kg="4")
    result = compliance(*JANUARY, as_of=local("2019-01-10T08:00"))
    assert found(result, "overstay", "P1") == [
        ("2019-01-02T08:00:00+08:00", "2019-01-10T08:00:00+08:00", 192.0, 6.0)
    ]
    assert [(i.category, i.kg) for i in result.items if i.rule == "imbalance"] == []
    give("P1", "D1", "2019-01-09T08:00", kg="7.5")
    result = compliance(*JANUARY, as_of=local("2019-01-10T08:00"))
    assert found(result, "overstay", "P1") == [
        ("2019-01-02T08:00:00+08:00", "2019-01-09T08:00:00+08:00", 168.0, 6.0)
    ]
    assert [(i.category, i.kg) for i in result.items if i.rule == "imbalance"] == [
        ("infectious", Decimal("6.500"))
    ]


def test_it_reads_the_hours_from_the_policy_profile(give: Give) -> None:
    from tuopin.administration.policy_services import policy_set

    give("F1", "P1", "2019-01-01T00:00")
    give("F1", "P1", "2019-01-02T06:00")  # 30 hours
    give("F1", "P1", "2019-01-03T00:00")
    period = (date(2019, 1, 1), date(2019, 1, 3))
    assert found(compliance(*period), "late_collection", "F1") == []
    policy_set(
        actor=None, key="medwaste_collection_hours", year=2019, value="24", source="what if", province="13"
    )
    assert found(compliance(*period), "late_collection", "F1") == [
        ("2019-01-01T00:00:00+08:00", "2019-01-02T06:00:00+08:00", 30.0, None)
    ]
    assert compliance(*period).policy["medwaste_collection_hours"] == 24


def test_it_lists_the_coverage_findings_as_items_spanning_the_window(give: Give) -> None:
    result = compliance(*JANUARY, area="130127")
    coverage = [
        (i.rule, i.place, i.start.isoformat(), i.stop.isoformat(), i.hours, i.kg)
        for i in result.items
        if i.rule in ("township_without_point", "facility_unattached")
    ]
    assert coverage == [
        ("facility_unattached", "F2", "2019-01-01T00:00:00+08:00", "2019-02-01T00:00:00+08:00", None, None),
        (
            "township_without_point",
            "130127100",
            "2019-01-01T00:00:00+08:00",
            "2019-02-01T00:00:00+08:00",
            None,
            None,
        ),
    ]

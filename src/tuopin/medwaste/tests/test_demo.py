"""The demo's medical-waste network for 石家庄市 (1301) on its shipped divisions: the quarter's compliance shows the
violations it was built with and nothing else of note, and a second run builds nothing."""

from __future__ import annotations

from datetime import date

import pytest

from tuopin.areas.divisions import read_divisions
from tuopin.areas.models import Area
from tuopin.medwaste.compliance import compliance
from tuopin.medwaste.demo import SPRING_FESTIVAL, medwaste_demo
from tuopin.medwaste.models import Disposer, Facility, Filing, Handover, TransferPoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def shijiazhuang() -> None:
    """The province and city 1301 of the shipped divisions (the rest of Hebei is not needed)."""
    rows = [d for d in read_divisions("13") if d.code == "13" or d.code.startswith("1301")]
    Area.objects.bulk_create(
        Area(code=d.code, name=d.name, level=d.level, parent_id=d.parent or None) for d in rows
    )


def test_the_demo_builds_a_believable_quarter_once(shijiazhuang: None) -> None:
    built = medwaste_demo()
    assert built["townships_without_point"] == 2 and built["disposers"] == 2
    assert 250 < built["points"] == TransferPoint.objects.count()
    assert 800 < built["facilities"] == Facility.objects.count() <= 1500
    assert built["handovers"] == Handover.objects.count()
    found = compliance(date(2019, 1, 1), date(2019, 3, 31), area="1301")
    summary = found.as_dict()
    assert summary["townships_without_point"] == 2
    assert summary["facilities_unattached"] == 0
    assert summary["imbalances"] == 0
    late = [item for item in found.items if item.rule == "late_collection"]
    assert len(late) == 1
    assert late[0].start.date() < SPRING_FESTIVAL[0] and late[0].stop.date() > SPRING_FESTIVAL[1]
    assert late[0].hours is not None and late[0].hours >= 5 * 24
    assert summary["late_removals"] == 2
    overstays = [item for item in found.items if item.rule == "overstay"]
    assert overstays and all(item.kg and item.kg > 0 and item.hours and item.hours > 48 for item in overstays)
    assert len({item.place for item in overstays}) == 1
    gap = found.capacity_gaps[0]
    assert gap.city == "1301" and 0 < gap.gap_tonnes_per_day < 1  # a small shortfall
    lingshou = TransferPoint.objects.filter(area__code__startswith="130126").count()
    assert 0 < built["filings"] == lingshou == Filing.objects.filter(year=2019, quarter=1).count()
    assert set(Filing.objects.values_list("filed_on", flat=True)) == {date(2019, 4, 8)}
    assert medwaste_demo() == {}
    assert Handover.objects.count() == built["handovers"] and Disposer.objects.count() == 2

"""The demo's assistance reproduces seeds 002 and 003 exactly as published, over the real division tree."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from tuopin.accounts.models import User
from tuopin.assistance import periods
from tuopin.assistance.demo import LANGFANG_TOTALS, LONGHUA, WEICHANG, assistance_demo
from tuopin.assistance.models import FundEntry, HelpingUnit, Pairing, Project, WorkingGroup
from tuopin.assistance.selectors import agreement_totals, compliance_for, coverage_for, pairings_for
from tuopin.registry.demo import registry_demo

pytestmark = pytest.mark.django_db


def test_the_demo_reproduces_the_seeds() -> None:
    """One test, one build: loading the divisions of Hebei is the slow part."""
    call_command("init", verbosity=0)
    registry_demo(scale=0.0005)
    demo = assistance_demo()
    ministry_pairs_42_departments_in_13_groups_with_87_villages()
    the_2017_funds_are_exactly_as_published()
    five_langfang_counties_help_five_zhangjiakou_counties_with_the_published_outputs()
    the_demo_has_cadres_posts_duties_and_missed_visits(demo)
    assert assistance_demo() == {}  # once only


def ministry_pairs_42_departments_in_13_groups_with_87_villages() -> None:
    ministry = HelpingUnit.objects.get(name="环境保护部")
    assert ministry.children.count() == 42 and WorkingGroup.objects.filter(unit=ministry).count() == 13
    pairings = Pairing.objects.filter(kind="unit_village")
    villages = list(pairings.values_list("area_id", flat=True))
    assert len(villages) == len(set(villages)) == 87
    assert all(code[:6] in (WEICHANG, LONGHUA) and len(code) == 12 for code in villages)
    assert pairings.filter(valid_from=date(2017, 11, 15)).count() == 40
    assert pairings.exclude(valid_from=date(2017, 11, 15)).count() == 47


def the_2017_funds_are_exactly_as_published() -> None:
    allocated = dict(
        FundEntry.objects.filter(kind="allocation", source__name="中央财政环保专项资金")
        .values_list("project__area_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    assert allocated == {WEICHANG: Decimal("170000000"), LONGHUA: Decimal("110000000")}
    projects = {(p.area_id, p.name): p.funds for p in Project.objects.filter(area_id__in=[WEICHANG, LONGHUA])}
    assert projects == {
        (WEICHANG, "农村环境综合整治项目"): 30_000_000,
        (WEICHANG, "山水林田湖生态保护修复试点"): 140_000_000,
        (LONGHUA, "农村环境综合整治项目"): 30_000_000,
        (LONGHUA, "山水林田湖生态保护修复试点"): 80_000_000,
    }


def five_langfang_counties_help_five_zhangjiakou_counties_with_the_published_outputs() -> None:
    pairs = set(Pairing.objects.filter(kind="county_county").values_list("helper_area_id", "area_id"))
    assert pairs == {
        ("131071", "130723"),
        ("131082", "130727"),
        ("131028", "130724"),
        ("131024", "130722"),
        ("131022", "130725"),
    }
    assert agreement_totals(None) == LANGFANG_TOTALS


def the_demo_has_cadres_posts_duties_and_missed_visits(demo: dict[str, int]) -> None:
    assert demo["cadre_pairings"] > 0 and demo["plans"] > 0 and demo["loans"] >= 0
    report = compliance_for(None, periods.parse("2018"), as_of=date(2019, 1, 1))
    assert report.duties > report.met > 0 and report.missed
    quarterly = [m for m in report.missed if m["who"] == "部扶贫办"]
    assert quarterly == [{"who": "部扶贫办", "target": LONGHUA, "period": "2018Q3", "required": 1, "done": 0}]
    assert coverage_for(None, on=date(2018, 6, 1)).households_total > 0
    today = timezone.localdate()
    last_quarter = periods.containing("quarter", date(today.year, today.month, 1) - timedelta(days=92))
    recent = compliance_for(None, last_quarter)  # the compliance page's default period is not empty
    assert recent.duties >= recent.met > 0
    unit = User.objects.filter(username="unit").first()
    if unit is not None:  # the demo accounts exist only with the demo command
        assert pairings_for(unit).count() > 0

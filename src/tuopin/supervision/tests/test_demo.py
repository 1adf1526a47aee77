"""The supervision demo on the test tree: every ledger filled through the services, the same on a second run."""

from __future__ import annotations

import pytest
from django.db.models import Count

from tuopin.conftest import MakeUser, RegisterHousehold
from tuopin.supervision.demo import supervision_demo
from tuopin.supervision.models import Answer, Finding, Item, ListedPerson, Question

pytestmark = pytest.mark.django_db


def test_the_demo_fills_every_supervision_ledger_once(
    register: RegisterHousehold, make_user: MakeUser
) -> None:
    register("H1", status="exited", exit_year=2020)
    register("H2", village="130127100201")
    for username, role, area in (
        ("province", "province", "13"),
        ("county", "county", "130126"),
        ("township", "township", "130126100"),
        ("village", "village", "130126100201"),
    ):
        make_user(username, role, area)
    counts = supervision_demo(scale=0.002)
    assert counts == {"items": 50, "findings": 16, "listed": 3, "questions": 5}
    statuses = dict(Item.objects.values_list("status").annotate(n=Count("id")))
    assert statuses.get("closed", 0) > 20 and statuses.get("open", 0) > 0
    assert Item.objects.values("category").distinct().count() == 7
    assert Item.objects.filter(finding__isnull=False).count() == 3
    assert Finding.objects.filter(result="problem").count() == 3
    assert ListedPerson.objects.count() == 3 and Question.objects.count() == 5 and Answer.objects.count() == 4
    assert supervision_demo(scale=0.002) == {}

"""The shipped checklist templates come with every migrate and flush, once."""

from __future__ import annotations

import pytest

from tuopin.supervision.models import Checklist, ChecklistItem
from tuopin.supervision.seed import checklists_seed

pytestmark = pytest.mark.django_db


def test_the_eight_looks_checklist_is_there_and_seeding_again_writes_nothing() -> None:
    checklist = Checklist.objects.get(code="baikan-bacha")
    assert ChecklistItem.objects.filter(checklist=checklist).count() == 8
    assert checklists_seed() == 0 and Checklist.objects.count() == 1


def test_a_deleted_template_is_written_again() -> None:
    ChecklistItem.objects.all().delete()
    Checklist.objects.all().delete()
    assert checklists_seed() == 1
    assert ChecklistItem.objects.filter(checklist__code="baikan-bacha").count() == 8

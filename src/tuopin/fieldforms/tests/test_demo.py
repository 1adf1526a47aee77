"""The demo's offline collection: the village task force's device and three household updates sent as ODK Collect
sends them, two of them about households corrected on the server after the phone's download — in review."""

from __future__ import annotations

import pytest

from tuopin.conftest import MakeUser, RegisterHousehold
from tuopin.fieldforms.demo import fieldforms_demo
from tuopin.fieldforms.models import Device, Submission, SubmissionStatus
from tuopin.fieldforms.selectors import submissions_for

pytestmark = pytest.mark.django_db


def test_the_task_force_has_a_device_and_two_submissions_waiting_for_review(
    make_user: MakeUser, register: RegisterHousehold
) -> None:
    village = make_user("village", "village", "130126100201")
    for number in ("130126100201001", "130126100201002", "130126100201003"):
        register(number)
    assert fieldforms_demo() == {"devices": 1, "submissions": 3, "review": 2}
    assert Device.objects.filter(user=village, revoked_at=None).count() == 1
    statuses = sorted(Submission.objects.filter(user=village).values_list("status", flat=True))
    assert statuses == [SubmissionStatus.APPLIED, SubmissionStatus.REVIEW, SubmissionStatus.REVIEW]
    township = make_user("zhen", "township", "130126100")
    assert submissions_for(township).filter(status=SubmissionStatus.REVIEW).count() == 2
    assert fieldforms_demo() == {}  # once
    assert Submission.objects.count() == 3


def test_a_village_of_one_household_still_has_two_submissions_in_review(
    make_user: MakeUser, register: RegisterHousehold
) -> None:
    """The demo's village holds one household: the phone's first update applies, and the two sent after it (and
    after the township's correction) carry the data the phone downloaded before — in review."""
    make_user("village", "village", "130126100201")
    register("130126100201001")
    assert fieldforms_demo() == {"devices": 1, "submissions": 3, "review": 2}


def test_an_empty_village_has_its_device_and_nothing_sent(make_user: MakeUser) -> None:
    make_user("village", "village", "130126100201")
    assert fieldforms_demo() == {"devices": 1, "submissions": 0, "review": 0}
    assert not Submission.objects.exists() and Device.objects.count() == 1

"""The handover services: a reversing entry once, with a reason, in the writer's scope; no removal while the
retention period runs, and then by an administrator only; every write and refusal audited. And the policy values
the rules read, seeded with their sources."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from tuopin.accounts.models import User
from tuopin.accounts.permissions import WriteRefused
from tuopin.audit.models import AuditEvent
from tuopin.conftest import MakeUser
from tuopin.medwaste.models import Handover, PlaceKind
from tuopin.medwaste.services import HandoverInvalid, handover_delete, handover_reverse, retention_until
from tuopin.medwaste.tests.conftest import Network
from tuopin.policy.selectors import policy_for

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
AT = datetime(2019, 3, 1, 8, 30, tzinfo=SHANGHAI)


@pytest.fixture
def received(network: Network) -> Handover:
    return Handover.objects.create(
        number="LD-1",
        at=AT,
        giver_kind=PlaceKind.FACILITY,
        giver_code=network.clinic.code,
        receiver_kind=PlaceKind.POINT,
        receiver_code=network.point.code,
        area_id=network.clinic.area_id,
        category="infectious",
        kg=Decimal("12.5"),
        packages=3,
        giver_person="王医生",
        receiver_person="李师傅",
    )


@pytest.fixture
def admin(make_user: MakeUser) -> User:
    return make_user("root", "admin", "13")


def test_the_policy_values_are_seeded_with_their_sources(db: None) -> None:
    hebei = policy_for(2019, "13")
    assert (
        hebei.value("medwaste_collection_hours") == 48 and hebei["medwaste_collection_hours"].province == "13"
    )
    assert hebei.value("medwaste_storage_hours") == 48
    assert hebei.value("medwaste_retention_years") == 3
    assert hebei.value("medwaste_imbalance_ratio") == Decimal("0.01")
    assert hebei.value("medwaste_imbalance_kg") == Decimal("0.5")
    national = policy_for(2005)
    assert "第十七条" in national["medwaste_storage_hours"].source
    assert "第十二条" in national["medwaste_retention_years"].source
    assert "Tuopin's choice" in national["medwaste_imbalance_kg"].note
    assert policy_for(2002).value("medwaste_storage_hours") is None


def test_it_reverses_a_handover_once_with_a_reason(received: Handover, own: User) -> None:
    reversal = handover_reverse(actor=own, handover=received, reason="称重错误")
    assert (reversal.kg, reversal.reverses, reversal.reason) == (Decimal("-12.5"), received, "称重错误")
    assert (reversal.giver_code, reversal.receiver_code, reversal.category, reversal.at) == (
        "F-CD",
        "P-LS",
        "infectious",
        AT,
    )
    assert reversal.area_id == received.area_id and reversal.recorded_by == own
    event = AuditEvent.objects.get(action="medwaste.handover.reverse")
    assert (event.object_id, event.details["reason"]) == ("LD-1", "称重错误")
    with pytest.raises(HandoverInvalid):
        handover_reverse(actor=own, handover=received, reason="再冲一次")
    with pytest.raises(HandoverInvalid):
        handover_reverse(actor=own, handover=reversal, reason="冲正的冲正")
    assert Handover.objects.count() == 2


def test_a_reversal_needs_a_reason(received: Handover, own: User) -> None:
    with pytest.raises(HandoverInvalid):
        handover_reverse(actor=own, handover=received, reason="  ")
    assert Handover.objects.count() == 1


def test_a_neighbour_or_an_inspector_may_not_reverse(
    received: Handover, neighbour: User, inspector: User
) -> None:
    for actor in (neighbour, inspector):
        with pytest.raises(WriteRefused):
            handover_reverse(actor=actor, handover=received, reason="错了")
    assert AuditEvent.objects.filter(result="denied", object_type="handover", object_id="LD-1").count() == 2
    assert Handover.objects.count() == 1


def test_no_one_removes_a_handover_younger_than_the_retention_period(
    received: Handover, own: User, admin: User
) -> None:
    assert retention_until(received) == AT.replace(year=2022)
    before = AT.replace(year=2022) - timedelta(minutes=1)
    for actor in (own, admin, None):
        with pytest.raises(WriteRefused):
            handover_delete(actor=actor, handover=received, now=before)
    denied = AuditEvent.objects.filter(action="medwaste.handover.delete", result="denied")
    assert denied.count() == 3 and {e.details["reason"] for e in denied} == {"retention"}
    assert Handover.objects.filter(pk=received.pk).exists()


def test_after_the_retention_period_only_an_administrator_removes_it_with_its_reversal(
    received: Handover, own: User, admin: User
) -> None:
    handover_reverse(actor=own, handover=received, reason="称重错误")
    after = AT.replace(year=2022) + timedelta(days=1)
    with pytest.raises(WriteRefused):
        handover_delete(actor=own, handover=received, now=after)
    with pytest.raises(HandoverInvalid):
        handover_delete(actor=admin, handover=Handover.objects.get(reverses=received), now=after)
    handover_delete(actor=admin, handover=received, now=after)
    assert not Handover.objects.exists()
    event = AuditEvent.objects.get(action="medwaste.handover.delete", result="ok")
    assert (event.object_id, event.actor_id) == ("LD-1", admin.pk)

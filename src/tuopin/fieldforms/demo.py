"""The demo's offline collection: the village task force (account `village`) holds a device credential, and its phone
has sent three household updates through the same path as ODK Collect's (tuopin.fieldforms.receive): the first
applied at once, two about households whose data changed in the registry after the phone had downloaded it (the
township corrected an income, or the first update itself) — those wait in the review queue for the village or
township to apply or reject.

Built once: nothing is added when the task force already has a device."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from tuopin.accounts.models import User
from tuopin.fieldforms.devices import device_create
from tuopin.fieldforms.instances import instance_xml, new_instance_id
from tuopin.fieldforms.media import data_version, household_versions
from tuopin.fieldforms.models import Device
from tuopin.fieldforms.receive import parse_instance, submission_receive
from tuopin.registry.models import Household
from tuopin.registry.selectors import households_for
from tuopin.registry.services import income_set
from tuopin.registry.vocab import Labour, WorkStatus

USERNAME = "village"  # the demo's task force (site demo command, DEMO_ACCOUNTS)
FORM = "household_update"


def fieldforms_demo() -> dict[str, int]:
    """The task force's device and its three submissions (none when its village holds no household); {} when the
    device exists or the account does not."""
    user = User.objects.filter(username=USERNAME).first()
    if user is None or Device.objects.filter(user=user).exists():
        return {}
    households = list(households_for(user).filter(members__isnull=False).distinct().order_by("number")[:3])
    with transaction.atomic():
        device, _password = device_create(actor=None, user=user, label="驻村工作队手机（演示）")
        if not households:  # a demo of a tiny scale may leave the village empty: the phone has sent nothing
            return {"devices": 1, "submissions": 0, "review": 0}
        # A small village: one household thrice.
        sent = [households[index % len(households)] for index in range(3)]
        versions = household_versions(h.pk for h in households)  # what the phone downloaded
        phone_data = data_version(user, FORM)
        instances = [_update(household, versions[household.pk], phone_data) for household in sent]
        statuses = [_send(user, device, instances[0])]  # sent at once, applied
        year = timezone.localdate().year
        for household in {
            h.pk: h for h in sent[1:]
        }.values():  # the township corrects before the others arrive
            income_set(
                actor=None,
                household=household,
                year=year,
                amounts={"transfer": Decimal("1200")},
                reason="乡镇核实转移性收入（演示）",
            )
        statuses += [_send(user, device, xml) for xml in instances[1:]]
    return {"devices": 1, "submissions": len(statuses), "review": statuses.count("review")}


def _send(user: User, device: Device, xml: bytes) -> str:
    received, _added = submission_receive(
        user=user, device_id=device.pk, instance=parse_instance(xml), xml=xml, files=[]
    )
    return received.status


def _update(household: Household, version: str, phone_data: str) -> bytes:
    """A household update as the task force's phone fills it: the first member's labour and work, the year's wage."""
    member = household.members.order_by("pk").first()
    assert member is not None  # households with members only
    values = {
        "household": household.number,
        "household_version": version,
        "members": [
            {"member": str(member.pk), "labour": Labour.NORMAL.value, "work_status": WorkStatus.COUNTY.value}
        ],
        "year": str(timezone.localdate().year),
        "wage": "8400",
        "data_version": phone_data,
    }
    return instance_xml(FORM, values, instance_id=new_instance_id())

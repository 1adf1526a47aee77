"""A small medical-waste network on the shared division tree: in 灵寿县 (130126) a transfer point in its township
with a village clinic and a township hospital attached, in 高邑县 (130127) another point and clinic, and a city's
disposal unit serving both counties."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from tuopin.areas.models import Area
from tuopin.medwaste.models import Disposer, Facility, FacilityKind, TransferPoint


@dataclass(frozen=True)
class Network:
    point: TransferPoint
    clinic: Facility
    hospital: Facility
    far_point: TransferPoint
    far_clinic: Facility
    disposer: Disposer


@pytest.fixture
def network(tree: dict[str, Area]) -> Network:
    point = TransferPoint.objects.create(
        code="P-LS", name="灵寿镇周转点", area_id="130126100", capacity_kg=Decimal("500")
    )
    far_point = TransferPoint.objects.create(
        code="P-GY", name="高邑镇周转点", area_id="130127100", capacity_kg=Decimal("500")
    )
    clinic = Facility.objects.create(
        code="F-CD",
        name="城东村卫生室",
        kind=FacilityKind.VILLAGE_CLINIC,
        area_id="130126100201",
        point=point,
        daily_kg=Decimal("0.4"),
    )
    hospital = Facility.objects.create(
        code="F-LSH",
        name="灵寿镇卫生院",
        kind=FacilityKind.TOWNSHIP_HOSPITAL,
        area_id="130126100",
        daily_kg=Decimal("12"),
    )
    far_clinic = Facility.objects.create(
        code="F-DG",
        name="东关村卫生室",
        kind=FacilityKind.VILLAGE_CLINIC,
        area_id="130127100201",
        point=far_point,
        daily_kg=Decimal("0.3"),
    )
    disposer = Disposer.objects.create(
        code="D-SJZ", name="石家庄医疗废物处置中心", area_id="1301", daily_tonnes=5
    )
    disposer.serves.set([tree["130126"], tree["130127"]])
    return Network(point, clinic, hospital, far_point, far_clinic, disposer)

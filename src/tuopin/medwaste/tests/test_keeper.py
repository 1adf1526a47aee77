"""The keeper's phone page and handover_record: a receipt and a removal recorded through the page (the rows, their
audit rows, the number shown), the stock by category with the oldest receipt's age marked past the policy's
storage hours, every check of the import on a handover recorded on its own (nothing written), and who may open
the page at which point."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from tuopin.accounts.models import User
from tuopin.accounts.permissions import WriteRefused
from tuopin.audit.models import AuditEvent
from tuopin.conftest import MakeUser, client_for
from tuopin.medwaste.models import Handover, PlaceKind, TransferPoint
from tuopin.medwaste.selectors import point_stock
from tuopin.medwaste.services import HandoverInvalid, handover_record, place_member_link
from tuopin.medwaste.tests.conftest import Network

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture
def keeper(make_user: MakeUser, network: Network) -> User:
    user = make_user("keeper", "keeper", "130126100")
    user.full_name = "李守点"
    user.save(update_fields=["full_name"])
    place_member_link(actor=None, user=user, point=network.point)
    return user


def _now() -> str:
    return f"{timezone.localtime() - timedelta(minutes=5):%Y-%m-%dT%H:%M}"


def _receipt(network: Network, **extra: Any) -> dict[str, Any]:
    return {
        "point": network.point.code,
        "action": "receipt",
        "facility": network.clinic.code,
        "category": "infectious",
        "kg": "3.25",
        "packages": "2",
        "giver_person": "王医生",
        "receiver_person": "李守点",
        "at": _now(),
        **extra,
    }


def _removal(network: Network, **extra: Any) -> dict[str, Any]:
    return {
        "point": network.point.code,
        "action": "removal",
        "disposer": network.disposer.code,
        "category": "infectious",
        "kg": "3.25",
        "packages": "2",
        "vehicle": "冀A3K521",
        "giver_person": "李守点",
        "receiver_person": "赵师傅",
        "disposal_method": "高温蒸汽灭菌",
        "destination": "石家庄医疗废物处置中心",
        "at": _now(),
        **extra,
    }


def test_a_keeper_with_one_point_lands_on_it(keeper: User, network: Network) -> None:
    client = client_for(keeper)
    assert client.get("/medwaste/").url == "/medwaste/keeper/"  # type: ignore[attr-defined]
    page = client.get("/medwaste/keeper/")
    assert page.status_code == 200 and page.context["point"] == network.point
    body = page.content.decode()
    assert 'data-testid="receipt"' in body and 'data-testid="removal"' in body


def test_the_receipt_form_defaults_to_infectious_now_and_the_keeper(keeper: User, network: Network) -> None:
    page = client_for(keeper).get("/medwaste/keeper/?action=receipt")
    form = page.context["form"]
    assert form["category"].value() == "infectious"
    assert form["receiver_person"].value() == "李守点"
    assert form["facility"].field.choices == [("F-CD", "城东村卫生室（F-CD）")]  # attached to the point only
    body = page.content.decode()
    assert 'inputmode="decimal"' in body and 'type="datetime-local"' in body


def test_a_keeper_records_a_receipt_and_a_removal(keeper: User, network: Network) -> None:
    client = client_for(keeper)
    response = client.post("/medwaste/keeper/", _receipt(network), follow=True)
    receipt = Handover.objects.get(giver_code="F-CD")
    assert (receipt.receiver_kind, receipt.receiver_code, receipt.kg) == (
        PlaceKind.POINT,
        "P-LS",
        Decimal("3.25"),
    )
    assert receipt.recorded_by == keeper and receipt.area_id == network.clinic.area_id
    assert receipt.number.startswith("P-LS-") and len(receipt.number) <= 40
    body = response.content.decode()
    assert receipt.number in body and "已保存" in body
    assert response.context["stock"][0]["row"].kg == Decimal("3.25")
    assert [h.number for h in response.context["today"]] == [receipt.number]

    removal_page = client.get("/medwaste/keeper/?action=removal")
    assert removal_page.context["form"]["giver_person"].value() == "李守点"
    client.post("/medwaste/keeper/", _removal(network))
    removal = Handover.objects.get(giver_code="P-LS")
    assert (removal.receiver_kind, removal.receiver_code) == (PlaceKind.DISPOSER, "D-SJZ")
    assert removal.area_id == "130126100" and removal.destination == "石家庄医疗废物处置中心"
    recorded = AuditEvent.objects.filter(action="medwaste.handover.record", result="ok")
    assert set(recorded.values_list("object_id", flat=True)) == {receipt.number, removal.number}
    page = client.get("/medwaste/keeper/")
    assert page.context["stock"] == []  # all removed
    assert len(page.context["today"]) == 2


def test_the_next_removal_is_prefilled_from_the_last(keeper: User, network: Network) -> None:
    client = client_for(keeper)
    client.post("/medwaste/keeper/", _receipt(network))
    client.post("/medwaste/keeper/", _removal(network, kg="1"))
    form = client.get("/medwaste/keeper/?action=removal").context["form"]
    assert form["destination"].value() == "石家庄医疗废物处置中心"
    assert form["vehicle"].value() == "冀A3K521" and form["disposer"].value() == "D-SJZ"


def test_a_removal_without_its_method_is_refused_and_nothing_written(keeper: User, network: Network) -> None:
    response = client_for(keeper).post(
        "/medwaste/keeper/", _removal(network, disposal_method="", destination="")
    )
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert any("处置方式" in e and "交给处置单位时必填" in e for e in errors)
    assert any("最终去向" in e for e in errors)
    assert not Handover.objects.exists()


def test_the_stock_marks_waste_older_than_the_policys_storage_hours(network: Network) -> None:
    now = timezone.now()
    for hours, kg in ((50, "2"), (10, "3")):
        handover_record(
            actor=None,
            giver="F-CD",
            receiver="P-LS",
            at=now - timedelta(hours=hours),
            category="sharps",
            kg=Decimal(kg),
            packages=1,
            giver_person="王医生",
            receiver_person="李守点",
        )
    [stock] = point_stock(network.point, now=now)
    assert stock.kg == Decimal("5") and stock.hours == 50  # the 50-hour-old receipt is still there
    handover_record(
        actor=None,
        giver="P-LS",
        receiver="D-SJZ",
        at=now - timedelta(hours=1),
        category="sharps",
        kg=Decimal("2.5"),
        packages=1,
        giver_person="李守点",
        receiver_person="赵师傅",
        disposal_method="焚烧",
        destination="处置中心",
    )
    [stock] = point_stock(network.point, now=now)
    assert stock.kg == Decimal("2.5") and stock.hours == 10  # first in, first out: the old one went


def test_the_page_marks_overstays_red(keeper: User, network: Network) -> None:
    handover_record(
        actor=None,
        giver="F-CD",
        receiver="P-LS",
        at=timezone.now() - timedelta(hours=60),
        category="infectious",
        kg=Decimal("2"),
        packages=1,
        giver_person="王医生",
        receiver_person="李守点",
    )
    page = client_for(keeper).get("/medwaste/keeper/")
    assert page.context["limit"] == 48  # the shipped policy value, not a constant of the page
    assert page.context["stock"][0]["late"] and 'data-late="1"' in page.content.decode()


BASE: dict[str, Any] = {
    "giver": "F-CD",
    "receiver": "P-LS",
    "category": "infectious",
    "kg": Decimal("2"),
    "packages": 1,
    "giver_person": "王医生",
    "receiver_person": "李守点",
}


@pytest.mark.parametrize(
    ("change", "column", "message"),
    [
        ({"giver": "F-NONE"}, "交出方代码", "没有这个交出方代码"),
        ({"receiver": "F-LSH"}, "接收方代码", "不能从医疗机构交给医疗机构"),
        ({"giver": "P-LS", "receiver": "P-GY"}, "接收方代码", "不能从周转点交给周转点"),
        ({"at": "future"}, "交接时间", "交接时间晚于现在"),
        ({"kg": Decimal("0")}, "重量(千克)", "应为大于0的数"),
        ({"kg": Decimal("-1")}, "重量(千克)", "应为大于0的数"),
        ({"receiver": "D-SJZ"}, "处置方式", "交给处置单位时必填"),
        ({"giver_person": " "}, "交接人", "必填"),
        ({"category": "radioactive"}, "类别", "请选择类别"),
        ({"packages": -1}, "包数", "包数不能为负数"),
    ],
)
def test_handover_record_refuses_what_the_import_refuses(
    network: Network, change: dict[str, Any], column: str, message: str
) -> None:
    values = {**BASE, "at": timezone.now() - timedelta(hours=1), **change}
    if values["at"] == "future":
        values["at"] = timezone.now() + timedelta(hours=2)
    with pytest.raises(HandoverInvalid) as refused:
        handover_record(actor=None, **values)
    assert any(found == column and message in text for found, text in refused.value.problems)
    assert not Handover.objects.exists()
    assert not AuditEvent.objects.filter(action="medwaste.handover.record").exists()


def test_numbers_are_unique_at_the_same_minute(network: Network) -> None:
    at = datetime(2019, 3, 1, 9, 30, tzinfo=SHANGHAI)
    numbers = {handover_record(actor=None, at=at, **BASE).number for _ in range(3)}
    assert numbers == {"P-LS-20190301093000", "P-LS-20190301093000-2", "P-LS-20190301093000-3"}


def test_an_office_opens_the_page_for_a_point_in_its_scope(make_user: MakeUser, network: Network) -> None:
    client = client_for(make_user("lingshou", "county", "130126"))
    chooser = client.get("/medwaste/keeper/")
    assert chooser.status_code == 200 and "灵寿镇周转点" in chooser.content.decode()
    assert "高邑镇周转点" not in chooser.content.decode()
    client.post("/medwaste/keeper/", _receipt(network))
    assert Handover.objects.get().recorded_by.username == "lingshou"  # type: ignore[union-attr]
    assert client.get("/medwaste/keeper/?point=P-GY").status_code == 404


def test_a_keeper_is_refused_at_another_point(keeper: User, network: Network) -> None:
    client = client_for(keeper)
    assert client.get("/medwaste/keeper/?point=P-GY").status_code == 404
    response = client.post("/medwaste/keeper/", _receipt(network, point="P-GY", facility="F-DG"))
    assert response.status_code == 404
    denied = AuditEvent.objects.filter(action="access.not_found", object_type="point", object_id="P-GY")
    assert denied.count() == 2
    assert not Handover.objects.exists()


def test_a_keeper_may_not_record_a_handover_that_skips_its_point(keeper: User, network: Network) -> None:
    # the clinic is attached to the keeper's point, but its delivery straight to the unit is not the point's
    with pytest.raises(WriteRefused):
        handover_record(
            actor=keeper,
            **{**BASE, "receiver": "D-SJZ"},
            at=timezone.now() - timedelta(hours=1),
            disposal_method="焚烧",
            destination="处置中心",
        )
    assert AuditEvent.objects.filter(action="medwaste.handover.record", result="denied").count() == 1
    assert not Handover.objects.exists()


@pytest.mark.parametrize(
    ("role", "area"), [("health", "130126"), ("inspector", "130126"), ("facility", "130126")]
)
def test_readers_cannot_open_the_keepers_page(
    make_user: MakeUser, network: Network, role: str, area: str
) -> None:
    client = client_for(make_user("reader", role, area))
    assert client.get("/medwaste/keeper/").status_code == 403
    assert client.post("/medwaste/keeper/", _receipt(network)).status_code == 403
    assert not Handover.objects.exists()
    assert AuditEvent.objects.filter(action="access.denied", object_id="/medwaste/keeper/").count() == 2


def test_a_keeper_cannot_import_ledgers(keeper: User) -> None:
    client = client_for(keeper)
    assert client.get("/ledgers/medwaste_handovers/import/").status_code == 403


def test_a_keepers_import_is_refused_and_audited(keeper: User, network: Network, tmp_path: Any) -> None:
    from tuopin.ledgers.framework import ledger_import

    path = tmp_path / "handovers.csv"
    path.write_text("联单编号,交接时间\n", encoding="utf-8")
    result = ledger_import("medwaste_handovers", path, actor=keeper)
    assert result.errors and "无权导入" in result.errors[0]["message"]
    assert AuditEvent.objects.filter(action="ledger.import", result="denied").count() == 1
    assert not Handover.objects.exists()


def test_the_tab_to_the_page_is_shown_to_those_who_may_open_it(
    keeper: User, make_user: MakeUser, network: Network
) -> None:
    assert 'data-testid="keeper-tab"' in client_for(keeper).get("/medwaste/handovers/").content.decode()
    office = client_for(make_user("lingshou", "county", "130126"))
    assert 'data-testid="keeper-tab"' in office.get("/medwaste/handovers/").content.decode()
    for role in ("inspector", "health"):
        reader = client_for(make_user(role, role, "130126"))
        assert 'data-testid="keeper-tab"' not in reader.get("/medwaste/handovers/").content.decode()


def test_a_keeper_of_two_points_chooses_one(keeper: User, network: Network) -> None:
    second = TransferPoint.objects.create(
        code="P-LS2", name="灵寿镇第二周转点", area_id="130126100", capacity_kg=Decimal("300")
    )
    place_member_link(actor=None, user=keeper, point=second)
    client = client_for(keeper)
    chooser = client.get("/medwaste/keeper/")
    assert [p.code for p in chooser.context["page"]] == ["P-LS", "P-LS2"]
    page = client.get("/medwaste/keeper/?point=P-LS2")
    assert page.context["point"] == second and page.context["several"]
    assert client.get("/medwaste/keeper/?point=P-GY").status_code == 404


def test_a_point_emptied_of_fractions_holds_nothing(network: Network) -> None:
    """Kilograms that do not add up in binary floating point (SQLite sums decimals as floats) still empty the
    point: 0.1 + 0.2 received, 0.3 removed."""
    now = timezone.now()
    for hours, kg in ((30, "0.1"), (20, "0.2")):
        handover_record(
            actor=None,
            giver="F-CD",
            receiver="P-LS",
            at=now - timedelta(hours=hours),
            category="infectious",
            kg=Decimal(kg),
            packages=1,
            giver_person="王医生",
            receiver_person="李守点",
        )
    handover_record(
        actor=None,
        giver="P-LS",
        receiver="D-SJZ",
        at=now - timedelta(hours=1),
        category="infectious",
        kg=Decimal("0.3"),
        packages=2,
        giver_person="李守点",
        receiver_person="张师傅",
        vehicle="冀A3K521",
        disposal_method="高温蒸汽",
        destination="石家庄医疗废物处置中心",
    )
    assert point_stock(network.point, now=now) == []

"""Who reads and writes what of the medical-waste ledger (issue 18 part 5): a health office reads its county as an
office does and nothing else of Tuopin; a keeper reads its point, the facilities attached, the handovers given or
received there and the units serving it, and records only there; a facility's user reads its facility's
handovers; an inspector reads and writes nothing; a village office, which holds the write capability but not this
ledger's, reverses nothing. Users are linked to places by a user manager of their scope or the command line."""

from __future__ import annotations

import json
import zoneinfo
from datetime import datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from tuopin.accounts.models import User
from tuopin.accounts.permissions import WriteRefused
from tuopin.audit.models import AuditEvent
from tuopin.conftest import MakeUser, client_for
from tuopin.medwaste import selectors
from tuopin.medwaste.models import Handover, PlaceKind, PlaceMember
from tuopin.medwaste.services import LinkInvalid, handover_reverse, place_member_link
from tuopin.medwaste.tests.conftest import Network

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
AT = datetime(2019, 3, 1, 8, 30, tzinfo=SHANGHAI)


def _handover(number: str, giver: tuple[str, str], receiver: tuple[str, str], area: str) -> Handover:
    return Handover.objects.create(
        number=number,
        at=AT,
        giver_kind=giver[0],
        giver_code=giver[1],
        receiver_kind=receiver[0],
        receiver_code=receiver[1],
        area_id=area,
        category="infectious",
        kg=Decimal("2"),
        packages=1,
        giver_person="王医生",
        receiver_person="李师傅",
    )


@pytest.fixture
def ledger(network: Network) -> dict[str, Handover]:
    """In 灵寿县: the clinic's receipt at the point, the point's removal, the township hospital's delivery straight
    to the unit; in 高邑县: its clinic's receipt at its point."""
    facility, point, disposer = PlaceKind.FACILITY, PlaceKind.POINT, PlaceKind.DISPOSER
    return {
        "receipt": _handover("LS-R", (facility, "F-CD"), (point, "P-LS"), "130126100201"),
        "removal": _handover("LS-Z", (point, "P-LS"), (disposer, "D-SJZ"), "130126100"),
        "direct": _handover("LS-D", (facility, "F-LSH"), (disposer, "D-SJZ"), "130126100"),
        "far": _handover("GY-R", (facility, "F-DG"), (point, "P-GY"), "130127100201"),
    }


@pytest.fixture
def keeper(make_user: MakeUser, network: Network) -> User:
    user = make_user("keeper", "keeper", "130126100")
    place_member_link(actor=None, user=user, point=network.point)
    return user


@pytest.fixture
def clinic_user(make_user: MakeUser, network: Network) -> User:
    user = make_user("clinic", "facility", "130126100201")
    place_member_link(actor=None, user=user, facility=network.clinic)
    return user


@pytest.fixture
def health(make_user: MakeUser) -> User:
    return make_user("health", "health", "130126")


def _listed(client: object, url: str) -> set[str]:
    page = client.get(url)  # type: ignore[attr-defined]
    assert page.status_code == 200, url
    return {row.code if hasattr(row, "code") else row.number for row in page.context["page"]}


def test_a_keeper_reads_its_point_and_what_serves_it(keeper: User, ledger: dict[str, Handover]) -> None:
    client = client_for(keeper)
    assert _listed(client, "/medwaste/points/") == {"P-LS"}
    assert _listed(client, "/medwaste/facilities/") == {"F-CD"}  # the attached clinic, not the hospital
    assert _listed(client, "/medwaste/disposers/") == {"D-SJZ"}  # serving the point's county
    assert _listed(client, "/medwaste/handovers/") == {"LS-R", "LS-Z"}
    assert client.get("/medwaste/handovers/LS-R/").status_code == 200
    for number in ("LS-D", "GY-R"):
        assert client.get(f"/medwaste/handovers/{number}/").status_code == 404
    denied = AuditEvent.objects.filter(action="access.not_found", object_type="handover", result="denied")
    assert set(denied.values_list("object_id", flat=True)) == {"LS-D", "GY-R"}


def test_a_facility_user_reads_only_its_facilitys_handovers(
    clinic_user: User, ledger: dict[str, Handover]
) -> None:
    client = client_for(clinic_user)
    assert client.get("/medwaste/")["Location"] == "/medwaste/handovers/"
    assert _listed(client, "/medwaste/handovers/") == {"LS-R"}
    assert _listed(client, "/medwaste/facilities/") == {"F-CD"}
    assert _listed(client, "/medwaste/points/") == {"P-LS"}
    assert _listed(client, "/medwaste/disposers/") == set()
    assert client.get("/medwaste/handovers/LS-Z/").status_code == 404
    page = client.get("/medwaste/handovers/LS-R/")
    assert page.status_code == 200 and 'data-testid="reverse"' not in page.content.decode()


def test_a_health_office_reads_its_county_as_an_office(
    health: User, make_user: MakeUser, ledger: dict[str, Handover]
) -> None:
    client = client_for(health)
    office = client_for(make_user("lingshou", "county", "130126"))
    for url in ("/medwaste/points/", "/medwaste/facilities/", "/medwaste/handovers/", "/medwaste/disposers/"):
        assert _listed(client, url) == _listed(office, url), url
    assert _listed(client, "/medwaste/handovers/") == {"LS-R", "LS-Z", "LS-D"}
    overview = client.get("/medwaste/?quarter=2019Q1")
    assert overview.status_code == 200
    assert 'data-testid="ledgers"' not in overview.content.decode()  # the ledger pages need READ
    assert client.get("/medwaste/handovers/GY-R/").status_code == 404
    page = client.get("/medwaste/handovers/LS-R/")
    assert 'data-testid="reverse"' not in page.content.decode()


@pytest.mark.parametrize(
    "url", ["/registry/", "/dashboard/", "/supervision/", "/ledgers/medwaste_handovers/import/"]
)
def test_the_medwaste_roles_open_nothing_else(
    health: User, keeper: User, clinic_user: User, url: str
) -> None:
    for user in (health, keeper, clinic_user):
        assert client_for(user).get(url).status_code == 403, (user.role, url)
    assert AuditEvent.objects.filter(action="access.denied", object_id=url).count() == 3


def test_the_overview_is_for_offices_inspectors_and_health(
    health: User, keeper: User, inspector: User, ledger: dict[str, Handover]
) -> None:
    assert client_for(health).get("/medwaste/").status_code == 200
    assert client_for(inspector).get("/medwaste/").status_code == 200
    assert client_for(keeper).get("/medwaste/")["Location"] == "/medwaste/keeper/"


def test_an_inspector_reads_its_area_but_cannot_reverse(inspector: User, ledger: dict[str, Handover]) -> None:
    client = client_for(inspector)
    assert _listed(client, "/medwaste/handovers/") == {"LS-R", "LS-Z", "LS-D"}
    assert client.post("/medwaste/handovers/LS-R/reverse/", {"reason": "错了"}).status_code == 403
    assert AuditEvent.objects.filter(action="medwaste.handover.reverse", result="denied").count() == 1
    assert not Handover.objects.filter(reverses__isnull=False).exists()


def test_a_village_office_can_no_longer_reverse(make_user: MakeUser, ledger: dict[str, Handover]) -> None:
    village = make_user("cun", "village", "130126100201")
    with pytest.raises(WriteRefused):
        handover_reverse(actor=village, handover=ledger["receipt"], reason="错了")
    assert (
        client_for(village).post("/medwaste/handovers/LS-R/reverse/", {"reason": "错了"}).status_code == 403
    )
    assert selectors.handovers_for(village).count() == 0  # nor reads the ledger at all
    assert not Handover.objects.filter(reverses__isnull=False).exists()


def test_a_keeper_reverses_at_its_own_point_only(keeper: User, ledger: dict[str, Handover]) -> None:
    client = client_for(keeper)
    page = client.get("/medwaste/handovers/LS-R/")
    assert 'data-testid="reverse"' in page.content.decode()
    assert client.post("/medwaste/handovers/LS-R/reverse/", {"reason": "称重错误"}).status_code == 302
    assert Handover.objects.get(reverses__number="LS-R").recorded_by == keeper
    with pytest.raises(WriteRefused):
        handover_reverse(actor=keeper, handover=ledger["direct"], reason="错了")
    with pytest.raises(WriteRefused):
        handover_reverse(actor=keeper, handover=ledger["far"], reason="错了")


# ------------------------------------------------------------------------------------------------------ links


def test_a_user_manager_links_a_keeper_in_its_scope(make_user: MakeUser, network: Network) -> None:
    manager = make_user("lingshou", "county", "130126", manage=True)
    user = make_user("keeper", "keeper", "130126100")
    link = place_member_link(actor=manager, user=user, point=network.point)
    assert link.linked_by == "lingshou"
    assert place_member_link(actor=manager, user=user, point=network.point) == link  # once
    assert AuditEvent.objects.filter(action="medwaste.place_link", result="ok").count() == 1


def test_links_are_refused_outside_the_managers_scope_or_role(make_user: MakeUser, network: Network) -> None:
    manager = make_user("lingshou", "county", "130126", manage=True)
    plain = make_user("plain", "county", "130126")  # no user management
    keeper = make_user("keeper", "keeper", "130126100")
    far_keeper = make_user("far", "keeper", "130127100")
    clinic_user = make_user("clinic", "facility", "130126100201")
    for actor, user, place in (
        (manager, keeper, {"point": network.far_point}),  # the point is a neighbour's
        (manager, far_keeper, {"point": network.point}),  # the user is a neighbour's
        (plain, keeper, {"point": network.point}),
    ):
        with pytest.raises(WriteRefused):
            place_member_link(actor=actor, user=user, **place)  # type: ignore[arg-type]
    assert AuditEvent.objects.filter(action="medwaste.place_link", result="denied").count() == 3
    with pytest.raises(LinkInvalid):
        place_member_link(actor=manager, user=keeper, facility=network.clinic)
    with pytest.raises(LinkInvalid):
        place_member_link(actor=manager, user=clinic_user, point=network.point)
    assert not PlaceMember.objects.exists()


def test_the_link_command(make_user: MakeUser, network: Network, capsys: pytest.CaptureFixture[str]) -> None:
    make_user("keeper", "keeper", "130126100")
    make_user("clinic", "facility", "130126100201")
    call_command("medwaste", "link", "--username", "keeper", "--point", "P-LS", "--json")
    assert json.loads(capsys.readouterr().out) == {"username": "keeper", "point": "P-LS"}
    call_command("medwaste", "link", "--username", "clinic", "--facility", "F-CD")
    assert "clinic acts for facility F-CD" in capsys.readouterr().out
    assert set(PlaceMember.objects.values_list("user__username", flat=True)) == {"keeper", "clinic"}
    with pytest.raises(CommandError, match="只有周转点管理员"):
        call_command("medwaste", "link", "--username", "clinic", "--point", "P-LS")
    with pytest.raises(CommandError, match="no transfer point"):
        call_command("medwaste", "link", "--username", "keeper", "--point", "P-NONE")
    with pytest.raises(CommandError, match="no active user"):
        call_command("medwaste", "link", "--username", "nobody", "--point", "P-LS")


def test_the_demo_links_its_keeper_and_clinic_user_once(make_user: MakeUser, network: Network) -> None:
    from tuopin.medwaste.demo import DEMO_ACCOUNTS, link_demo_accounts

    for username, role, area, _name, _manages in DEMO_ACCOUNTS:
        make_user(username, role, area)
    link_demo_accounts("130126")
    link_demo_accounts("130126")
    links = PlaceMember.objects.values_list("user__username", "point__code", "facility__code")
    assert sorted(links, key=str) == sorted([("keeper", "P-LS", None), ("clinic", None, "F-CD")], key=str)


def test_a_village_office_may_not_import_the_medical_waste_ledgers_though_it_writes_others(
    make_user: MakeUser, network: Network, tmp_path: object
) -> None:
    from pathlib import Path

    from tuopin.ledgers.framework import LEDGERS, ledger_import, ledger_may_import

    village = make_user("cun2", "village", "130126100201")
    assert ledger_may_import(village, LEDGERS["visits"])
    assert not any(
        ledger_may_import(village, LEDGERS[name]) for name in LEDGERS if name.startswith("medwaste_")
    )
    assert client_for(village).get("/ledgers/medwaste_handovers/import/").status_code == 403
    path = Path(str(tmp_path)) / "handovers.csv"
    path.write_text("联单编号,交接时间\n", encoding="utf-8")
    result = ledger_import("medwaste_handovers", path, actor=village)
    assert result.errors and "无权导入" in result.errors[0]["message"]
    assert AuditEvent.objects.filter(action="ledger.import", result="denied").count() == 1

"""The procedure pages: a village task force proposes and advances its list, each office sees its own step's form,
nobody sees another area's procedures, and a refusal lists every household's problem without doing anything."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tuopin.accounts.models import User
from tuopin.audit.models import AuditEvent
from tuopin.conftest import MakeUser, RegisterHousehold, client_for
from tuopin.procedures.flows import Kind
from tuopin.procedures.models import Procedure, Step
from tuopin.procedures.services import Proposal, procedure_propose
from tuopin.registry.models import Household, Income

pytestmark = pytest.mark.django_db
VILLAGE = "130126100201"


def _ready(register: RegisterHousehold, number: str, net: str = "12000") -> Household:
    household = register(number, water_safe=True)
    Income.objects.create(
        household=household, year=2019, wage=Decimal(net), business=0, property_income=0, transfer=0, costs=0
    )
    return household


@pytest.fixture
def task_force(make_user: MakeUser) -> User:
    return make_user("cundong", "village", VILLAGE)


def test_a_task_force_proposes_its_village_list_and_holds_the_appraisal_for_all(
    register: RegisterHousehold, task_force: User
) -> None:
    ready = [_ready(register, "H001"), _ready(register, "H002")]
    _ready(register, "H003", net="3000")
    client = client_for(task_force)
    url = f"/procedures/village/{VILLAGE}/?kind=household_exit&year=2019"
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert text.count('name="chosen"') == 3 and "人均纯收入 1000.00 元" in text  # H003's failing reason
    response = client.post(
        url, {"group": "propose", "year": "2019", "on": "2019-11-01", "chosen": [str(h.pk) for h in ready]}
    )
    assert response.status_code == 302
    assert sorted(Procedure.objects.values_list("household__number", flat=True)) == ["H001", "H002"]
    page = client.get(url).content.decode()
    assert 'data-testid="group-appraisal-0"' in page
    chosen = [f"{p.pk}:{p.version}" for p in Procedure.objects.all()]
    response = client.post(
        url,
        {
            "group": "appraisal-0",
            "appraisal-0-on": "2019-11-03",
            "appraisal-0-attendance": "30",
            "appraisal-0-votes_for": "28",
            "appraisal-0-votes_against": "1",
            "chosen": chosen,
        },
    )
    assert response.status_code == 302
    assert Step.objects.filter(code="appraisal", passed=True, actor="cundong").count() == 2


def test_a_list_with_a_failing_household_does_nothing_and_names_it(
    register: RegisterHousehold, task_force: User
) -> None:
    households = [_ready(register, "H001"), _ready(register, "H002", net="3000")]
    client = client_for(task_force)
    response = client.post(
        f"/procedures/village/{VILLAGE}/?kind=household_exit&year=2019",
        {"group": "propose", "year": "2019", "on": "2019-11-01", "chosen": [str(h.pk) for h in households]},
    )
    assert response.status_code == 400
    problems = response.content.decode().split('data-testid="problems"')[1].split("</div>")[0]
    assert "H002" in problems and "H001" not in problems
    assert not Procedure.objects.exists()


def test_each_office_sees_the_form_of_its_own_step(
    register: RegisterHousehold, task_force: User, own: User, make_user: MakeUser
) -> None:
    procedure = procedure_propose(
        actor=task_force,
        on=date(2019, 11, 1),
        proposal=Proposal(Kind.HOUSEHOLD_EXIT, 2019, household=_ready(register, "H001")),
    )
    assert 'data-testid="act"' in client_for(task_force).get(f"/procedures/{procedure.pk}/").content.decode()
    county_page = client_for(own).get(f"/procedures/{procedure.pk}/").content.decode()
    assert 'data-testid="act"' not in county_page and "村民主评议" in county_page
    response = client_for(own).post(
        f"/procedures/{procedure.pk}/",
        {
            "action": "act",
            "version": procedure.version,
            "on": "2019-11-03",
            "attendance": "9",
            "votes_for": "9",
            "votes_against": "0",
        },
    )
    assert not Step.objects.exists() and response.status_code in (200, 400)
    response = client_for(task_force).post(
        f"/procedures/{procedure.pk}/",
        {
            "action": "act",
            "version": procedure.version,
            "on": "2019-11-03",
            "attendance": "9",
            "votes_for": "9",
            "votes_against": "0",
        },
    )
    assert response.status_code == 302 and Step.objects.get().actor == "cundong"


def test_a_notice_closed_early_is_refused_on_the_page(register: RegisterHousehold, task_force: User) -> None:
    procedure = procedure_propose(
        actor=task_force,
        on=date(2019, 11, 1),
        proposal=Proposal(Kind.HOUSEHOLD_EXIT, 2019, household=_ready(register, "H001")),
    )
    client = client_for(task_force)
    url = f"/procedures/{procedure.pk}/"
    for data in (
        {"attendance": "9", "votes_for": "9", "votes_against": "0", "on": "2019-11-02"},
        {"agreed": "true", "signed_by": "王建国", "on": "2019-11-03"},
        {"on": "2019-11-04"},
    ):
        procedure.refresh_from_db()
        assert client.post(url, {"action": "act", "version": procedure.version, **data}).status_code == 302
    procedure.refresh_from_db()
    assert procedure.notice_ends_on == date(2019, 11, 11)
    response = client.post(url, {"action": "act", "version": procedure.version, "on": "2019-11-10"})
    assert response.status_code == 400 and "不能提前结束" in response.content.decode()
    procedure.refresh_from_db()
    assert procedure.current is not None and procedure.current.code == "village_notice"


def test_procedures_of_another_county_are_not_found(
    register: RegisterHousehold, task_force: User, neighbour: User
) -> None:
    procedure = procedure_propose(
        actor=task_force,
        on=date(2019, 11, 1),
        proposal=Proposal(Kind.HOUSEHOLD_EXIT, 2019, household=_ready(register, "H001")),
    )
    client = client_for(neighbour)
    assert client.get(f"/procedures/{procedure.pk}/").status_code == 404
    assert client.get(f"/procedures/village/{VILLAGE}/").status_code == 404
    assert f'href="/procedures/{procedure.pk}/"' not in client.get("/procedures/").content.decode()
    assert AuditEvent.objects.filter(action="access.not_found", object_type="procedure").exists()


def test_the_household_page_offers_the_proposal_to_its_task_force(
    register: RegisterHousehold, task_force: User, own: User
) -> None:
    _ready(register, "H001")
    page = client_for(task_force).get("/registry/households/H001/").content.decode()
    assert "/procedures/household/H001/?kind=household_exit" in page
    assert (
        "/procedures/household/H001/"
        not in client_for(own).get("/registry/households/H001/").content.decode()
    )
    response = client_for(task_force).post(
        "/procedures/household/H001/", {"kind": "household_exit", "year": "2019", "on": "2019-11-01"}
    )
    procedure = Procedure.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/procedures/{procedure.pk}/"
    assert "贫困户退出 2019" in client_for(task_force).get("/registry/households/H001/").content.decode()


def test_a_township_proposes_a_village_exit_from_the_list_page(
    register: RegisterHousehold, make_user: MakeUser
) -> None:
    township = make_user("lingshouzhen", "township", "130126100")
    page = client_for(township).get("/procedures/").content.decode()
    assert 'data-testid="propose-form"' in page and VILLAGE in page
    response = client_for(township).post(
        "/procedures/", {"kind": "village_exit", "area": VILLAGE, "year": "2019", "on": "2019-11-01"}
    )
    assert response.status_code == 400  # no rural population recorded for 2019: the incidence is unknown
    assert "农村人口" in response.content.decode() and not Procedure.objects.exists()

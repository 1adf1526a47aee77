"""The alert inbox and an alert's page by scope, the command line, and the village's record of its check."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings

from tuopin.accounts.models import User
from tuopin.administration.policy_services import policy_set
from tuopin.audit.models import AuditEvent
from tuopin.conftest import MakeUser, RegisterHousehold, client_for
from tuopin.monitoring.models import Alert, AlertStatus
from tuopin.monitoring.services import screening_run
from tuopin.registry.models import Income

pytestmark = pytest.mark.django_db
AS_OF = date(2024, 6, 28)


@pytest.fixture
def alerts(register: RegisterHousehold, tmp_path: Path) -> Any:
    """Two low-income exited households: one in 灵寿县 (130126), one in 高邑县 (130127)."""
    with override_settings(DATA_DIR=tmp_path):
        policy_set(
            actor=None, key="monitoring_line", year=2024, value="7000", province="13", source="冀2024监测线"
        )
        for number, village in (("H001", "130126100201"), ("H002", "130127100201")):
            household = register(number, village=village, status="exited_policy", exit_year=2019)
            Income.objects.create(
                household=household,
                year=2023,
                wage=Decimal("9000"),
                business=0,
                property_income=0,
                transfer=0,
                costs=0,
            )
        screening_run(actor=None, as_of=AS_OF)
        yield {a.household.number: a for a in Alert.objects.select_related("household")}


def test_the_inbox_shows_only_the_scope(alerts: dict[str, Alert], own: User, neighbour: User) -> None:
    page = client_for(own).get("/monitoring/?status=open").content.decode()
    assert "H001" in page and "H002" not in page
    assert client_for(neighbour).get(f"/monitoring/alerts/{alerts['H001'].pk}/").status_code == 404
    assert AuditEvent.objects.filter(action="access.not_found", object_type="alert").exists()
    detail = client_for(own).get(f"/monitoring/alerts/{alerts['H001'].pk}/").content.decode()
    assert "冀2024监测线" in detail and "3000.00" in detail and "7000.00" in detail


def test_overdue_alerts_are_flagged_and_escalated(alerts: dict[str, Alert], own: User) -> None:
    page = client_for(own).get("/monitoring/?status=open&overdue=on").content.decode()  # today is after 2024
    assert "H001" in page and "已升级至县级" in page


def test_the_command_line_lists_by_area_and_by_a_users_scope(
    alerts: dict[str, Alert], make_user: MakeUser
) -> None:
    out = StringIO()
    call_command("alerts", "list", "--json", stdout=out)
    listed = json.loads(out.getvalue())
    assert sorted(a["household"] for a in listed) == ["H001", "H002"]
    assert listed[0]["rule"] == "income" and listed[0]["due"] == "2024-07-02" and listed[0]["status"] == "new"
    out = StringIO()
    call_command("alerts", "list", "--area", "130127", "--json", stdout=out)
    assert [a["household"] for a in json.loads(out.getvalue())] == ["H002"]
    make_user("lingshouzhen", "township", "130126100")
    out = StringIO()
    call_command("alerts", "list", "--username", "lingshouzhen", "--json", stdout=out)
    assert [a["household"] for a in json.loads(out.getvalue())] == ["H001"]


def test_screen_prints_the_counts(alerts: dict[str, Alert], tmp_path: Path) -> None:
    out = StringIO()
    with override_settings(DATA_DIR=tmp_path):
        call_command("screen", "--as-of", "2024-07-10", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["as_of"] == "2024-07-10" and result["alerts"] == {"new": 0, "repeat": 2}
    assert result["by_rule"]["income"] == 2


def test_the_village_records_its_check_and_a_neighbour_cannot(
    alerts: dict[str, Alert], make_user: MakeUser, neighbour: User, inspector: User
) -> None:
    task_force = make_user("cundong", "village", "130126100201")
    alert = alerts["H001"]
    url = f"/monitoring/alerts/{alert.pk}/"
    response = client_for(inspector).post(
        url, {"action": "check", "version": alert.version, "on": "2024-07-01", "finding": "x"}
    )
    alert.refresh_from_db()
    assert response.status_code == 403 and alert.status == AlertStatus.NEW
    response = client_for(task_force).post(
        url,
        {
            "action": "check",
            "version": alert.version,
            "on": "2024-07-01",
            "finding": "入户核实：户主住院，家中无劳动力",
        },
    )
    alert.refresh_from_db()
    assert response.status_code == 302 and alert.status == AlertStatus.CHECKING
    assert alert.checked_on == date(2024, 7, 1) and "住院" in alert.finding


def test_alerts_are_assigned_in_bulk_to_a_checker_of_the_scope(
    alerts: dict[str, Alert], own: User, make_user: MakeUser
) -> None:
    checker = make_user("cundong", "village", "130126100201")
    make_user("gaoyicun", "village", "130127100201")
    client = client_for(own)
    page = client.get("/monitoring/").content.decode()
    assert "cundong" in page and "gaoyicun" not in page  # only checkers of the viewer's scope are offered
    response = client.post(
        "/monitoring/", {"chosen": [alerts["H001"].pk, alerts["H002"].pk], "assignee": checker.pk}
    )
    assert response.status_code == 302
    assert Alert.objects.get(pk=alerts["H001"].pk).assigned_to == checker
    assert (
        Alert.objects.get(pk=alerts["H002"].pk).assigned_to is None
    )  # out of the county's scope: not touched


def test_from_an_alert_to_a_case_with_a_measure(
    alerts: dict[str, Alert], make_user: MakeUser, neighbour: User
) -> None:
    from tuopin.monitoring.models import Case

    task_force = make_user("cundong", "village", "130126100201")
    client = client_for(task_force)
    alert = alerts["H001"]
    refused = client.post(
        f"/monitoring/alerts/{alert.pk}/case/",
        {
            "type": "marginal",
            "risk_types": ["illness"],
            "visited_on": "2024-07-01",
            "visited_by": "王五",
            "note": "户主住院",
        },
    )
    assert refused.status_code == 400 and "数据授权" in refused.content.decode() and not Case.objects.exists()
    response = client.post(
        f"/monitoring/alerts/{alert.pk}/case/",
        {
            "type": "marginal",
            "risk_types": ["illness", "employment"],
            "visited_on": "2024-07-01",
            "visited_by": "王五",
            "authorisation_signed": "on",
            "note": "户主住院，无务工收入",
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/monitoring/cases/{case.pk}/"
    assert case.risk_types == ["employment", "illness"]
    page = client.get(f"/monitoring/cases/{case.pk}/").content.decode()
    assert 'data-check="measure" data-ok="0"' in page and "纳入监测：边缘易致贫户" in page
    response = client.post(
        f"/monitoring/cases/{case.pk}/",
        {"action": "measure", "on": "2024-07-05", "text": "落实临时救助", "amount": "2000"},
    )
    # no catalogue type: refused
    assert response.status_code == 400 and not case.events.filter(kind="measure").exists()
    response = client.post(
        f"/monitoring/cases/{case.pk}/",
        {
            "action": "measure",
            "type": "temporary_relief",
            "on": "2024-07-05",
            "text": "落实临时救助",
            "amount": "2000",
        },
    )
    event = case.events.get(kind="measure", amount=2000)
    assert response.status_code == 302 and event.data["measure"] == "temporary_relief"
    assert event.text == "临时救助：落实临时救助"
    assert client_for(neighbour).get(f"/monitoring/cases/{case.pk}/").status_code == 404
    board = client.get("/monitoring/cases/").content.decode()
    assert f"/monitoring/cases/{case.pk}/" in board


def test_the_api_lists_the_alerts_of_the_tokens_scope(alerts: dict[str, Alert], make_user: MakeUser) -> None:
    from django.test import Client

    from tuopin.accounts.services import token_create

    township = make_user("lingshouzhen", "township", "130126100")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=township, name='test')}"}
    response = Client().get("/api/v1/alerts", **auth)
    assert response.status_code == 200
    listed = response.json()
    assert [a["household"] for a in listed] == ["H001"]
    assert listed[0]["rule"] == "income" and listed[0]["due"] == "2024-07-02"
    assert Client().get("/api/v1/alerts", {"area": "130127"}, **auth).json() == []


def test_the_inbox_counts_open_and_overdue_alerts_by_area(
    alerts: dict[str, Alert], make_user: MakeUser
) -> None:
    city = make_user("shijiazhuang", "city", "1301")
    page = client_for(city).get("/monitoring/").content.decode()
    table = page.split('data-testid="by-area"')[1].split("</table>")[0]
    assert "灵寿县" in table and "高邑县" in table  # one open, overdue alert in each
    assert table.count('<td class="text-end">1</td>') == 2 and table.count("text-danger") == 2


def test_an_alerts_department_rows_show_the_departments_headers_and_no_key(
    own: User, tree: object, tmp_path: Path
) -> None:
    """The medical rows behind an alert for a person outside the registry: under 身份证号, 个人自付 … with 住院 for
    the code, the masked ID, and neither the ID in clear nor the blind index's integer key."""
    from tuopin.core.crypto import blind_index, index_key
    from tuopin.feeds.services import feed_import
    from tuopin.feeds.tests.factories import medical_rows, person, write_csv
    from tuopin.registry.idnumbers import ID_PATTERN

    stranger = person(7)
    with override_settings(DATA_DIR=tmp_path):
        policy_set(
            actor=None,
            key="rural_disposable_income",
            year=2023,
            value="20000",
            province="13",
            source="统计公报（测试值）",
        )
        rows = medical_rows(stranger, 个人自付="30000.00", 医疗总费用="50000.00", 报销金额="20000.00")
        feed_import(actor=None, source="medical", path=write_csv(tmp_path / "m.csv", "medical", rows))
        screening_run(actor=None, as_of=AS_OF)
        alert = Alert.objects.get(rule="medical")
        page = client_for(own).get(f"/monitoring/alerts/{alert.pk}/").content.decode()
    table = page[page.index('data-testid="feed-rows"') :]
    assert "<th>身份证号</th>" in table and "<th>个人自付</th>" in table and "<td>住院</td>" in table
    assert f"{stranger[:6]}********{stranger[-4:]}" in table and "30000.00" in table
    assert stranger not in page and str(index_key(blind_index(stranger))) not in page
    assert not ID_PATTERN.search(page)

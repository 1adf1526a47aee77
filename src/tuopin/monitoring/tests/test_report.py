"""The public self-report form: no sign-in, a question for people, a rate limit, and an alert for the village with
nothing of the registry shown."""

from __future__ import annotations

import pytest
from django.test import Client

from tuopin.accounts.models import User
from tuopin.areas.models import Area
from tuopin.audit.models import AuditEvent
from tuopin.conftest import RegisterHousehold, client_for
from tuopin.monitoring.models import Alert, SelfReport

pytestmark = pytest.mark.django_db
VILLAGE = "130126100201"


def _post(client: Client, **values: str) -> tuple[int, str]:
    client.get("/report/")
    answer = str(client.session["report_challenge"])
    data = {"county": "130126", "township": "130126100", "village": VILLAGE, "name": "张大妈",
            "phone": "13912345678", "text": "老伴突发脑梗住院，花了好几万", "answer": answer, **values}  # fmt: skip
    response = client.post("/report/", data)
    return response.status_code, response.content.decode()


def test_a_report_becomes_an_alert_for_the_village(tree: dict[str, Area], own: object) -> None:
    client = Client()
    assert "城东村" in client.get("/report/areas/?township=130126100").content.decode()
    status, page = _post(client)
    assert status == 200 and 'data-testid="report-done"' in page
    alert = Alert.objects.get()
    assert (alert.rule, alert.area_id, alert.household) == ("self_report", VILLAGE, None)
    assert alert.evidence["phone"] == "139****5678" and "13912345678" not in str(alert.evidence)
    report = SelfReport.objects.get()
    assert report.phone_encrypted and "13912345678" not in report.phone_encrypted
    assert AuditEvent.objects.filter(action="monitoring.self_report").exists()
    inbox = client_for(own).get("/monitoring/").content.decode()  # type: ignore[arg-type]
    assert "张大妈" in inbox and "139****5678" in inbox


def test_a_wrong_answer_or_a_flood_is_refused(tree: dict[str, Area]) -> None:
    client = Client()
    status, page = _post(client, answer="999")
    assert status == 400 and "答案不对" in page and not Alert.objects.exists()
    for _n in range(3):
        assert _post(client)[0] == 200
    status, page = _post(client, phone="13800000000")
    assert status == 400 and "过于频繁" in page
    alert = Alert.objects.get()  # one open alert per phone: the second and third reports add to it
    assert alert.times_seen == 3 and SelfReport.objects.count() == 3


def test_nothing_of_the_registry_is_visible_from_the_form(register: RegisterHousehold) -> None:
    register("H001")
    client = Client()
    page = client.get("/report/").content.decode()
    assert "H001" not in page and "王建国" not in page
    assert (
        client.get("/report/areas/?township=13").content.decode().count("<option") == 1
    )  # codes only of 6 or 9
    assert client.get("/monitoring/").status_code == 302  # the inbox needs a sign-in


def test_the_task_force_reveals_the_phone_for_a_reason_and_it_is_audited(
    tree: dict[str, Area], own: User, neighbour: User, inspector: User
) -> None:
    _post(Client())
    alert, report = Alert.objects.get(), SelfReport.objects.get()
    page = client_for(own).get(f"/monitoring/alerts/{alert.pk}/").content.decode()
    assert 'data-testid="reports"' in page and "139****5678" in page and "13912345678" not in page
    assert 'data-testid="reveal-phone"' in page
    url = f"/monitoring/reports/{report.pk}/phone/"
    assert client_for(inspector).post(url, HTTP_HX_PROMPT="核查").status_code == 403
    assert client_for(neighbour).post(url, HTTP_HX_PROMPT="回访").status_code == 404
    assert client_for(own).post(url).status_code == 400  # no reason
    assert not AuditEvent.objects.filter(action="monitoring.reveal_phone").exists()
    response = client_for(own).post(url, HTTP_HX_PROMPT="电话回访核实")
    assert response.status_code == 200 and "13912345678" in response.content.decode()
    event = AuditEvent.objects.get(action="monitoring.reveal_phone")
    assert (event.object_id, event.actor, event.details["reason"]) == (
        str(report.pk),
        "lingshou",
        "电话回访核实",
    )
    assert (event.details["alert"], event.details["village"]) == (alert.pk, VILLAGE)

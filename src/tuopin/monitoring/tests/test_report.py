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
    data = {
        "county": "130126",
        "township": "130126100",
        "village": VILLAGE,
        "name": "张大妈",
        "phone": "13912345678",
        "text": "老伴突发脑梗住院，花了好几万",
        "answer": answer,
        **values,
    }
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


OTHER_VILLAGE = "130127100201"  # 东关村 of 高邑县, the neighbour's county


def test_the_same_phone_reporting_for_two_villages_raises_one_alert_in_each(
    tree: dict[str, Area], own: User, neighbour: User
) -> None:
    assert _post(Client())[0] == 200
    status, _page = _post(
        Client(),
        county="130127",
        township="130127100",
        village=OTHER_VILLAGE,
        name="李大爷",
        text="房子漏雨塌了半间",
    )
    assert status == 200
    first, second = Alert.objects.order_by("id")
    assert (first.area_id, first.evidence["name"], first.evidence["text"], first.times_seen) == (
        VILLAGE,
        "张大妈",
        "老伴突发脑梗住院，花了好几万",
        1,
    )
    assert (second.area_id, second.evidence["name"], second.evidence["text"], second.times_seen) == (
        OTHER_VILLAGE,
        "李大爷",
        "房子漏雨塌了半间",
        1,
    )
    assert "李大爷" not in str(first.evidence) and "张大妈" not in str(second.evidence)
    assert list(SelfReport.objects.order_by("id").values_list("village_id", "alert_id")) == [
        (VILLAGE, first.pk),
        (OTHER_VILLAGE, second.pk),
    ]
    theirs = client_for(neighbour).get(f"/monitoring/alerts/{second.pk}/")
    assert theirs.status_code == 200 and "李大爷" in theirs.content.decode()


def test_the_first_county_sees_nothing_of_the_other_villages_report(tree: dict[str, Area], own: User) -> None:
    _post(Client())
    _post(
        Client(),
        county="130127",
        township="130127100",
        village=OTHER_VILLAGE,
        name="李大爷",
        text="房子漏雨塌了半间",
    )
    mine = Alert.objects.get(area_id=VILLAGE)
    for url in ("/monitoring/", f"/monitoring/alerts/{mine.pk}/"):
        response = client_for(own).get(url)
        page = response.content.decode()
        assert response.status_code == 200 and "张大妈" in page
        assert "李大爷" not in page and "房子漏雨" not in page


def test_a_second_report_for_the_same_village_and_phone_is_appended(tree: dict[str, Area], own: User) -> None:
    _post(Client())
    _post(Client(), name="张大伯", text="又查出糖尿病，需要长期吃药")
    alert = Alert.objects.get()
    assert (alert.area_id, alert.times_seen) == (VILLAGE, 2)
    assert (alert.evidence["name"], alert.evidence["text"]) == ("张大妈", "老伴突发脑梗住院，花了好几万")
    assert [(r["name"], r["text"]) for r in alert.evidence["later"]] == [
        ("张大伯", "又查出糖尿病，需要长期吃药")
    ]
    assert list(SelfReport.objects.order_by("id").values_list("name", "alert_id")) == [
        ("张大妈", alert.pk),
        ("张大伯", alert.pk),
    ]
    page = client_for(own).get(f"/monitoring/alerts/{alert.pk}/").content.decode()
    assert "老伴突发脑梗住院" in page and "又查出糖尿病" in page
    assert "张大伯 再次申报：又查出糖尿病" in page  # in the evidence, not only in the reports' table

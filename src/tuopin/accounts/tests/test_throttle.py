"""The per-user limits (core.throttle, SECURITY.md F2): one count over the user's own audit rows, shared by every
path of an operation (the reveal of an ID number and of a self-reporter's phone; the ledger export page and the
API's rows), lifted once the oldest counted operation leaves the window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from tuopin.accounts import throttle
from tuopin.accounts.models import User
from tuopin.accounts.services import token_create
from tuopin.audit.models import AuditEvent
from tuopin.conftest import MakeUser, RegisterHousehold, client_for
from tuopin.monitoring.models import SelfReport

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "held"),
    [
        ("130126197003050011", True),
        ("13012619700305001X", True),
        ("13012619700305001x", True),
        ("130126 19700305 0011", True),
        ("130126-19700305-0011", True),
        ("王建国 130126197003050011", True),
        ("13012619700305001", True),  # the first 17 digits are enough
        ("王建国", False),
        ("130126100201001", False),  # a household number: village code and serial
        ("1301261002010001", False),
        ("13812345678", False),
        ("", False),
    ],
)
def test_it_recognises_a_text_that_may_hold_an_id_number(text: str, held: bool) -> None:
    assert throttle.carries_id_number(text) is held


class _Later(datetime):
    """The clock of core.throttle, moved on."""

    shift = timedelta(0)

    @classmethod
    def now(cls, tz: object = None) -> _Later:  # type: ignore[override]
        return super().now(UTC) + cls.shift  # type: ignore[return-value]


def test_a_limit_lifts_once_the_oldest_counted_operation_leaves_the_window(
    own: User, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.TUOPIN_THROTTLE_REVEALS = 2
    settings.TUOPIN_THROTTLE_REVEAL_MINUTES = 60
    from tuopin.audit.services import audit_record

    for _attempt in range(2):
        throttle.throttle_check(own, "registry.reveal")
        audit_record(action="registry.reveal", actor=own)
    with pytest.raises(throttle.Throttled) as refused:
        throttle.throttle_check(own, "monitoring.reveal_phone", object_id="7")
    assert 3590 < refused.value.retry_after <= 3600
    assert "查看完整号码过于频繁：每60分钟最多2次" in refused.value.message
    denial = AuditEvent.objects.get(result="throttled")
    assert (denial.action, denial.actor, denial.object_id) == ("monitoring.reveal_phone", "lingshou", "7")
    monkeypatch.setattr(throttle, "datetime", _Later)
    _Later.shift = timedelta(minutes=59)
    with pytest.raises(throttle.Throttled):  # the refusals do not count, the two reveals still do
        throttle.throttle_check(own, "registry.reveal")
    _Later.shift = timedelta(minutes=61)
    throttle.throttle_check(own, "registry.reveal")


def _self_report(client: Client) -> SelfReport:
    client.get("/report/")
    data = {
        "county": "130126",
        "township": "130126100",
        "village": "130126100201",
        "name": "张大妈",
        "phone": "13912345678",
        "text": "老伴突发脑梗住院",
        "answer": str(client.session["report_challenge"]),
    }
    assert client.post("/report/", data).status_code in {200, 302}
    return SelfReport.objects.get()


def test_the_phone_reveal_shares_the_reveal_limit_with_the_id_number(
    register: RegisterHousehold, own: User, make_user: MakeUser, settings: Settings
) -> None:
    settings.TUOPIN_THROTTLE_REVEALS = 1
    head = register("H001").head
    assert head is not None
    report = _self_report(Client())
    client = client_for(own)
    assert client.post(f"/registry/members/{head.pk}/reveal/", HTTP_HX_PROMPT="核对").status_code == 200
    refused = client.post(
        f"/monitoring/reports/{report.pk}/phone/", HTTP_HX_PROMPT="电话回访", HTTP_HX_REQUEST="1"
    )
    assert refused.status_code == 429 and "13912345678" not in refused.content.decode()
    results = AuditEvent.objects.filter(action="monitoring.reveal_phone").values_list("result", "object_id")
    assert list(results) == [("throttled", str(report.pk))]
    colleague = client_for(make_user("lingshou2", "county", "130126"))
    phone = colleague.post(f"/monitoring/reports/{report.pk}/phone/", HTTP_HX_PROMPT="电话回访")
    assert phone.status_code == 200 and "13912345678" in phone.content.decode()


def test_ledger_exports_are_limited_per_user_across_the_page_and_the_api(
    own: User, make_user: MakeUser, settings: Settings
) -> None:
    settings.TUOPIN_THROTTLE_EXPORTS = 2
    page = client_for(own)
    api = {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=own, name='test')}"}
    assert page.post("/ledgers/rectification/export/", {"reason": "督查抽查"}).status_code == 200
    assert Client().get("/api/v1/ledgers/rectification", {"reason": "对账"}, **api).status_code == 200
    refused = page.post("/ledgers/rectification/export/", {"reason": "督查抽查"})
    assert refused.status_code == 429 and refused["Retry-After"]
    assert not refused["Content-Type"].startswith("application/vnd.openxml")
    assert "导出过于频繁" in refused.content.decode()
    from_api = Client().get("/api/v1/ledgers/rectification", {"reason": "对账"}, **api)
    assert from_api.status_code == 429 and from_api.json()["detail"] == "throttled"
    assert int(from_api["Retry-After"]) > 0
    rows = AuditEvent.objects.filter(action="ledger.export", actor="lingshou")
    assert sorted(rows.values_list("result", flat=True)) == ["ok", "ok", "throttled", "throttled"]
    colleague = client_for(make_user("lingshou2", "county", "130126"))
    assert colleague.post("/ledgers/rectification/export/", {"reason": "督查抽查"}).status_code == 200

"""The ledgers over the API: the same rows as the Excel export, the same all-or-nothing import and the same JSON as
`tuopin rectify overdue` and `tuopin visits compliance`, all in the token's scope."""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from tuopin.accounts.models import User
from tuopin.accounts.services import token_create
from tuopin.assistance.visits import duty_record, visit_record
from tuopin.audit.models import AuditEvent
from tuopin.ledgers.framework import ledger_get, ledger_write
from tuopin.supervision.models import Item
from tuopin.supervision.services import ItemData, item_create

pytestmark = pytest.mark.django_db
VILLAGE, NEIGHBOUR_VILLAGE = "130126100201", "130127100201"


def _auth(user: User) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=user, name='test')}"}


def _item(number: str, area: str, deadline: date, status: str = "open") -> Item:
    data = ItemData(
        number=number,
        source="national",
        category="idle_funds",
        area_code=area,
        description="扶贫资金闲置",
        unit="乡政府",
        person="张三",
        found_on=date(2019, 6, 1),
        deadline=deadline,
    )
    return item_create(actor=None, data=data, status=status)


@pytest.fixture
def items(tree: object) -> None:
    _item("ZG-001", VILLAGE, date(2019, 9, 30))
    _item("ZG-002", VILLAGE, date(2019, 12, 31), status="closed")
    _item("ZG-003", "130126", date(2019, 8, 31))
    _item("GY-001", NEIGHBOUR_VILLAGE, date(2019, 9, 30))


def _workbook(rows: list[dict[str, Any]]) -> io.BytesIO:
    buffer = io.BytesIO()
    ledger_write(ledger_get("rectification"), buffer, rows)
    buffer.seek(0)
    buffer.name = "整改台账.xlsx"
    return buffer


ROW = {
    "number": "ZG-100",
    "source": "audit",
    "category": "housing",
    "area": VILLAGE,
    "description": "危房鉴定不规范",
    "unit": "住建局",
    "person": "李四",
    "found_on": date(2020, 3, 1),
    "deadline": date(2020, 5, 31),
}


def test_the_ledgers_are_listed_with_their_columns_and_who_may_import(
    tree: object, own: User, inspector: User
) -> None:
    listed = Client().get("/api/v1/ledgers", **_auth(own)).json()
    names = [ledger["name"] for ledger in listed]
    assert {"rectification", "duties", "visits", "pairings", "projects", "funds", "loans"} <= set(names)
    rectification = next(ledger for ledger in listed if ledger["name"] == "rectification")
    assert rectification["sheet"] == "整改台账" and rectification["may_import"] is True
    status = next(c for c in rectification["columns"] if c["field"] == "status")
    assert ["closed", "已销号"] in status["choices"]
    seen = Client().get("/api/v1/ledgers", **_auth(inspector)).json()
    assert not any(ledger["may_import"] for ledger in seen)


def test_a_ledgers_rows_are_the_users_scope_paged_and_audited(
    items: None, own: User, neighbour: User
) -> None:
    client = Client()
    assert client.get("/api/v1/ledgers/rectification", **_auth(own)).status_code == 422  # no reason
    first = client.get("/api/v1/ledgers/rectification", {"limit": 2, "reason": "对账"}, **_auth(own)).json()
    assert [row["number"] for row in first["rows"]] == ["ZG-001", "ZG-002"] and first["next_offset"] == 2
    assert first["rows"][0]["deadline"] == "2019-09-30" and first["rows"][1]["status"] == "closed"
    rest = client.get("/api/v1/ledgers/rectification", {"offset": 2, "reason": "对账"}, **_auth(own)).json()
    assert [row["number"] for row in rest["rows"]] == ["ZG-003"] and rest["next_offset"] is None
    theirs = client.get("/api/v1/ledgers/rectification", {"reason": "对账"}, **_auth(neighbour)).json()
    assert [row["number"] for row in theirs["rows"]] == ["GY-001"]
    event = AuditEvent.objects.filter(action="ledger.export", actor="lingshou").first()
    assert event is not None and event.details == {"rows": 1, "offset": 2, "reason": "对账", "api": True}
    assert client.get("/api/v1/ledgers/nothing", {"reason": "对账"}, **_auth(own)).status_code == 404


def test_an_import_is_all_or_nothing_with_every_problem(tree: object, own: User, inspector: User) -> None:
    client = Client()
    url = "/api/v1/ledgers/rectification/import"
    bad = _workbook(
        [ROW, {**ROW, "number": "ZG-101", "area": NEIGHBOUR_VILLAGE, "deadline": date(2020, 1, 1)}]
    )
    response = client.post(url, {"file": bad}, **_auth(own))
    assert response.status_code == 409
    result = response.json()
    assert (result["ok"], result["rows"], result["created"]) == (False, 2, 0)
    assert [(e["row"], e["column"]) for e in result["errors"]] == [(3, "区域代码")]
    assert not Item.objects.exists()
    dry = client.post(f"{url}?dry_run=true", {"file": _workbook([ROW])}, **_auth(own)).json()
    assert (dry["ok"], dry["created"], dry["dry_run"]) == (True, 1, True) and not Item.objects.exists()
    done = client.post(url, {"file": _workbook([ROW])}, **_auth(own))
    assert done.status_code == 200 and done.json()["created"] == 1
    assert Item.objects.get().number == "ZG-100"
    assert client.post(url, {"file": _workbook([ROW])}, **_auth(inspector)).status_code == 403
    assert client.post(url, {}, **_auth(own)).status_code == 422  # no file at all
    empty = client.post(url, {"file": io.BytesIO(b"")}, **_auth(own))
    assert empty.status_code == 409 and empty.json()["errors"][0]["message"]
    assert Item.objects.count() == 1


def test_overdue_items_are_the_commands_json_in_the_users_scope(items: None, own: User, capsys: Any) -> None:
    response = Client().get("/api/v1/rectification/overdue", {"as_of": "2019-10-01"}, **_auth(own)).json()
    assert response["overdue"] == 2
    assert [(i["number"], i["days_overdue"]) for i in response["items"]] == [("ZG-003", 31), ("ZG-001", 1)]
    call_command("rectify", "overdue", "--as-of", "2019-10-01", "--username", "lingshou", "--json")
    assert json.loads(capsys.readouterr().out) == response
    within = Client().get(
        "/api/v1/rectification/overdue", {"as_of": "2019-10-01", "area": VILLAGE}, **_auth(own)
    )
    assert within.json()["overdue"] == 1


def test_visit_compliance_is_the_commands_json(tree: object, own: User, capsys: Any) -> None:
    duty_record(
        actor=None,
        who="王芳",
        target_type="village",
        target_code=VILLAGE,
        frequency="quarter",
        valid_from=date(2019, 1, 1),
    )
    visit_record(
        actor=None,
        who="王芳",
        on=date(2019, 8, 2),
        target_type="village",
        target_code=VILLAGE,
        purpose="走访",
    )
    client = Client()
    response = client.get("/api/v1/visits/compliance", {"period": "2019H2"}, **_auth(own)).json()
    assert (response["period"], response["duties"], response["met"]) == ("2019H2", 2, 1)
    assert [m["period"] for m in response["missed"]] == ["2019Q4"]
    call_command("visits", "compliance", "--period", "2019H2", "--username", "lingshou", "--json")
    assert json.loads(capsys.readouterr().out) == response
    assert client.get("/api/v1/visits/compliance", {"period": "2019H3"}, **_auth(own)).status_code == 422
    assert client.get("/api/v1/visits/compliance", {"period": "2019W53"}, **_auth(own)).status_code == 404

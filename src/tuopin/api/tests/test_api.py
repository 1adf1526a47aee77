"""The REST API: bearer tokens scoped exactly as their user, masking, validation, conflicts, audit, the schema."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from tuopin.accounts.models import User
from tuopin.accounts.services import token_create
from tuopin.audit.models import AuditEvent
from tuopin.registry.idnumbers import ID_PATTERN, make_id
from tuopin.registry.models import Household
from tuopin.registry.tests.conftest import RegisterHousehold

pytestmark = pytest.mark.django_db


class Api:
    def __init__(self, user: User) -> None:
        self.client = Client()
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=user, name='test')}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, **self.auth)

    def send(self, method: str, path: str, body: dict[str, Any], **params: Any) -> Any:
        query = "?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""
        return getattr(self.client, method)(
            f"/api/v1{path}{query}",
            json.dumps(body, default=str),
            content_type="application/json",
            **self.auth,
        )


@pytest.fixture
def households(register: RegisterHousehold) -> None:
    register("H001")
    register("H900", village="130127100201", head="高大伟")


def test_it_refuses_requests_without_a_valid_token(households: None) -> None:
    assert Client().get("/api/v1/households").status_code == 401
    assert Client().get("/api/v1/households", HTTP_AUTHORIZATION="Bearer nonsense").status_code == 401


def test_a_token_sees_exactly_its_users_scope(households: None, own: User) -> None:
    api = Api(own)
    listing = api.get("/households").json()
    assert [h["number"] for h in listing["items"]] == ["H001"]
    assert api.get("/households/H001").status_code == 200
    assert api.get("/households/H900").status_code == 404
    assert AuditEvent.objects.filter(action="access.not_found", object_id="H900").exists()


def test_responses_never_carry_a_full_id_number(households: None, own: User) -> None:
    api = Api(own)
    for path in ("/households", "/households/H001"):
        assert not ID_PATTERN.search(api.get(path).content.decode())
    member = api.get("/households/H001").json()["members"][0]
    assert "********" in member["id_number"]


def test_a_disabled_user_s_token_stops_working(households: None, own: User) -> None:
    api = Api(own)
    own.is_active = False
    own.save()
    assert api.get("/households").status_code == 401


def test_it_registers_a_household_with_validation_and_history(tree: object, own: User) -> None:
    api = Api(own)
    head = make_id("130126", date(1975, 1, 2), 31, female=False)
    body = {
        "number": "130126100202777",
        "village": "130126100202",
        "population_type": "registered",
        "category": "general",
        "reason": "新识别",
        "members": [{"name": "孙立", "id_number": head, "relation": "head"}],
    }
    created = api.send("post", "/households", body)
    assert created.status_code == 201, created.content
    assert created.json()["members"][0]["id_number"] != head
    assert Household.objects.get(number="130126100202777").changes.get().reason == "新识别"
    duplicate = api.send("post", "/households", {**body, "number": "130126100202778"})
    assert duplicate.status_code == 422
    assert "一人只能属于一户" in " ".join(duplicate.json()["messages"])


def test_it_refuses_writes_outside_the_scope_and_for_read_only_tokens(
    households: None, own: User, inspector: User
) -> None:
    head = make_id("130127", date(1975, 1, 2), 32, female=False)
    body = {
        "number": "H555",
        "village": "130127100202",
        "population_type": "registered",
        "reason": "x",
        "members": [{"name": "钱", "id_number": head, "relation": "head"}],
    }
    assert Api(own).send("post", "/households", body).status_code == 403
    body_in_scope = {
        **body,
        "village": "130126100202",
        "members": [
            {
                "name": "钱",
                "id_number": make_id("130126", date(1975, 1, 2), 33, female=False),
                "relation": "head",
            }
        ],
    }
    assert Api(inspector).send("post", "/households", body_in_scope).status_code == 403
    assert not Household.objects.filter(number="H555").exists()
    # One denial row each: the registry refused the write outside the scope, the API the read-only token.
    denials = AuditEvent.objects.filter(action="access.denied", result="denied").order_by("seq")
    assert [(e.actor, e.object_type, e.object_id) for e in denials] == [
        (own.username, "household", "H555"),
        (inspector.username, "api", "/api/v1/households"),
    ]


def test_a_stale_patch_is_a_conflict(households: None, own: User) -> None:
    api = Api(own)
    version = api.get("/households/H001").json()["version"]
    first = api.send(
        "patch", "/households/H001", {"version": version, "reason": "改造", "housing_safety": "A"}
    )
    assert first.status_code == 200 and first.json()["housing_safety"] == "A"
    second = api.send(
        "patch", "/households/H001", {"version": version, "reason": "晚了", "housing_safety": "D"}
    )
    assert second.status_code == 409


def test_incomes_are_put_and_derived(households: None, own: User) -> None:
    api = Api(own)
    response = api.send(
        "put",
        "/households/H001/incomes/2019",
        {"wage": "9000", "transfer": "600", "costs": "300", "reason": "核算"},
    )
    assert response.status_code == 200
    assert response.json()["net"] == "9300.00"
    assert response.json()["per_capita_net"] == "3100.00"


def test_the_schema_is_published(households: None) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    assert "/api/v1/households" in schema["paths"]
    assert schema["components"]["securitySchemes"]


def test_the_token_command_prints_the_token_on_its_last_line(
    own: User, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("token", "create", "--username", "lingshou")
    token = capsys.readouterr().out.strip().splitlines()[-1]
    client = Client()
    assert client.get("/api/v1/households", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200

"""Searching households over the API: an ID number only in a POST body, never in the URL (SECURITY.md B5), and
searches by ID number limited per user, the refusal audited (F2, D1)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from tuopin.accounts.models import User
from tuopin.accounts.services import token_create
from tuopin.audit.models import AuditEvent
from tuopin.conftest import MakeUser, RegisterHousehold, client_for
from tuopin.core.crypto import decrypt
from tuopin.registry.idnumbers import ID_PATTERN
from tuopin.registry.models import Household

pytestmark = pytest.mark.django_db


@pytest.fixture
def households(register: RegisterHousehold) -> dict[str, Household]:
    return {
        "H001": register("H001"),
        "H002": register("H002", village="130126100202", category="dibao"),
        "H900": register("H900", village="130127100201", head="高大伟"),
    }


def _id(household: Household) -> str:
    assert household.head is not None
    return decrypt(household.head.id_encrypted)


def _auth(user: User) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=user, name='test')}"}


def _search(user_auth: dict[str, str], **body: Any) -> Any:
    return Client().post(
        "/api/v1/households/search", json.dumps(body), content_type="application/json", **user_auth
    )


@pytest.mark.parametrize("spaced", [False, True])
def test_a_get_with_an_id_number_is_refused_and_not_searched(
    households: dict[str, Household], own: User, spaced: bool
) -> None:
    full = _id(households["H001"])
    q = f"{full[:6]} {full[6:]}" if spaced else full
    response = Client().get("/api/v1/households", {"q": q}, **_auth(own))
    assert response.status_code == 400
    body = response.json()
    assert "/api/v1/households/search" in body["detail"] and body["messages"]
    assert full not in response.content.decode()
    assert not AuditEvent.objects.filter(action="registry.search_id").exists()


def test_a_get_still_filters_by_name_number_and_codes(households: dict[str, Household], own: User) -> None:
    auth = _auth(own)
    by_name = Client().get("/api/v1/households", {"q": "王建国"}, **auth).json()
    assert sorted(item["number"] for item in by_name["items"]) == ["H001", "H002"]
    by_category = Client().get("/api/v1/households", {"category": "dibao"}, **auth).json()
    assert [item["number"] for item in by_category["items"]] == ["H002"]


def test_the_post_search_finds_by_id_number_in_scope_and_is_audited(
    households: dict[str, Household], own: User
) -> None:
    auth = _auth(own)
    full = _id(households["H001"])
    response = _search(auth, q=full)
    assert response.status_code == 200
    assert [item["number"] for item in response.json()["items"]] == ["H001"]
    assert not ID_PATTERN.search(response.content.decode())
    event = AuditEvent.objects.get(action="registry.search_id")
    assert (event.result, event.actor, event.object_id) == ("ok", "lingshou", full[:6] + "*" * 8 + full[-4:])
    outside = _search(auth, q=_id(households["H900"])).json()  # the other county's
    assert outside == {"items": [], "next_after": None}


def test_the_post_search_takes_the_list_filters_and_a_limit(
    households: dict[str, Household], own: User
) -> None:
    auth = _auth(own)
    first = _search(auth, q="王建国", limit=1).json()
    assert [item["number"] for item in first["items"]] == ["H001"] and first["next_after"] == "H001"
    rest = _search(auth, q="王建国", limit=1, after="H001").json()
    assert [item["number"] for item in rest["items"]] == ["H002"] and rest["next_after"] is None
    assert [item["number"] for item in _search(auth, category="dibao").json()["items"]] == ["H002"]
    assert _search(auth, limit=500).status_code == 422  # the page size is capped
    assert _search(auth, q="王\x00").status_code == 422


def test_post_id_searches_are_limited_per_user_and_share_the_page_s_count(
    households: dict[str, Household], own: User, make_user: MakeUser, settings: Settings
) -> None:
    settings.TUOPIN_THROTTLE_ID_SEARCHES = 2
    full = _id(households["H001"])
    auth = _auth(own)
    assert client_for(own).post("/registry/", {"q": full}).status_code == 302  # the page counts too
    assert _search(auth, q=full).status_code == 200
    refused = _search(auth, q=full)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert refused.json()["detail"] == "throttled" and "items" not in refused.json()
    rows = AuditEvent.objects.filter(action="registry.search_id", actor="lingshou")
    assert sorted(rows.values_list("result", flat=True)) == ["ok", "ok", "throttled"]
    assert rows.get(result="throttled").details == {"api": True, "limit": 2, "minutes": 10}
    assert _search(auth, q="王建国").status_code == 200  # a name search is not limited
    colleague = _auth(make_user("lingshou2", "county", "130126"))
    assert [item["number"] for item in _search(colleague, q=full).json()["items"]] == ["H001"]


def test_the_schema_documents_the_search_and_the_refusals(tree: object) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    search = paths["/api/v1/households/search"]["post"]
    assert {"200", "429"} <= set(search["responses"])
    body = search["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    fields = schema["components"]["schemas"][body]["properties"]
    assert {"q", "area", "category", "after", "limit"} <= set(fields) and fields["limit"]["maximum"] == 50
    assert "400" in paths["/api/v1/households"]["get"]["responses"]
    assert "429" in paths["/api/v1/ledgers/{name}"]["get"]["responses"]

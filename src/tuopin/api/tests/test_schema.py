"""Schemathesis against the OpenAPI schema (SECURITY.md F1): with an in-scope and an out-of-scope token, no 5xx,
every response conforms to the schema, and nothing of the other county comes back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings

from tuopin.accounts.services import token_create
from tuopin.conftest import MakeUser, RegisterHousehold

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_schema(register: RegisterHousehold) -> Iterator[Any]:
    register("H001")
    register("H900", village="130127100201", head="高大伟")
    from tuopin.wsgi import application

    # As Django's test client does: requests made here must not close the test's connection (and its transaction).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def lingshou_token(make_user: MakeUser) -> str:
    return token_create(user=make_user("lingshou", "county", "130126"), name="schemathesis")


@pytest.fixture
def gaoyi_token(make_user: MakeUser) -> str:
    return token_create(user=make_user("gaoyi", "county", "130127"), name="schemathesis")


def _run_all(schema: Any, token: str, hidden: str) -> int:
    """Every operation of the schema, with examples generated from it (schemathesis strategies, driven here
    because its pytest plugin does not support this pytest yet)."""
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
            response = case.call()
            assert response.status_code < 500, response.text
            case.validate_response(response)
            assert hidden not in response.text

        check()
    return operations


def test_the_api_conforms_with_an_in_scope_token(api_schema: Any, lingshou_token: str) -> None:
    assert _run_all(api_schema, lingshou_token, hidden="H900") >= 6


def test_the_api_conforms_with_an_out_of_scope_token(api_schema: Any, gaoyi_token: str) -> None:
    assert _run_all(api_schema, gaoyi_token, hidden="H001") >= 6


def test_text_with_a_nul_character_is_refused_not_a_server_error(
    register: RegisterHousehold, make_user: MakeUser
) -> None:
    from django.test import Client

    from tuopin.accounts.services import token_create

    register("H001")
    user = make_user("nul", "county", "130126")
    client = Client(headers={"Authorization": f"Bearer {token_create(user=user, name='t')}"})
    assert client.get("/api/v1/households", {"q": "王\x00"}).status_code == 422
    assert client.get("/api/v1/households/H0%0001").status_code in {404, 422}

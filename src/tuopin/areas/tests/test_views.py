"""The area browser under the three personas: own area, neighbouring area, read-only inspector."""

from __future__ import annotations

import pytest
from django.test import Client

from tuopin.accounts.models import User
from tuopin.audit.models import AuditEvent
from tuopin.conftest import client_for

pytestmark = pytest.mark.django_db

OWN_CODES = ["130126", "130126100", "130126100201"]
NEIGHBOUR_CODES = ["130127", "130127100", "130127100202", "1301", "13", "130722"]


@pytest.mark.parametrize("code", OWN_CODES)
def test_it_shows_an_area_inside_the_scope(own: User, code: str) -> None:
    response = client_for(own).get(f"/areas/{code}/")
    assert response.status_code == 200
    assert f"· {code}</small>" in response.content.decode()


@pytest.mark.parametrize("code", NEIGHBOUR_CODES)
def test_it_answers_404_for_an_area_outside_the_scope_and_audits_it(own: User, code: str) -> None:
    response = client_for(own).get(f"/areas/{code}/")
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="access.not_found", actor="lingshou", object_id=code).exists()


def test_it_lets_the_inspector_read_its_scope(inspector: User) -> None:
    assert client_for(inspector).get("/areas/130126100/").status_code == 200
    assert client_for(inspector).get("/areas/130127100/").status_code == 404


def test_it_lists_only_children_in_scope(own: User) -> None:
    response = client_for(own).get("/areas/130126/")
    body = response.content.decode()
    assert "灵寿镇" in body
    assert "高邑" not in body


def test_it_shows_no_breadcrumb_above_the_scope(own: User) -> None:
    body = client_for(own).get("/areas/130126100201/").content.decode()
    assert "灵寿县" in body and "灵寿镇" in body
    assert "石家庄市" not in body and "河北省" not in body


@pytest.mark.parametrize(
    ("query", "found", "hidden"), [("村", "城东村", "东关村"), ("1301", "灵寿县", "高邑县")]
)
def test_it_searches_only_inside_the_scope(own: User, query: str, found: str, hidden: str) -> None:
    body = client_for(own).get("/areas/search/", {"q": query}).content.decode()
    assert found in body
    assert hidden not in body


def test_it_searches_with_htmx_returning_only_the_results(own: User) -> None:
    response = client_for(own).get("/areas/search/", {"q": "城东"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "城东村" in body
    assert "<html" not in body


def test_the_browser_root_lists_the_users_areas(own: User, neighbour: User) -> None:
    body = client_for(neighbour).get("/areas/").content.decode()
    assert "高邑县" in body and "灵寿县" not in body


def test_it_counts_queries_on_the_area_page(own: User, django_assert_max_num_queries: object) -> None:
    client = client_for(own)
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        assert client.get("/areas/130126/").status_code == 200


def test_it_sends_anonymous_visitors_to_sign_in(tree: object) -> None:
    response = Client().get("/areas/130126/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")

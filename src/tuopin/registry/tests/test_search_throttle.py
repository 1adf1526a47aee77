"""The household list never takes an ID number from a URL (SECURITY.md B5), and searches by ID number and reveals
are limited per user, the refusal audited (F2, D1)."""

from __future__ import annotations

import functools
import re
from urllib.parse import unquote

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from tuopin.accounts.models import User
from tuopin.audit.models import AuditEvent
from tuopin.conftest import MakeUser, client_for
from tuopin.core.crypto import decrypt
from tuopin.registry import views
from tuopin.registry.idnumbers import ID_PATTERN
from tuopin.registry.models import Household
from tuopin.registry.selectors import household_list_for
from tuopin.registry.tests.conftest import RegisterHousehold

pytestmark = pytest.mark.django_db
LONG_DIGITS = re.compile(r"\d{17}")


@pytest.fixture
def households(register: RegisterHousehold) -> tuple[Household, Household]:
    return register("H001"), register("H002", village="130126100202", head="赵大山", category="dibao")


def _head_id(household: Household) -> str:
    assert household.head is not None
    return decrypt(household.head.id_encrypted)


def _grouped(number: str) -> str:
    return f"{number[:6]} {number[6:14]} {number[14:]}"


@pytest.mark.parametrize("typed", [str, _grouped], ids=["as-is", "in-groups"])
def test_it_does_not_search_an_id_number_taken_from_the_url(
    households: tuple[Household, Household], own: User, typed: object
) -> None:
    full = _head_id(households[0])
    client = client_for(own)
    response = client.get("/registry/", {"q": typed(full), "category": "general"})  # type: ignore[operator]
    assert response.status_code == 302
    # The other filters stay, the number does not.
    assert response["Location"] == "/registry/?category=general"
    assert not AuditEvent.objects.filter(action="registry.search_id").exists()  # nothing was searched
    page = client.get(response["Location"]).content.decode()
    assert "身份证号不能出现在网址中" in page
    assert full not in page and not ID_PATTERN.search(page)


def test_it_finds_the_household_by_a_posted_id_number(
    households: tuple[Household, Household], own: User
) -> None:
    full = _head_id(households[0])
    response = client_for(own).post("/registry/", {"q": _grouped(full), "category": "general"}, follow=True)
    body = response.content.decode()
    assert response.status_code == 200
    assert "H001" in body and "H002" not in body
    assert full not in body
    for url, _status in response.redirect_chain:
        assert full not in unquote(url) and not LONG_DIGITS.search(unquote(url)) and "ref=" in url
    event = AuditEvent.objects.get(action="registry.search_id")
    assert (event.result, event.actor, event.object_id) == ("ok", "lingshou", full[:6] + "*" * 8 + full[-4:])


def test_a_long_number_posted_stays_out_of_the_url_and_its_pages(
    register: RegisterHousehold, own: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Any text that may hold an ID number (17 digits in a row) is kept in the session; the next page's link carries
    the reference to it, never the text."""
    register("13012610020100000001")
    register("13012610020100000002")
    register("H003")
    monkeypatch.setattr(views, "household_list_for", functools.partial(household_list_for, size=1))
    client = client_for(own)
    response = client.post("/registry/", {"q": "1301261002010000000"})
    assert response.status_code == 302 and "1301261002010000000" not in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "13012610020100000001" in page and "H003" not in page
    link = re.search(r'href="(\?[^"]*after=[^"]*)"', page)
    assert link is not None and "ref=" in link.group(1) and "q=" not in link.group(1)
    second = client.get("/registry/" + link.group(1).replace("&amp;", "&")).content.decode()
    assert "13012610020100000002" in second and "H003" not in second


def test_id_searches_are_limited_per_user_and_the_refusal_is_audited(
    households: tuple[Household, Household], own: User, make_user: MakeUser, settings: Settings
) -> None:
    settings.TUOPIN_THROTTLE_ID_SEARCHES = 2
    full = _head_id(households[0])
    client = client_for(own)
    for _attempt in range(2):
        assert client.post("/registry/", {"q": full}).status_code == 302
    refused = client.post("/registry/", {"q": full})
    body = refused.content.decode()
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "按身份证号查询过于频繁" in body and "H001" not in body and full not in body
    rows = AuditEvent.objects.filter(action="registry.search_id", actor="lingshou")
    assert sorted(rows.values_list("result", flat=True)) == ["ok", "ok", "throttled"]
    denial = rows.get(result="throttled")
    assert denial.object_id == full[:6] + "*" * 8 + full[-4:]
    assert denial.details == {"limit": 2, "minutes": 10}
    # A refused attempt does not count, and a name search is not limited.
    assert client.get("/registry/", {"q": "赵大山"}).status_code == 200
    # Another user of the same county is not affected.
    colleague = client_for(make_user("lingshou2", "county", "130126"))
    assert "H001" in colleague.post("/registry/", {"q": full}, follow=True).content.decode()


def test_reveals_are_limited_per_user_and_the_refusal_is_audited(
    households: tuple[Household, Household], own: User, make_user: MakeUser, settings: Settings
) -> None:
    settings.TUOPIN_THROTTLE_REVEALS = 2
    head = households[0].head
    assert head is not None
    url = f"/registry/members/{head.pk}/reveal/"
    client = client_for(own)
    for _attempt in range(2):
        assert client.post(url, HTTP_HX_PROMPT="核对", HTTP_HX_REQUEST="true").status_code == 200
    refused = client.post(url, HTTP_HX_PROMPT="核对", HTTP_HX_REQUEST="true")
    assert refused.status_code == 429 and refused["Retry-After"]
    assert 'data-testid="throttled"' in refused.content.decode()
    assert decrypt(head.id_encrypted) not in refused.content.decode()
    results = AuditEvent.objects.filter(action="registry.reveal").values_list("result", "object_id")
    assert sorted(results) == [("ok", str(head.pk)), ("ok", str(head.pk)), ("throttled", str(head.pk))]
    # The refusal is a page without htmx, and it stays refused.
    assert client.post(url, {"reason": "核对"}).status_code == 429
    colleague = client_for(make_user("lingshou2", "county", "130126"))
    assert colleague.post(url, HTTP_HX_PROMPT="核对").status_code == 200


def test_a_limit_of_zero_refuses_every_search_by_id_number(
    households: tuple[Household, Household], own: User, settings: Settings
) -> None:
    settings.TUOPIN_THROTTLE_ID_SEARCHES = 0
    client: Client = client_for(own)
    assert client.post("/registry/", {"q": _head_id(households[0])}).status_code == 429
    assert AuditEvent.objects.filter(action="registry.search_id", result="throttled").count() == 1
    assert not AuditEvent.objects.filter(action="registry.search_id", result="ok").exists()

"""SECURITY.md A1: for every role and every area of a two-city tree, visible == inside the user's subtree."""

from __future__ import annotations

import pytest

from tuopin.accounts.scope import scope_q
from tuopin.areas.models import Area
from tuopin.conftest import TREE, MakeUser, client_for

pytestmark = pytest.mark.django_db

PERSONAS = [
    ("province", "13"),
    ("city", "1301"),
    ("county", "130126"),
    ("township", "130126100"),
    ("village", "130126100201"),
    ("inspector", "130126"),
    ("unit", "130127"),
]


@pytest.mark.parametrize(("role", "root"), PERSONAS)
def test_area_pages_are_visible_exactly_inside_the_subtree(make_user: MakeUser, role: str, root: str) -> None:
    client = client_for(make_user(f"u_{role}", role, root))
    seen = {code: client.get(f"/areas/{code}/").status_code for code in TREE}
    assert seen == {code: 200 if code.startswith(root) else 404 for code in TREE}


@pytest.mark.parametrize(("role", "root"), PERSONAS)
def test_search_finds_exactly_the_subtree(make_user: MakeUser, role: str, root: str) -> None:
    client = client_for(make_user(f"u_{role}", role, root))
    body = client.get("/areas/search/", {"q": "1"}).content.decode()
    found = {code for code in TREE if f'href="/areas/{code}/"' in body}
    assert found == {code for code in TREE if code.startswith(root)}


def test_signed_in_pages_are_not_cached(make_user: MakeUser) -> None:
    response = client_for(make_user("u", "county", "130126")).get("/areas/")
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("held", "within", "expected"),
    [
        (
            ["1301"],
            "",
            {
                "1301",
                "130126",
                "130126100",
                "130126100201",
                "130126100202",
                "130127",
                "130127100",
                "130127100201",
                "130127100202",
            },
        ),
        (["1301"], "130127", {"130127", "130127100", "130127100201", "130127100202"}),
        (
            ["130126", "130722"],
            "13",
            {
                "130126",
                "130126100",
                "130126100201",
                "130126100202",
                "130722",
                "130722100",
                "130722100201",
                "130722100202",
            },
        ),
        (["130126"], "1307", set()),
        (["130126"], "1301261", {"130126100", "130126100201", "130126100202"}),
    ],
    ids=["held", "narrowed to a child", "above the held codes", "outside", "a digit prefix"],
)
def test_scope_narrowed_to_an_area_is_the_intersection(
    make_user: MakeUser, held: list[str], within: str, expected: set[str]
) -> None:
    user = make_user("narrowed", "inspector", *held)
    codes = set(Area.objects.filter(scope_q(user, "code", within=within)).values_list("code", flat=True))
    assert codes == expected

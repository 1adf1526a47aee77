"""The contest API (issue 16, item 8): rounds, rankings and indicator values under /api/v1/contest, with the scope
rules of the report's pages; the ranking is exactly the CLI's."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from tuopin.accounts.models import User
from tuopin.accounts.services import token_create
from tuopin.audit.models import AuditEvent
from tuopin.conftest import MakeUser
from tuopin.contest.models import Round, RoundState
from tuopin.contest.services import round_publish
from tuopin.contest.tests.report_data import judges, make_round, province_round

pytestmark = pytest.mark.django_db


def _get(user: User, path: str, **params: Any) -> Any:
    token = token_create(user=user, name="test")
    return Client().get(f"/api/v1/contest{path}", params, HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture
def panel(make_user: MakeUser) -> list[User]:
    return judges(make_user)


def _cli_ranking(contest_round: Round) -> Any:
    out = StringIO()
    call_command("contest", "rank", str(contest_round.pk), "--json", stdout=out)
    return json.loads(out.getvalue())


def test_the_ranking_is_hidden_before_publication_and_the_cli_s_after(
    panel: list[User], own: User, neighbour: User
) -> None:
    contest_round = make_round(panel, state=RoundState.CLOSED)
    path = f"/rounds/{contest_round.pk}/ranking"
    for outsider in (panel[0], neighbour):
        assert _get(outsider, path).status_code == 404
    assert AuditEvent.objects.filter(action="access.not_found", object_id=str(contest_round.pk)).count() == 2
    assert (
        _get(own, path).status_code == 200
    )  # the organiser's office checks the closed round before publication

    contest_round = round_publish(actor=None, contest_round=contest_round)
    expected = _cli_ranking(contest_round)
    assert [row["area"] for row in expected["ranking"]] == [
        "130126100",
        "130126101",
        "130126102",
        "130126103",
    ]
    for reader in (panel[0], own):
        response = _get(reader, path)
        assert response.status_code == 200
        assert response.json() == expected
    assert _get(neighbour, path).status_code == 404


def test_the_ranking_row_carries_exactly_the_cli_fields(panel: list[User], own: User) -> None:
    contest_round = make_round(panel)
    first = _get(own, f"/rounds/{contest_round.pk}/ranking").json()["ranking"][0]
    assert first == {
        "area": "130126100",
        "judges_score": 91.94,
        "indicator_score": 90.0,
        "total": 91.17,
        "rank": 1,
        "grade": "好",
    }


def test_rounds_are_listed_in_the_token_s_scope(
    panel: list[User], own: User, neighbour: User, make_user: MakeUser
) -> None:
    draft = make_round(panel, state=RoundState.DRAFT, with_run=False)
    published = make_round(panel, with_run=False)
    assert {r["id"] for r in _get(own, "/rounds").json()} == {draft.pk, published.pk}
    assert _get(neighbour, "/rounds").json() == []
    assert [r["id"] for r in _get(own, "/rounds", state="published").json()] == [published.pk]
    province = make_user("hebei", "province", "13")
    assert {r["id"] for r in _get(province, "/rounds").json()} == {draft.pk, published.pk}
    assert [r["id"] for r in _get(panel[0], "/rounds").json()] == [published.pk]  # it judges, past the draft


def test_a_round_shows_its_contestants_and_state_and_another_county_gets_404(
    panel: list[User], own: User, neighbour: User
) -> None:
    contest_round = make_round(panel, state=RoundState.OPEN)
    body = _get(own, f"/rounds/{contest_round.pk}").json()
    assert body["state"] == "open"
    assert body["organiser"] == "130126"
    assert body["judges"] == 5
    assert [c["area_name"] for c in body["contestants"]] == ["灵寿镇", "青同镇", "塔上镇", "陈庄镇"]
    assert [item["name"] for item in body["items"]] == ["汇报", "答问"]
    assert "评委1" not in json.dumps(body, ensure_ascii=False)  # no judge's name or label, no score
    assert _get(neighbour, f"/rounds/{contest_round.pk}").status_code == 404
    assert _get(own, "/rounds/999999").status_code == 404
    assert (
        _get(panel[0], f"/rounds/{contest_round.pk}").json()["judges"] == 5
    )  # a judge counts the whole panel


def test_a_province_round_is_circulated_to_the_counties_once_published(
    make_user: MakeUser, neighbour: User
) -> None:
    contest_round = province_round(make_user, state=RoundState.CLOSED)
    assert _get(neighbour, f"/rounds/{contest_round.pk}").status_code == 404
    assert _get(neighbour, f"/runs/{contest_round.run_id}/values").status_code == 404
    round_publish(actor=None, contest_round=contest_round)
    assert _get(neighbour, f"/rounds/{contest_round.pk}").status_code == 200
    assert _get(neighbour, f"/rounds/{contest_round.pk}/ranking").status_code == 200
    assert _get(neighbour, f"/runs/{contest_round.run_id}/values").status_code == 200


def test_a_run_s_values_are_read_in_scope(panel: list[User], own: User, neighbour: User) -> None:
    contest_round = make_round(panel)
    body = _get(own, f"/runs/{contest_round.run_id}/values").json()
    assert body["run"]["system"] == "county-townships"
    assert body["run"]["checksum"] == "ab" * 32
    first = body["values"][0]
    assert (first["area"], first["indicator"], first["value"], first["score"]) == (
        "130126100",
        "exit_rate",
        "90.0000",
        "90.00",
    )
    assert first["details"]["source"] == "建档立卡数据库（2019-05-31快照）"
    assert [v["value"] for v in body["values"] if v["indicator"] == "visit_compliance"] == [None] * 4
    assert _get(neighbour, f"/runs/{contest_round.run_id}/values").status_code == 404
    assert _get(panel[0], f"/runs/{contest_round.run_id}/values").status_code == 200  # a judge of its round


def test_a_preview_ranking_of_incomplete_sheets_is_a_conflict_naming_what_is_missing(
    panel: list[User], own: User
) -> None:
    contest_round = make_round(panel, state=RoundState.CLOSED, missing=(3, "130126101"))
    response = _get(own, f"/rounds/{contest_round.pk}/ranking")
    assert response.status_code == 409
    assert any("130126101" in message for message in response.json()["messages"])


def test_the_contest_operations_are_in_the_schema() -> None:
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    assert {
        "/api/v1/contest/rounds",
        "/api/v1/contest/rounds/{round_id}",
        "/api/v1/contest/rounds/{round_id}/ranking",
        "/api/v1/contest/runs/{run_id}/values",
    } <= set(paths)


def test_no_one_reads_the_ranking_of_a_round_still_being_scored(panel: list[User], own: User) -> None:
    contest_round = make_round(panel, state=RoundState.OPEN)
    for reader in (own, panel[0]):
        assert _get(reader, f"/rounds/{contest_round.pk}/ranking").status_code == 404
    assert _get(own, f"/rounds/{contest_round.pk}").json()["state"] == "open"


def test_the_contest_operations_answer_in_a_bounded_number_of_queries(
    panel: list[User], own: User, django_assert_max_num_queries: Any
) -> None:
    """The token and its user, the areas, then one or two reads: never one per contestant, judge or value."""
    contest_round = make_round(panel)
    client = Client(headers={"Authorization": f"Bearer {token_create(user=own, name='test')}"})
    for path in (
        "/rounds",
        f"/rounds/{contest_round.pk}",
        f"/rounds/{contest_round.pk}/ranking",
        f"/runs/{contest_round.run_id}/values",
    ):
        with django_assert_max_num_queries(6):
            assert client.get(f"/api/v1/contest{path}").status_code == 200

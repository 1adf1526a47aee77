"""Contest rounds (issue 16, Build 2): the state machine, a published round's immutability and its revisions, the
definition checked by THE ranking, the organiser's office, and the organiser's pages in scope."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tuopin.accounts.models import User
from tuopin.audit.models import AuditEvent
from tuopin.conftest import MakeUser, client_for
from tuopin.contest.models import Round, RoundState, Sheet
from tuopin.contest.ranking import Grading, Item
from tuopin.contest.selectors import round_ranking
from tuopin.contest.services import (
    ContestantData,
    RoundData,
    round_close,
    round_create,
    round_indicators_set,
    round_open,
    round_publish,
    round_reopen,
    round_revise,
    round_update,
    sheet_submit,
)
from tuopin.contest.tests.round_factories import (
    COUNTIES,
    contestant,
    judges,
    open_round,
    province_data,
    score_all,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(make_user: MakeUser) -> User:
    return make_user("hebei", "province", "13")


@pytest.fixture
def panel(make_user: MakeUser) -> list[User]:
    return judges(make_user)


def _actions(contest_round: Round) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="contest_round", object_id=str(contest_round.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


def _published(office: User, panel: list[User]) -> Round:
    contest_round = open_round(office, panel)
    score_all(contest_round, panel)
    round_close(actor=office, contest_round=contest_round)
    return round_publish(actor=office, contest_round=contest_round)


def test_it_walks_a_round_from_draft_to_published_and_freezes_the_ranking(
    office: User, panel: list[User]
) -> None:
    contest_round = round_create(actor=office, data=province_data(panel))
    assert contest_round.state == RoundState.DRAFT
    assert [j.label for j in contest_round.judges.order_by("label")] == ["评委1", "评委2", "评委3"]
    round_open(actor=office, contest_round=contest_round)
    score_all(contest_round, panel)
    round_close(actor=office, contest_round=contest_round)
    published = round_publish(actor=office, contest_round=contest_round)
    assert published.state == RoundState.PUBLISHED and published.published_at is not None
    assert [row["area"] for row in published.placings] == list(reversed(COUNTIES))
    assert published.placings[0]["total"] == "82.50" and published.placings[0]["grade"] == "较好"
    assert _actions(contest_round) == [
        "contest.round_create",
        "contest.round_open",
        "contest.round_close",
        "contest.round_publish",
    ]
    publish_row = AuditEvent.objects.get(action="contest.round_publish")
    assert publish_row.details["ranking"][0] == ["130724", "82.50", 1, "较好"]
    # The published ranking never changes, even if a sheet were altered behind the services' back.
    Sheet.objects.filter(contestant__area_id="130126").update(scores={"汇报": "100", "答问": "20"})
    assert [p.area for p in round_ranking(Round.objects.get(pk=published.pk))] == list(reversed(COUNTIES))
    out = StringIO()
    call_command("contest", "rank", str(published.pk), "--json", stdout=out)
    assert json.loads(out.getvalue())["ranking"][0] == {
        "area": "130724",
        "judges_score": 82.5,
        "indicator_score": 0.0,
        "total": 82.5,
        "rank": 1,
        "grade": "较好",
    }


def test_it_refuses_every_change_of_a_published_round(office: User, panel: list[User]) -> None:
    published = _published(office, panel)
    before = AuditEvent.objects.filter(result="denied").count()
    attempts = [
        lambda: round_update(actor=office, contest_round=published, data=province_data(panel)),
        lambda: round_open(actor=office, contest_round=published),
        lambda: round_close(actor=office, contest_round=published),
        lambda: round_reopen(actor=office, contest_round=published),
        lambda: round_publish(actor=office, contest_round=published),
        lambda: round_indicators_set(actor=office, contest_round=published, scores={"130126": Decimal(90)}),
        lambda: sheet_submit(
            judge_user=panel[0],
            contestant=contestant(published, "130126"),
            scores={"汇报": Decimal(1), "答问": Decimal(1)},
        ),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    with pytest.raises(ValidationError):
        round_open(actor=None, contest_round=published)  # not even the command line
    assert AuditEvent.objects.filter(result="denied").count() == before + len(attempts)
    fresh = Round.objects.get(pk=published.pk)
    assert fresh.state == RoundState.PUBLISHED and fresh.placings == published.placings
    assert Sheet.objects.get(judge__user=panel[0], contestant__area_id="130126").scores == {
        "汇报": "80",
        "答问": "15",
    }


def test_it_publishes_only_when_every_judge_has_scored_every_contestant(
    office: User, panel: list[User]
) -> None:
    contest_round = open_round(office, panel)
    score_all(contest_round, panel[:2])
    round_close(actor=office, contest_round=contest_round)
    with pytest.raises(ValidationError) as refused:
        round_publish(actor=office, contest_round=contest_round)
    assert len(refused.value.messages) == len(COUNTIES)  # 评委3 lacks every contestant's sheet
    assert "评委3" in refused.value.messages[0]
    assert Round.objects.get(pk=contest_round.pk).state == RoundState.CLOSED
    round_reopen(actor=office, contest_round=contest_round)
    score_all(contest_round, panel[2:])
    round_close(actor=office, contest_round=contest_round)
    assert round_publish(actor=office, contest_round=contest_round).state == RoundState.PUBLISHED


def test_it_needs_indicator_scores_to_publish_a_round_that_weighs_them(
    office: User, panel: list[User]
) -> None:
    contest_round = open_round(office, panel, w_judges=Decimal("0.6"), w_indicators=Decimal("0.4"))
    score_all(contest_round, panel)
    round_close(actor=office, contest_round=contest_round)
    with pytest.raises(ValidationError):
        round_publish(actor=office, contest_round=contest_round)
    round_indicators_set(
        actor=office, contest_round=contest_round, scores={code: Decimal(90) for code in COUNTIES}
    )
    published = round_publish(actor=office, contest_round=contest_round)
    assert published.placings[0]["total"] == "85.50"  # 0.6 × 82.5 + 0.4 × 90


def test_it_moves_only_along_the_states(office: User, panel: list[User]) -> None:
    contest_round = round_create(actor=office, data=province_data(panel))
    for move in (round_close, round_reopen, round_publish):
        with pytest.raises(ValidationError):
            move(actor=office, contest_round=contest_round)
    round_open(actor=office, contest_round=contest_round)
    with pytest.raises(ValidationError):
        round_update(actor=office, contest_round=contest_round, data=province_data(panel))
    with pytest.raises(ValidationError):
        round_revise(actor=office, contest_round=contest_round, reason="录入有误")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"w_judges": Decimal("0.6"), "w_indicators": Decimal("0.3")}, "__all__"),
        ({"items": ()}, "__all__"),
        ({"items": (Item("汇报", Decimal(0)),)}, "__all__"),
        ({"grading": Grading("shares", (("好", Decimal("0.5")), ("一般", Decimal("0.2"))))}, "__all__"),
        ({"grading": Grading("thresholds", (("好", Decimal(90)),))}, "__all__"),  # no 'else' grade
        ({"organiser_code": "1301"}, "organiser"),  # a city does not organise a province round
        ({"contestants": (ContestantData("130126100", "乡镇书记"),)}, "contestants"),  # a township
        (
            {"contestants": (ContestantData("130126", "书记"), ContestantData("130126", "书记"))},
            "contestants",
        ),
        ({"contestants": (ContestantData("130126", ""),)}, "contestants"),
        ({"contestants": ()}, "contestants"),
        ({"title": " "}, "title"),
    ],
)
def test_it_refuses_a_round_that_cannot_be_ranked(
    office: User, panel: list[User], changes: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        round_create(actor=office, data=province_data(panel, **changes))
    assert field in refused.value.message_dict
    assert not Round.objects.exists()


def test_a_county_round_takes_townships_of_its_county_only(own: User, make_user: MakeUser) -> None:
    judge = make_user("xiangzhen", "judge", "130126")
    data = RoundData(
        title="灵寿县乡镇党委书记擂台赛",
        level="county",
        held_on=date(2019, 6, 1),
        organiser_code="130126",
        items=(Item("汇报", Decimal(100)),),
        grading=Grading("shares", (("好", Decimal("0.5")), ("一般", Decimal("0.5")))),
        contestants=(ContestantData("130126100", "镇党委书记"),),
        judges=(judge.pk,),
    )
    assert round_create(actor=own, data=data).organiser_id == "130126"
    with pytest.raises(ValidationError):
        round_create(
            actor=own,
            data=RoundData(**{**data.__dict__, "contestants": (ContestantData("130127100", "书记"),)}),
        )


def test_only_the_organising_office_changes_a_round(
    office: User, panel: list[User], make_user: MakeUser, own: User, inspector: User
) -> None:
    city = make_user("shijiazhuang", "city", "1301")
    for actor in (city, own, inspector):
        with pytest.raises(PermissionDenied):
            round_create(actor=actor, data=province_data(panel))
    contest_round = round_create(actor=office, data=province_data(panel))
    for actor in (city, own, inspector, panel[0]):
        with pytest.raises(PermissionDenied):
            round_open(actor=actor, contest_round=contest_round)
    assert AuditEvent.objects.filter(action="contest.round_open", result="denied").count() == 4
    assert Round.objects.get(pk=contest_round.pk).state == RoundState.DRAFT


def test_judges_are_accounts_of_the_organisers_scope(office: User, own: User, make_user: MakeUser) -> None:
    outsider = make_user("elsewhere", "judge", "130126")
    county_judge = make_user("county_judge", "judge", "130127")
    data = RoundData(
        title="灵寿县乡镇党委书记擂台赛",
        level="county",
        held_on=date(2019, 6, 1),
        organiser_code="130126",
        items=(Item("汇报", Decimal(100)),),
        grading=Grading("shares", (("好", Decimal(1)),)),
        contestants=(ContestantData("130126100", "镇党委书记"),),
        judges=(outsider.pk, county_judge.pk),
    )
    with pytest.raises(ValidationError) as refused:
        round_create(actor=own, data=data)
    assert "judges" in refused.value.message_dict


def test_a_revision_copies_the_published_round_and_is_audited(office: User, panel: list[User]) -> None:
    published = _published(office, panel)
    with pytest.raises(ValidationError):
        round_revise(actor=office, contest_round=published, reason=" ")
    revision = round_revise(actor=office, contest_round=published, reason="评委2的答问分录入有误")
    assert (revision.revision, revision.supersedes_id, revision.state) == (2, published.pk, RoundState.CLOSED)
    assert revision.contestants.count() == len(COUNTIES) and revision.judges.count() == 3
    assert Sheet.objects.filter(judge__round=revision).count() == 3 * len(COUNTIES)
    row = AuditEvent.objects.get(action="contest.round_revise")
    assert row.details == {"supersedes": published.pk, "revision": 2, "reason": "评委2的答问分录入有误"}
    with pytest.raises(ValidationError):
        round_revise(actor=office, contest_round=published, reason="again")  # revise the latest one
    round_reopen(actor=office, contest_round=revision)
    sheet_submit(
        judge_user=panel[1],
        contestant=contestant(revision, "130126"),
        scores={"汇报": Decimal(100), "答问": 20},
    )
    round_close(actor=office, contest_round=revision)
    republished = round_publish(actor=office, contest_round=revision)
    assert republished.placings != published.placings
    assert Round.objects.get(pk=published.pk).placings == published.placings


# --- the organiser's pages --------------------------------------------------------------------------------------


@pytest.fixture
def county_round(own: User, make_user: MakeUser) -> Round:
    judge = make_user("xiangzhen", "judge", "130126")
    return round_create(
        actor=own,
        data=RoundData(
            title="灵寿县乡镇党委书记擂台赛",
            level="county",
            held_on=date(2019, 6, 1),
            organiser_code="130126",
            items=(Item("汇报", Decimal(100)),),
            grading=Grading("shares", (("好", Decimal(1)),)),
            contestants=(ContestantData("130126100", "镇党委书记"),),
            judges=(judge.pk,),
        ),
    )


def test_the_organisers_pages_are_scoped(
    own: User, neighbour: User, inspector: User, county_round: Round
) -> None:
    pages = [f"/contest/rounds/{county_round.pk}/", f"/contest/rounds/{county_round.pk}/screen/"]
    for page in pages:
        assert client_for(own).get(page).status_code == 200
        assert client_for(inspector).get(page).status_code == 200
        assert client_for(neighbour).get(page).status_code == 404
    assert "灵寿县乡镇党委书记擂台赛" in client_for(own).get("/contest/rounds/").content.decode()
    assert "灵寿县乡镇党委书记擂台赛" not in client_for(neighbour).get("/contest/rounds/").content.decode()
    assert AuditEvent.objects.filter(action="access.not_found", object_type="contest_round").count() == 2


def test_an_inspector_reads_a_round_but_cannot_move_it(inspector: User, county_round: Round) -> None:
    client = client_for(inspector)
    assert "move-open" not in client.get(f"/contest/rounds/{county_round.pk}/").content.decode()
    response = client.post(f"/contest/rounds/{county_round.pk}/state/", {"move": "open"})
    assert response.status_code == 403
    assert Round.objects.get(pk=county_round.pk).state == RoundState.DRAFT


def test_the_office_opens_a_round_from_its_page(own: User, county_round: Round) -> None:
    client = client_for(own)
    response = client.post(f"/contest/rounds/{county_round.pk}/state/", {"move": "open"})
    assert response.status_code == 302
    assert Round.objects.get(pk=county_round.pk).state == RoundState.OPEN
    assert AuditEvent.objects.filter(action="contest.round_open", result="ok").count() == 1


def test_the_office_creates_and_edits_a_draft_through_the_form(office: User, panel: list[User]) -> None:
    client = client_for(office)
    assert client.get("/contest/rounds/new/").status_code == 200
    post = {
        "title": "全省县委书记擂台赛",
        "held_on": "2018-10-29",
        "organiser": "13",
        "items": "汇报 100\n答问 20",
        "trim": "on",
        "w_judges": "1",
        "w_indicators": "0",
        "grading_method": "shares",
        "grades": "好 33.33%\n较好 33.33%\n一般 33.34%",
        "grade_else": "",
        "judges": [str(judge.pk) for judge in panel],
        "contestants-TOTAL_FORMS": "3",
        "contestants-INITIAL_FORMS": "0",
        "contestants-0-area": "130126",
        "contestants-0-speaker": "书记甲",
        "contestants-0-speech": "exchange",
        "contestants-1-area": "130722",
        "contestants-1-speaker": "书记乙",
        "contestants-1-speech": "review",
        "contestants-2-area": "",
        "contestants-2-speaker": "",
        "contestants-2-speech": "exchange",
    }
    response = client.post("/contest/rounds/new/", post)
    assert response.status_code == 302, response.content.decode()[:3000]
    created = Round.objects.get()
    assert created.grading["grades"][0] == ["好", "0.3333"]
    assert [c.area_id for c in created.contestants.order_by("position")] == ["130126", "130722"]
    assert client.get(f"/contest/rounds/{created.pk}/edit/").status_code == 200
    response = client.post(f"/contest/rounds/{created.pk}/edit/", {**post, "w_judges": "0.5"})
    body = response.content.decode()
    assert response.status_code == 200 and "无法排名" in body, re.findall(r"(?:danger[^>]*>)([^<]+)", body)
    response = client.post(f"/contest/rounds/{created.pk}/edit/", {**post, "title": "全省擂台赛（修改）"})
    assert response.status_code == 302
    assert Round.objects.get(pk=created.pk).title == "全省擂台赛（修改）"
    assert _actions(created) == ["contest.round_create", "contest.round_update"]


def test_the_organisers_pages_take_as_many_queries_for_a_large_panel_as_for_a_small_one(
    office: User, make_user: MakeUser
) -> None:
    panel = judges(make_user, 5)
    counts = []
    for size in (2, 5):
        contest_round = open_round(office, panel[:size])
        score_all(contest_round, panel[:size])
        round_close(actor=office, contest_round=contest_round)
        client = client_for(office)
        pages = (
            "/contest/rounds/",
            f"/contest/rounds/{contest_round.pk}/",
            f"/contest/rounds/{contest_round.pk}/screen/",
            f"/contest/rounds/{contest_round.pk}/screen/live/",
        )
        counts.append([_queries(client, page) for page in pages])
    assert counts[0] == counts[1]
    assert max(counts[1]) <= MAX_QUERIES


MAX_QUERIES = 20


def _queries(client: Client, page: str) -> int:
    client.get(page)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(page).status_code == 200
    return len(queries)


def test_a_judge_only_account_reads_no_area(panel: list[User]) -> None:
    client = client_for(panel[0])
    assert client.get("/areas/13/").status_code == 404
    assert client.get("/areas/130126/").status_code == 404
    assert "全省" not in client.get("/contest/rounds/").content.decode()


def test_an_older_copy_of_a_round_cannot_change_it_once_published(office: User, panel: list[User]) -> None:
    contest_round = open_round(office, panel)
    stale = Round.objects.get(pk=contest_round.pk)
    score_all(contest_round, panel)
    round_close(actor=office, contest_round=contest_round)
    round_publish(actor=office, contest_round=contest_round)
    assert stale.state == RoundState.OPEN
    with pytest.raises(PermissionDenied):
        round_indicators_set(actor=office, contest_round=stale, scores={"130126": Decimal(90)})
    with pytest.raises(PermissionDenied):
        sheet_submit(
            judge_user=panel[0], contestant=contestant(stale, "130126"), scores={"汇报": 1, "答问": 1}
        )
    assert Round.objects.get(pk=contest_round.pk).contestants.get(area_id="130126").indicator_score is None

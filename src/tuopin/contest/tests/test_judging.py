"""Judges' sheets and phone pages (issue 16, Build 3): scores within 0..max, every item, only while open, a change
audited with the old and the new values; a judge reaches only its own sheets and sees no ranking before publication;
the projected page's live fragment shows who has scored, never a score, until the round closes."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tuopin.accounts.models import User
from tuopin.audit.models import AuditEvent
from tuopin.conftest import MakeUser, client_for
from tuopin.contest.models import Round, Sheet
from tuopin.contest.selectors import ranking_visible_to, sheet_for, sheets_for
from tuopin.contest.services import (
    round_close,
    round_create,
    round_indicators_set,
    round_open,
    round_publish,
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

TOTAL = re.compile(r'data-testid="total"')


@pytest.fixture
def office(make_user: MakeUser) -> User:
    return make_user("hebei", "province", "13")


@pytest.fixture
def panel(make_user: MakeUser) -> list[User]:
    return judges(make_user)


@pytest.fixture
def contest_round(office: User, panel: list[User]) -> Round:
    return open_round(office, panel)


def _submit(judge: User, contest_round: Round, code: str = "130126", **scores: object) -> Sheet:
    return sheet_submit(
        judge_user=judge,
        contestant=contestant(contest_round, code),
        scores=scores or {"汇报": Decimal(88), "答问": Decimal(18)},
    )


# --- the service ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "field"),
    [
        ({"汇报": "101", "答问": "18"}, "汇报"),
        ({"汇报": "88", "答问": "20.5"}, "答问"),
        ({"汇报": "-1", "答问": "18"}, "汇报"),
        ({"汇报": "88"}, "答问"),
        ({"汇报": "88", "答问": ""}, "答问"),
        ({"汇报": "abc", "答问": "18"}, "汇报"),
        ({"汇报": "88.125", "答问": "18"}, "汇报"),
        ({"汇报": "88", "答问": "18", "仪态": "5"}, "__all__"),
    ],
)
def test_it_refuses_scores_outside_the_sheet(
    contest_round: Round, panel: list[User], scores: dict[str, str], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        sheet_submit(judge_user=panel[0], contestant=contestant(contest_round, "130126"), scores=scores)
    assert field in refused.value.message_dict
    assert not Sheet.objects.exists()


def test_it_takes_scores_at_the_edges(contest_round: Round, panel: list[User]) -> None:
    sheet = _submit(panel[0], contest_round, 汇报="100", 答问="0")
    assert sheet.scores == {"汇报": "100", "答问": "0"}
    sheet = _submit(panel[1], contest_round, 汇报="88.50", 答问="19.25")
    assert sheet.scores == {"汇报": "88.5", "答问": "19.25"}


def test_it_takes_sheets_only_while_the_round_is_open(office: User, panel: list[User]) -> None:
    draft = round_create(actor=office, data=province_data(panel))
    with pytest.raises(ValidationError):
        _submit(panel[0], draft)
    round_open(actor=office, contest_round=draft)
    _submit(panel[0], draft)
    round_close(actor=office, contest_round=draft)
    with pytest.raises(ValidationError):
        _submit(panel[0], draft, 汇报="90", 答问="18")
    assert Sheet.objects.get().scores == {"汇报": "88", "答问": "18"}


def test_a_change_is_audited_with_the_old_and_the_new_scores(contest_round: Round, panel: list[User]) -> None:
    sheet = _submit(panel[0], contest_round)
    _submit(panel[0], contest_round)  # the same scores again: nothing changes, nothing is recorded
    _submit(panel[0], contest_round, 汇报="91", 答问="18")
    rows = list(AuditEvent.objects.filter(object_type="sheet", object_id=str(sheet.pk)).order_by("pk"))
    assert [row.action for row in rows] == ["contest.sheet_submit", "contest.sheet_change"]
    assert rows[0].details == {"judge": "评委1", "area": "130126", "new": {"汇报": "88", "答问": "18"}}
    assert rows[1].details["old"] == {"汇报": "88", "答问": "18"}
    assert rows[1].details["new"] == {"汇报": "91", "答问": "18"}
    assert rows[1].actor == "judge1"


def test_only_a_judge_of_the_round_submits(contest_round: Round, make_user: MakeUser, office: User) -> None:
    outsider = make_user("outsider", "judge", "13")
    for user in (outsider, office):
        with pytest.raises(PermissionDenied):
            _submit(user, contest_round)
    assert AuditEvent.objects.filter(action="contest.sheet_submit", result="denied").count() == 2
    assert not Sheet.objects.exists()


# --- what a judge may read ------------------------------------------------------------------------------------------


def test_a_judge_reads_only_its_own_sheets(contest_round: Round, panel: list[User]) -> None:
    mine = _submit(panel[0], contest_round)
    theirs = _submit(panel[1], contest_round, 汇报="77", 答问="11")
    assert list(sheets_for(panel[0])) == [mine]
    assert sheet_for(panel[0], theirs.pk) is None
    assert sheet_for(panel[1], theirs.pk) == theirs


def test_the_ranking_is_visible_to_judges_only_once_published(
    office: User, panel: list[User], contest_round: Round, make_user: MakeUser, own: User
) -> None:
    office_judge = make_user("leader", "province", "13")
    round_with_leader = open_round(office, [*panel, office_judge])
    assert not ranking_visible_to(office, contest_round)  # open: nobody
    score_all(contest_round, panel)
    round_close(actor=office, contest_round=contest_round)
    assert ranking_visible_to(office, contest_round)
    assert not ranking_visible_to(panel[0], contest_round)
    score_all(round_with_leader, [*panel, office_judge])
    round_close(actor=office, contest_round=round_with_leader)
    assert not ranking_visible_to(office_judge, round_with_leader)  # an office that judges waits as well
    round_publish(actor=office, contest_round=contest_round)
    assert ranking_visible_to(panel[0], contest_round)
    assert ranking_visible_to(own, contest_round)  # a county under the organiser reads the published ranking


def test_a_judge_sees_its_rounds_and_one_page_per_contestant(contest_round: Round, panel: list[User]) -> None:
    client = client_for(panel[0])
    assert contest_round.title in client.get("/contest/judging/").content.decode()
    page = client.get(f"/contest/judging/{contest_round.pk}/").content.decode()
    assert page.count('data-scored="no"') == len(COUNTIES)
    first = contestant(contest_round, COUNTIES[0])
    sheet_page = client.get(f"/contest/judging/{contest_round.pk}/{first.pk}/")
    assert sheet_page.status_code == 200
    assert 'max="100"' in sheet_page.content.decode() and 'max="20"' in sheet_page.content.decode()
    response = client.post(
        f"/contest/judging/{contest_round.pk}/{first.pk}/", {"item_0": "120", "item_1": "18"}
    )
    assert response.status_code == 200 and not Sheet.objects.exists()  # above the maximum: the form refuses
    response = client.post(
        f"/contest/judging/{contest_round.pk}/{first.pk}/", {"item_0": "88", "item_1": "18"}
    )
    second = contestant(contest_round, COUNTIES[1])
    assert response.status_code == 302 and response["Location"].endswith(f"/{second.pk}/")  # on to the next
    assert Sheet.objects.get().scores == {"汇报": "88", "答问": "18"}
    page = client.get(f"/contest/judging/{contest_round.pk}/").content.decode()
    assert page.count('data-scored="yes"') == 1
    assert 'value="88"' in client.get(f"/contest/judging/{contest_round.pk}/{first.pk}/").content.decode()


def test_a_judge_reaches_no_other_round_and_no_other_judges_scores(
    office: User, contest_round: Round, panel: list[User], make_user: MakeUser
) -> None:
    outsider = make_user("outsider", "judge", "13")
    other = open_round(office, [outsider])
    first = contestant(contest_round, COUNTIES[0])
    _submit(panel[1], contest_round, 汇报="77.25", 答问="11.5")
    client = client_for(outsider)
    assert client.get(f"/contest/judging/{contest_round.pk}/").status_code == 404
    assert client.get(f"/contest/judging/{contest_round.pk}/{first.pk}/").status_code == 404
    # a contestant of another round, under a round the judge does judge
    assert client.get(f"/contest/judging/{other.pk}/{first.pk}/").status_code == 404
    assert (
        client.post(
            f"/contest/judging/{contest_round.pk}/{first.pk}/", {"item_0": "1", "item_1": "1"}
        ).status_code
        == 404
    )
    assert client.get(f"/contest/rounds/{contest_round.pk}/").status_code == 404
    assert client.get(f"/contest/rounds/{contest_round.pk}/screen/live/").status_code == 404
    own_page = client_for(panel[0]).get(f"/contest/judging/{contest_round.pk}/{first.pk}/").content.decode()
    assert "77.25" not in own_page and "11.5" not in own_page
    assert AuditEvent.objects.filter(action="access.not_found", object_type="contest_judging").count() == 3


def test_a_judge_sees_the_ranking_only_after_publication(
    office: User, contest_round: Round, panel: list[User]
) -> None:
    score_all(contest_round, panel)
    round_close(actor=office, contest_round=contest_round)
    client = client_for(panel[0])
    for page in (f"/contest/judging/{contest_round.pk}/", "/contest/judging/", "/contest/rounds/"):
        body = client.get(page).content.decode()
        assert not TOTAL.search(body) and "82.50" not in body
    assert (
        'data-testid="total"'
        in client_for(office).get(f"/contest/rounds/{contest_round.pk}/").content.decode()
    )
    round_publish(actor=office, contest_round=contest_round)
    body = client.get(f"/contest/judging/{contest_round.pk}/").content.decode()
    assert "82.50" in body and "较好" in body


def test_the_judges_pages_take_as_many_queries_for_many_contestants_as_for_few(
    office: User, panel: list[User]
) -> None:
    counts = []
    for contestants in (2, 4):
        data = province_data(panel)
        contest_round = round_create(
            actor=office, data=province_data(panel, contestants=data.contestants[:contestants])
        )
        round_open(actor=office, contest_round=contest_round)
        first = contest_round.contestants.order_by("position").first()
        assert first is not None
        for row in contest_round.contestants.all():
            sheet_submit(judge_user=panel[0], contestant=row, scores={"汇报": 80, "答问": 10})
        client = client_for(panel[0])
        pages = (
            "/contest/judging/",
            f"/contest/judging/{contest_round.pk}/",
            f"/contest/judging/{contest_round.pk}/{first.pk}/",
        )
        counts.append([_queries(client, page) for page in pages])
    assert counts[0] == counts[1]
    assert max(counts[1]) <= 20


def _queries(client: Client, page: str) -> int:
    client.get(page)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(page).status_code == 200
    return len(queries)


# --- the projected page ------------------------------------------------------------------------------------------


def test_the_projected_page_shows_who_has_scored_and_no_score_while_open(
    office: User, contest_round: Round, panel: list[User]
) -> None:
    client = client_for(office)
    _submit(panel[0], contest_round, 汇报="77.25", 答问="11.5")
    live = client.get(f"/contest/rounds/{contest_round.pk}/screen/live/")
    body = live.content.decode()
    assert body.count("✓") == 1 and "77.25" not in body and not TOTAL.search(body)
    version = re.search(r'data-version="([^"]+)"', body)
    assert version is not None
    again = client.get(f"/contest/rounds/{contest_round.pk}/screen/live/", {"v": version.group(1)})
    assert again.status_code == 204  # nothing changed: nothing to swap
    _submit(panel[1], contest_round)
    changed = client.get(f"/contest/rounds/{contest_round.pk}/screen/live/", {"v": version.group(1)})
    assert changed.status_code == 200 and changed.content.decode().count("✓") == 2
    score_all(contest_round, panel)
    round_close(actor=office, contest_round=contest_round)
    closed = client.get(f"/contest/rounds/{contest_round.pk}/screen/live/").content.decode()
    assert "82.50" in closed and 'data-contest-chart="ranking"' in closed and "ranking-data" in closed
    screen = client.get(f"/contest/rounds/{contest_round.pk}/screen/").content.decode()
    assert "/static/vendor/echarts/echarts.min.js" in screen and "http" not in re.sub(
        r"https?://[^\"']*w3\.org[^\"']*", "", screen.split("<body")[0]
    )


def test_the_projected_page_swaps_when_an_indicator_score_is_set(office: User, panel: list[User]) -> None:
    contest_round = open_round(office, panel, w_judges=Decimal("0.6"), w_indicators=Decimal("0.4"))
    score_all(contest_round, panel)
    round_close(actor=office, contest_round=contest_round)
    client = client_for(office)
    live = f"/contest/rounds/{contest_round.pk}/screen/live/"
    version = re.search(r'data-version="([^"]+)"', client.get(live).content.decode())
    assert version is not None
    round_indicators_set(actor=office, contest_round=contest_round, scores={"130126": Decimal(95)})
    assert client.get(live, {"v": version.group(1)}).status_code == 200

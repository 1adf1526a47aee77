"""Media files: the user's scope only, names and masked ID numbers only, each household's data version."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest

from tuopin.accounts.models import User
from tuopin.assistance.visits import duty_record
from tuopin.conftest import MakeUser, RegisterHousehold
from tuopin.fieldforms.forms import FORMS
from tuopin.fieldforms.media import data_version, household_versions, media_for, media_hash
from tuopin.monitoring.models import Alert
from tuopin.registry.models import Household
from tuopin.registry.services import member_update

pytestmark = pytest.mark.django_db
VILLAGE, OTHER = "130126100201", "130126100202"


def rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode())))


def alert_of(household: Household) -> Alert:
    return Alert.objects.create(
        rule="medical",
        household=household,
        area_id=household.village_id,
        first_seen=date(2026, 11, 2),
        last_seen=date(2026, 11, 2),
        first_check_due=date(2026, 11, 4),
        conclusion_due=date(2026, 11, 30),
    )


@pytest.fixture
def task_force(make_user: MakeUser) -> User:
    return make_user("cundong", "village", VILLAGE)


@pytest.fixture
def households(register: RegisterHousehold) -> list[Household]:
    return [register("H001"), register("H002", village=OTHER, head="赵大山")]


def test_it_gives_only_the_households_and_members_of_the_scope(
    task_force: User, households: list[Household]
) -> None:
    files = media_for(task_force, "household_update")
    assert set(files) == {"households.csv", "members.csv"}
    assert [r["name"] for r in rows(files["households.csv"])] == ["H001"]
    members = rows(files["members.csv"])
    assert {r["household"] for r in members} == {"H001"} and len(members) == 3


def test_it_holds_masked_ids_and_no_phone(task_force: User, own: User, households: list[Household]) -> None:
    alert_of(households[0])
    for user in (task_force, own):
        for form_id in FORMS:
            for name, content in media_for(user, form_id).items():
                text = content.decode()
                assert not re.search(r"(?<!\d)\d{17}[\dXx](?!\d)", text), name
                assert "13812345678" not in text and not re.search(r"(?<!\d)1\d{10}(?!\d)", text), name
    head = rows(media_for(task_force, "visit")["households.csv"])[0]
    assert head["label"].startswith("H001 王建国 130126********")


def test_it_carries_the_household_version_that_every_registry_write_moves(
    task_force: User, households: list[Household]
) -> None:
    household = households[0]
    before = rows(media_for(task_force, "visit")["households.csv"])[0]["version"]
    assert before == household_versions([household.pk])[household.pk]
    member = household.members.get(relation="spouse")
    member_update(actor=None, member=member, version=member.version, values={"labour": "weak"}, reason="核实")
    after = rows(media_for(task_force, "visit")["households.csv"])[0]["version"]
    assert after != before


def test_it_gives_the_alerts_of_the_scope_with_their_versions(
    task_force: User, households: list[Household]
) -> None:
    mine, other = alert_of(households[0]), alert_of(households[1])
    alerts = rows(media_for(task_force, "alert_check")["alerts.csv"])
    assert [(r["name"], r["household"], r["version"]) for r in alerts] == [(str(mine.pk), "H001", "1")]
    assert str(other.pk) not in {r["name"] for r in alerts}


def test_it_gives_the_users_own_duties_and_its_villages(
    task_force: User, households: list[Household]
) -> None:
    duty_record(
        actor=None,
        who="cundong",
        target_type="household",
        target_code="H001",
        frequency="month",
        valid_from=date(2026, 1, 1),
    )
    duty_record(
        actor=None,
        who="someone",
        target_type="household",
        target_code="H001",
        frequency="month",
        valid_from=date(2026, 1, 1),
    )
    duties = rows(media_for(task_force, "visit")["duties.csv"])
    assert [d["household"] for d in duties] == ["H001"]
    assert rows(media_for(task_force, "self_report")["villages.csv"]) == [
        {"name": VILLAGE, "label": "城东村"}
    ]


def test_it_hashes_the_media_and_moves_the_data_version_with_the_data(
    task_force: User, households: list[Household]
) -> None:
    content = media_for(task_force, "alert_check")["alerts.csv"]
    assert media_hash(content).startswith("md5:") and media_hash(content) == media_hash(content)
    before = data_version(task_force, "alert_check")
    assert before == data_version(task_force, "alert_check")
    alert_of(households[0])
    assert data_version(task_force, "alert_check") != before


def test_it_gives_nothing_to_a_user_the_form_is_not_for(inspector: User, households: list[Household]) -> None:
    assert media_for(inspector, "visit") == {}


def test_it_reads_the_media_in_queries_that_do_not_grow_with_the_households(
    task_force: User, register: RegisterHousehold
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    register("H001")
    media_for(task_force, "household_update")  # the user's areas, read once and kept on the user
    with CaptureQueriesContext(connection) as one:
        media_for(task_force, "household_update")
    register("H003")
    register("H004")
    with CaptureQueriesContext(connection) as three:
        files = media_for(task_force, "household_update")
    assert len(rows(files["households.csv"])) == 3
    assert len(three.captured_queries) == len(one.captured_queries)

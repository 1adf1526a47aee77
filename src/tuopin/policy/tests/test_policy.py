"""Policy profiles: the seeded national values with their sources, which value is in force for a year and province,
who may change a value, validation, optimistic locking, history and audit, the CLI and the pages."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from tuopin.accounts.models import User
from tuopin.administration.policy_services import policy_set
from tuopin.areas.models import Area
from tuopin.audit.models import AuditEvent
from tuopin.conftest import MakeUser, client_for
from tuopin.core.errors import StaleEdit
from tuopin.policy.models import PolicyChange, PolicyValue
from tuopin.policy.selectors import policy_for

pytestmark = pytest.mark.django_db


def test_the_national_profile_is_seeded_with_sources() -> None:
    assert policy_for(2015).value("poverty_line") == Decimal("2855")
    assert policy_for(2019).value("poverty_line") == Decimal("3218")
    assert policy_for(2020).value("poverty_line") == Decimal("4000")
    profile = policy_for(2019)
    assert profile.value("village_exit_incidence") == Decimal("0.02")
    assert profile.value("county_approval_min") == Decimal("0.9")
    assert (profile.value("school_age_min"), profile.value("school_age_max")) == (6, 15)
    assert profile.value("school_age_cutoff") == (8, 31)
    assert profile.value("notice_days") == 7
    assert all(setting.source for setting in profile.values())
    # Each seeded value starts its history.
    assert PolicyChange.objects.count() == PolicyValue.objects.count()


def test_a_value_holds_until_a_later_year_and_a_province_comes_first(tree: dict[str, Area]) -> None:
    assert policy_for(2010).value("poverty_line") is None  # nothing before the first seeded year
    assert policy_for(2030).value("poverty_line") == Decimal("4000")  # the latest value holds on
    policy_set(actor=None, key="monitoring_line", year=2023, value="7000", source="冀 2023", province="13")
    assert policy_for(2022, "13").value("monitoring_line") == Decimal("6000")  # before the override: national
    hebei = policy_for(2024, "13")
    assert hebei.value("monitoring_line") == Decimal("7000")
    assert (hebei["monitoring_line"].province, hebei["monitoring_line"].since) == ("13", 2023)
    assert policy_for(2024).value("monitoring_line") == Decimal("6000")  # the nation is untouched
    # A later national value does not displace the province's own.
    policy_set(actor=None, key="monitoring_line", year=2024, value="6500", source="国家 2024")
    assert policy_for(2025, "13").value("monitoring_line") == Decimal("7000")
    assert policy_for(2025).value("monitoring_line") == Decimal("6500")


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [
        ("no_such_key", "1", "key"),
        ("poverty_line", "abc", "value"),
        ("poverty_line", "-1", "value"),
        ("village_exit_incidence", "2", "value"),  # a ratio, not a percentage
        ("notice_days", "7.5", "value"),
        ("school_age_cutoff", "02-30", "value"),
        ("school_age_cutoff", "8/31", "value"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_written(key: str, value: str, field: str) -> None:
    before = PolicyValue.objects.count(), PolicyChange.objects.count()
    with pytest.raises(ValidationError) as refused:
        policy_set(actor=None, key=key, year=2022, value=value, source="x")
    assert field in refused.value.message_dict
    assert (PolicyValue.objects.count(), PolicyChange.objects.count()) == before


def test_a_source_is_required_and_the_province_must_exist(tree: dict[str, Area]) -> None:
    with pytest.raises(ValidationError) as refused:
        policy_set(actor=None, key="poverty_line", year=2022, value="1", source="  ", province="99")
    assert set(refused.value.message_dict) == {"source", "province"}


def test_who_may_change_which_profile(make_user: MakeUser) -> None:
    hebei = make_user("hebei", "province", "13")
    county = make_user("lingshou", "county", "130126")
    admin = make_user("root", "admin", "13")
    with pytest.raises(PermissionDenied):
        policy_set(actor=hebei, key="poverty_line", year=2022, value="1", source="x")  # the national profile
    with pytest.raises(PermissionDenied):
        policy_set(actor=county, key="monitoring_line", year=2022, value="1", source="x", province="13")
    assert AuditEvent.objects.filter(action="policy.set", result="denied").count() == 2
    policy_set(actor=hebei, key="monitoring_line", year=2022, value="6600", source="冀政 2022", province="13")
    policy_set(actor=admin, key="monitoring_line", year=2022, value="6200", source="国家 2022")
    assert policy_for(2022, "13").value("monitoring_line") == Decimal("6600")
    assert policy_for(2022).value("monitoring_line") == Decimal("6200")


def test_changes_are_versioned_kept_and_a_stale_edit_is_refused(make_user: MakeUser) -> None:
    hebei = make_user("hebei", "province", "13")
    row = policy_set(actor=hebei, key="monitoring_line", year=2022, value="6600", source="a", province="13")
    assert row.version == 1
    again = policy_set(actor=hebei, key="monitoring_line", year=2022, value="6600", source="a", province="13")
    assert again.version == 1  # nothing changed, nothing recorded
    row = policy_set(
        actor=hebei, key="monitoring_line", year=2022, value="6800.00", source="b", province="13", version=1
    )
    assert (row.value, row.version) == ("6800", 2)
    with pytest.raises(StaleEdit):
        policy_set(
            actor=hebei, key="monitoring_line", year=2022, value="7000", source="c", province="13", version=1
        )
    changes = list(
        PolicyChange.objects.filter(policy_value=row)
        .order_by("id")
        .values_list("actor_name", "old_value", "new_value", "new_source")
    )
    assert changes == [("hebei", "", "6600", "a"), ("hebei", "6600", "6800", "b")]
    audit = AuditEvent.objects.filter(action="policy.set", result="ok").order_by("id")
    assert [e.details["new"] for e in audit] == ["6600", "6800"]


def test_the_cli_shows_and_sets(tree: dict[str, Area], capsys: pytest.CaptureFixture[str]) -> None:
    call_command(
        "policy",
        "set",
        "monitoring_line",
        "7000",
        "--year",
        "2023",
        "--province",
        "13",
        "--source",
        "冀 2023",
        "--json",
    )
    assert json.loads(capsys.readouterr().out) == {
        "key": "monitoring_line",
        "year": 2023,
        "province": "13",
        "value": "7000",
        "version": 1,
    }
    call_command("policy", "show", "--year", "2024", "--province", "13", "--json")
    shown: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert (shown["year"], shown["province"]) == (2024, "13")
    assert shown["values"]["monitoring_line"] == {
        "value": 7000,
        "since": 2023,
        "origin": "13",
        "source": "冀 2023",
        "note": "",
    }
    assert shown["values"]["poverty_line"]["value"] == 4000
    assert shown["values"]["village_exit_incidence"]["value"] == 0.02
    assert shown["values"]["school_age_cutoff"]["value"] == "08-31"
    with pytest.raises(CommandError, match="source"):
        call_command("policy", "set", "poverty_line", "1", "--year", "2023", "--source", "")


def test_the_page_shows_the_values_in_force_with_their_sources(own: User) -> None:
    page = client_for(own).get("/policy/", {"year": 2019, "province": ""}).content.decode()
    assert "3218" in page and "扶贫标准" in page and "2019" in page
    assert "关于建立贫困退出机制的意见" in page
    assert 'data-testid="value-form"' not in client_for(own).get("/policy/poverty_line/").content.decode()


def test_a_province_user_sets_a_value_on_the_page(make_user: MakeUser) -> None:
    hebei = make_user("hebei", "province", "13")
    client = client_for(hebei)
    page = client.get("/policy/monitoring_line/", {"province": "13", "year": 2023}).content.decode()
    assert 'data-testid="value-form"' in page
    response = client.post(
        "/policy/monitoring_line/?province=13",
        {"year": 2023, "value": "7000", "source": "冀 2023", "note": ""},
    )
    assert response.status_code == 302
    assert policy_for(2023, "13").value("monitoring_line") == Decimal("7000")
    response = client.post("/policy/monitoring_line/?province=13", {"year": 2023, "value": "x", "source": ""})
    assert response.status_code == 200
    assert "应为不小于0的数" in response.content.decode() or "这个字段是必填项" in response.content.decode()
    # A county user may read but not post.
    county = make_user("lingshou", "county", "130126")
    assert (
        client_for(county)
        .post("/policy/monitoring_line/?province=13", {"year": 2023, "value": "1", "source": "x"})
        .status_code
        == 403
    )
    assert policy_for(2023, "13").value("monitoring_line") == Decimal("7000")


def test_seeding_again_fills_only_what_is_missing() -> None:
    from tuopin.policy.seed import policy_seed

    policy_set(actor=None, key="poverty_line", year=2019, value="3300", source="edited")
    PolicyChange.objects.filter(policy_value__key="notice_days").delete()
    PolicyValue.objects.filter(key="notice_days").delete()
    assert policy_seed() == 1  # notice_days is back; the edited line is kept
    assert policy_for(2019).value("poverty_line") == Decimal("3300")
    assert policy_for(2019).value("notice_days") == 7

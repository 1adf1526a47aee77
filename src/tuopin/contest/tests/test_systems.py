"""Indicator systems: the definition's validation (every problem at once), the scoring methods, the shipped systems,
and editing by a province office (every save a new version, history readable, others refused)."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tuopin.accounts.models import User
from tuopin.audit.models import AuditEvent
from tuopin.conftest import MakeUser, client_for
from tuopin.contest.models import IndicatorSystem, SystemVersion
from tuopin.contest.seed import shipped_systems, systems_seed
from tuopin.contest.systems import (
    Indicator,
    definition_parse,
    definition_problems,
    group_scores,
    indicator_scores,
    score_linear,
    score_pass_fail,
    score_rank,
    system_score,
)

D = Decimal


def _ind(key: str, **values: Any) -> dict[str, Any]:
    return {
        "key": key,
        "name": key,
        "weight": 1,
        "direction": "higher",
        "unit": "%",
        "method": "rank",
        "entered": True,
        **values,
    }


# ---------------------------------------------------------------------------------------------------- validation


def test_it_accepts_the_shipped_systems() -> None:
    for entry in shipped_systems():
        assert definition_problems(entry["definition"]) == [], entry["key"]
        shares = [share for _path, _indicator, share in definition_parse(entry["definition"]).rows()]
        assert abs(sum(shares) - 1) < D("1e-20")


def test_it_reports_every_problem_at_once() -> None:
    bad = {
        "groups": [
            {
                "name": "",
                "weight": 0,
                "indicators": [
                    _ind(
                        "Bad Key", weight=-1, direction="up", method="linear", floor=1, target=5, computed="x"
                    ),
                    _ind("a", method="linear", direction="lower", floor=1, target=5, entered=True),
                    _ind("a", method="pass_fail", entered=False),
                ],
                "groups": [{"name": "子组", "weight": 1, "groups": [{"name": "孙组", "weight": 1}]}],
            },
            {"name": "空组", "weight": 1, "colour": "red"},
        ],
        "extra": 1,
    }
    problems = definition_problems(bad)
    text = "\n".join(problems)
    for expected in (
        "定义中有未知字段：extra",
        "第1组：请填写组名",
        "第1组：权重应为大于0的数",
        "第1组第1个指标「Bad Key」：代码应以小写字母开头",
        "第1组第1个指标「Bad Key」：权重应为大于0的数",
        "第1组第1个指标「Bad Key」：方向应为 higher",
        "第1组第1个指标「Bad Key」：应二选一",
        "第1组第2个指标「a」：越低越好的指标，0分值 floor 是差的一端",
        "第1组第3个指标「a」：代码 a 与第1组第2个指标「a」重复",
        "第1组第3个指标「a」：达标计分须填写 threshold",
        "第1组第3个指标「a」：应二选一",
        "第1组第1个子组「子组」：指标组最多两级",
        "第2组「空组」：未知字段 colour",
        "第2组「空组」：至少要有一个指标或子组",
    ):
        assert expected in text, expected
    assert definition_problems([]) == ['定义应为 {"groups": [...]}，且至少有一个指标组。']


def test_it_refuses_an_unknown_computed_indicator_and_a_contrary_direction() -> None:
    problems = definition_problems(
        {
            "groups": [
                {
                    "name": "g",
                    "weight": 1,
                    "indicators": [
                        _ind("a", computed="no_such", entered=None),
                        _ind("b", computed="incidence", entered=None, direction="higher"),
                    ],
                }
            ]
        }
    )
    assert any("没有计算指标 no_such" in p for p in problems)
    assert any("incidence 的方向是 lower" in p for p in problems)


# ------------------------------------------------------------------------------------------------------- scoring


def test_it_scores_linearly_between_floor_and_target_and_clips() -> None:
    assert score_linear(D(75), floor=D(50), target=D(100)) == D("50.00")
    assert score_linear(D(40), floor=D(50), target=D(100)) == D(0)
    assert score_linear(D(120), floor=D(50), target=D(100)) == D(100)
    assert score_linear(D("66.666"), floor=D(50), target=D(100)) == D("33.33")
    assert score_linear(D("66.667"), floor=D(50), target=D(100)) == D("33.33")
    assert score_linear(D("66.6675"), floor=D(50), target=D(100)) == D("33.34")  # half up


def test_lower_is_better_has_its_floor_at_the_bad_end() -> None:
    assert score_linear(D(3), floor=D(5), target=D(1)) == D(50)
    assert score_linear(D(6), floor=D(5), target=D(1)) == D(0)
    assert score_linear(D("0.5"), floor=D(5), target=D(1)) == D(100)


def test_it_ranks_among_the_contestants_with_ties_sharing_the_better_rank() -> None:
    values = {"a": D(10), "b": D(20), "c": D(20), "d": D(5), "e": None}
    assert score_rank(values, direction="higher") == {
        "b": D(100),
        "c": D(100),
        "a": D("33.33"),  # rank 3 of 4: 100 × 1/3
        "d": D(0),
        "e": D(0),  # no data: no rank
    }
    assert score_rank(values, direction="lower") == {
        "d": D(100),
        "a": D("66.67"),
        "b": D("33.33"),  # tied third of four
        "c": D("33.33"),
        "e": D(0),
    }
    assert score_rank({"a": D(1)}, direction="higher") == {"a": D(100)}


def test_it_passes_or_fails_on_the_threshold() -> None:
    assert score_pass_fail(D(90), threshold=D(90), direction="higher") == D(100)
    assert score_pass_fail(D("89.99"), threshold=D(90), direction="higher") == D(0)
    assert score_pass_fail(D(0), threshold=D(0), direction="lower") == D(100)
    assert score_pass_fail(D("0.01"), threshold=D(0), direction="lower") == D(0)
    indicator = Indicator("x", "x", D(1), "higher", "", "pass_fail", threshold=D(1))
    assert indicator_scores(indicator, {"a": D(2), "b": None}) == {"a": D(100), "b": D(0)}


def test_weights_are_normalised_within_each_group_over_two_levels() -> None:
    definition = definition_parse(
        {
            "groups": [
                {"name": "A", "weight": 3, "indicators": [_ind("a1", weight=1), _ind("a2", weight=3)]},
                {
                    "name": "B",
                    "weight": 1,
                    "indicators": [_ind("b1", weight=1)],
                    "groups": [{"name": "B2", "weight": 1, "indicators": [_ind("b2", weight=5)]}],
                },
            ]
        }
    )
    shares = {indicator.key: share for _path, indicator, share in definition.rows()}
    assert shares == {"a1": D("0.1875"), "a2": D("0.5625"), "b1": D("0.125"), "b2": D("0.125")}
    scores = {"a1": D(100), "a2": D(0), "b1": D(50), "b2": D(100)}
    # 0.1875 × 100 + 0.125 × 50 + 0.125 × 100
    assert system_score(definition, scores) == D("37.50")
    assert group_scores(definition, scores) == {"A": D(25), "B": D(75)}
    assert system_score(definition, {}) == D(0)


# ------------------------------------------------------------------------------------------------ shipped systems


@pytest.mark.django_db
def test_the_shipped_systems_are_seeded_once_and_left_alone() -> None:
    assert set(IndicatorSystem.objects.values_list("key", flat=True)) >= {"national", "hebei_township"}
    national = IndicatorSystem.objects.get(key="national")
    groups = [g["name"] for g in national.versions.get(version=1).definition["groups"]]
    assert groups == ["减贫成效", "精准识别", "精准帮扶", "扶贫资金"]
    assert "《省级党委和政府扶贫开发工作成效考核办法》" in national.versions.get().source
    SystemVersion.objects.create(system=national, version=2, definition={"groups": []}, source="x", note="x")
    assert systems_seed() == 0
    assert national.versions.count() == 2


# ----------------------------------------------------------------------------------------------------- the pages


@pytest.fixture
def province(make_user: MakeUser) -> User:
    return make_user("hebei", "province", "13")


def _copy(province: User, key: str = "hebei_township") -> IndicatorSystem:
    client = client_for(province)
    page = client.get(f"/contest/systems/new/?copy={key}")
    assert page.status_code == 200
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields}
    data["definition"] = form.fields["definition"].prepare_value(data["definition"])
    response = client.post("/contest/systems/new/", data)
    assert response.status_code == 302, response.context["form"].errors
    return IndicatorSystem.objects.get(key=data["key"])


def test_a_province_office_copies_a_shipped_system_and_saves_versions(province: User) -> None:
    system = _copy(province)
    assert (system.owner_id, system.versions.get().note) == (
        "13",
        "复制自 县级脱贫攻坚擂台赛乡镇指标（河北式） 第 1 版",
    )
    client = client_for(province)
    definition = copy.deepcopy(system.versions.get().definition)
    definition["groups"][0]["weight"] = 40
    response = client.post(
        f"/contest/systems/{system.key}/edit/",
        {
            "definition": json.dumps(definition),
            "source": "省扶贫办2019年方案",
            "note": "提高脱贫成效权重",
            "based_on": 1,
        },
    )
    assert response.status_code == 302
    assert list(system.versions.values_list("version", "note")) == [
        (2, "提高脱贫成效权重"),
        (1, "复制自 县级脱贫攻坚擂台赛乡镇指标（河北式） 第 1 版"),
    ]
    assert AuditEvent.objects.filter(action="contest.system", object_id=system.key).count() == 2
    page = client.get(f"/contest/systems/{system.key}/")
    assert [v.version for v in page.context["versions"]] == [2, 1]
    # 贫困发生率: half of 脱贫成效, which now weighs 40 of 40 + 25 + 30 + 15
    assert page.context["rows"][0]["share"] == Decimal("18.18")
    old = client.get(f"/contest/systems/{system.key}/?version=1")
    assert old.context["version"].definition["groups"][0]["weight"] == 30
    assert "历史版本" in old.content.decode()


def test_an_edit_is_validated_whole_and_a_stale_one_refused(province: User) -> None:
    system = _copy(province)
    client = client_for(province)
    bad = {"groups": [{"name": "g", "weight": 1, "indicators": [_ind("a", method="linear")]}]}
    response = client.post(
        f"/contest/systems/{system.key}/edit/",
        {"definition": json.dumps(bad), "source": "s", "note": "n", "based_on": 1},
    )
    assert response.status_code == 200
    assert any("线性计分须填写" in e for e in response.context["form"].errors["definition"])
    response = client.post(
        f"/contest/systems/{system.key}/edit/",
        {"definition": "{not json", "source": "s", "note": "n", "based_on": 1},
    )
    assert "不是有效的 JSON" in response.context["form"].errors["definition"][0]
    good = system.versions.get().definition
    client.post(
        f"/contest/systems/{system.key}/edit/",
        {"definition": json.dumps(good), "source": "s", "note": "第二版", "based_on": 1},
    )
    stale = client.post(
        f"/contest/systems/{system.key}/edit/",
        {"definition": json.dumps(good), "source": "s", "note": "过时的修改", "based_on": 1},
    )
    assert stale.status_code == 200 and "已被他人修改" in stale.content.decode()
    assert system.versions.count() == 2


def test_shipped_and_other_offices_systems_cannot_be_edited(
    province: User, own: User, inspector: User
) -> None:
    system = _copy(province)
    definition = json.dumps(system.versions.get().definition)
    post = {"definition": definition, "source": "s", "note": "n", "based_on": 1}
    assert client_for(province).get("/contest/systems/national/edit/").status_code == 404
    assert (
        client_for(own).get(f"/contest/systems/{system.key}/").status_code == 200
    )  # a county reads its province's
    assert client_for(own).post(f"/contest/systems/{system.key}/edit/", post).status_code == 404
    assert client_for(own).get("/contest/systems/new/").status_code == 404
    assert client_for(inspector).get(f"/contest/systems/{system.key}/").status_code == 200
    assert client_for(inspector).post(f"/contest/systems/{system.key}/edit/", post).status_code == 403
    assert system.versions.count() == 1


def test_another_provinces_system_is_not_found(province: User, make_user: MakeUser, tree: Any) -> None:
    from tuopin.areas.models import Area

    Area.objects.create(code="14", name="山西省", level="province")
    system = _copy(province)
    shanxi = make_user("shanxi", "province", "14")
    assert client_for(shanxi).get(f"/contest/systems/{system.key}/").status_code == 404
    assert AuditEvent.objects.filter(action="access.not_found", object_id=system.key).exists()
    listed = client_for(shanxi).get("/contest/systems/")
    assert system.key not in {s.key for s in listed.context["systems"]}


def test_the_list_and_a_system_page_take_a_bounded_number_of_queries(province: User) -> None:
    _copy(province)
    _copy(province, "national")
    client = client_for(province)
    with CaptureQueriesContext(connection) as listing:
        assert client.get("/contest/systems/").status_code == 200
    with CaptureQueriesContext(connection) as detail:
        assert client.get("/contest/systems/national/").status_code == 200
    assert len(listing) <= 12
    assert len(detail) <= 16

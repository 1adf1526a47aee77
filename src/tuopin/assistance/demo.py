"""Assistance for the demo province: the seeds' pairings and funds exactly as published, and synthetic ledgers around
them at the demo's scale. Deterministic (one seeded generator) and written in bulk where rows are many.

As published (seed 002, the environment ministry's 2017–2018 designated-help plan of 2017-11-15):
- 42 departments and directly affiliated units in 13 working groups, paired with 87 villages of 围场 (130828) and
  隆化 (130825): the 47 villages paired before (5 deep-poverty, 10 already exited) and 40 new deep-poverty villages
  from the plan's date. The seed names neither the departments nor the villages nor the split by county: the demo
  takes 42 real bodies of the ministry of 2017, 3 or 4 to a group, and real village codes (poor villages first),
  alternating the two counties; groups hold 7 or 6 villages.
- 2017 central environment funds: 围场 170 M = 30 M rural environment + 140 M ecological restoration; 隆化 110 M =
  30 M + 80 M: four projects, each allocated exactly that (the disbursements after it are demo values; 隆化's rural
  environment money is left idle).
- visit duties: ministry leaders yearly per paired county, each department's head every half year per paired
  village, the ministry's poverty office every quarter per county, from the plan's date to the end of 2018.
As published (seed 003, Langfang, 2017): the development zone, 三河, 大厂, 香河 and 固安 paired with 康保, 阳原, 沽源, 张北
and 尚义; agreements delivering 120 M of fiscal funds, 50 cooperation items, 2,000 training places, 1,000 jobs and
200 cadres exchanged in all (the per-county split is the demo's: equal shares; 康保's named agreements are the
seed's); weekly supervision; microcredit up to 50,000 yuan for up to three years.
Synthetic: a responsible cadre for every registered-poor and monitored household (a few left without one, and a
few changed in 2018, so that the coverage list and the dated graph have something to show), a task force and a first
secretary for the poor villages (a few lacking one), leaders of 围场 and 隆化, plans and measures and loans for the
demo county 灵寿 (130126) and Langfang, and 2018's visits with some duties missed.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tuopin.accounts.models import User
from tuopin.areas.codes import area_q, code_at
from tuopin.areas.models import Area, AreaYear
from tuopin.assistance.catalogue import LABOUR_GROUPS, labour_group
from tuopin.assistance.funds import (
    acceptance_record,
    add_months,
    fund_entry_record,
    fund_source_get,
    project_record,
)
from tuopin.assistance.models import (
    Duty,
    HelpingUnit,
    Loan,
    MeasureRecord,
    Pairing,
    PairingEnd,
    Plan,
    Repayment,
    Visit,
    WorkingGroup,
)
from tuopin.assistance.services import agreement_record, pairing_start, unit_create, unit_member_link
from tuopin.audit.services import audit_record
from tuopin.core.bulk import insert_rows, reserve_ids
from tuopin.registry.models import Household, Member

WEICHANG, LONGHUA = "130828", "130825"
PLAN_DATE = date(2017, 11, 15)  # 环境保护部2017-2018年定点扶贫工作计划
EARLIER = date(2016, 1, 1)  # the 47 villages' pairing began before the plan; the seed gives no date
DUTY_END = date(2018, 12, 31)
MINISTRY = "环境保护部"
DEPARTMENTS = (
    "办公厅",
    "规划财务司",
    "政策法规司",
    "行政体制与人事司",
    "科技标准司",
    "环境影响评价司",
    "环境监测司",
    "水环境管理司",
    "大气环境管理司",
    "土壤环境管理司",
    "自然生态保护司",
    "核设施安全监管司",
    "核电安全监管司",
    "辐射源安全监管司",
    "环境监察局",
    "国际合作司",
    "宣传教育司",
    "直属机关党委",
    "离退休干部局",
    "中国环境科学研究院",
    "中国环境监测总站",
    "环境规划院",
    "环境与经济政策研究中心",
    "对外合作与交流中心",
    "宣传教育中心",
    "南京环境科学研究所",
    "华南环境科学研究所",
    "核与辐射安全中心",
    "卫星环境应用中心",
    "环境工程评估中心",
    "固体废物与化学品管理技术中心",
    "中国环境报社",
    "中国环境出版社",
    "机关服务中心",
    "信息中心",
    "环境发展中心",
    "华北环境保护督查中心",
    "华东环境保护督查中心",
    "华南环境保护督查中心",
    "西北环境保护督查中心",
    "西南环境保护督查中心",
    "东北环境保护督查中心",
)
GROUP_SIZES = (4, 4, 4, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3)  # 42 departments
VILLAGE_COUNTS = (7, 7, 7, 7, 7, 7, 7, 7, 7, 6, 6, 6, 6)  # 87 villages
SEED_002_FUNDS = (  # county, project, yuan, demo disbursement share by the end of 2018
    (WEICHANG, "农村环境综合整治项目", 30_000_000, Decimal("1")),
    (WEICHANG, "山水林田湖生态保护修复试点", 140_000_000, Decimal("0.7")),
    (LONGHUA, "农村环境综合整治项目", 30_000_000, Decimal("0.3")),
    (LONGHUA, "山水林田湖生态保护修复试点", 80_000_000, Decimal("0.6")),
)
LANGFANG_PAIRS = (  # helping county (unit name, code) -> helped county (code)
    ("廊坊经济技术开发区", "131071", "130723"),  # 康保
    ("三河市", "131082", "130727"),  # 阳原
    ("大厂回族自治县", "131028", "130724"),  # 沽源
    ("香河县", "131024", "130722"),  # 张北
    ("固安县", "131022", "130725"),  # 尚义
)
LANGFANG_PAIRING = date(2017, 7, 27)  # the city's dispatch meeting on the paired help
LANGFANG_TOTALS = {
    "funds": 120_000_000,
    "projects": 50,
    "training_places": 2000,
    "jobs": 1000,
    "cadres_exchanged": 200,
}
KANGBAO_AGREEMENTS = (  # seed 003's named agreements of the development zone with 康保 (each one cooperation item)
    (
        "廊坊—新奥·康保协同创新示范园共建",
        date(2017, 8, 1),
        "廊坊开发区管委会、康保县政府和新奥集团在康保经济开发区合作共建",
    ),
    (
        "就业服务和职业培训合作协议书",
        date(2017, 8, 15),
        "两地人社部门签订；邀请康保县就业服务局参加廊坊开发区秋季公益人才招聘会",
    ),
    (
        "委托补充耕地协议",
        date(2017, 9, 1),
        "委托康保县补充耕地458.9亩，补充耕地指标款9178万元（不计入财政帮扶资金）",
    ),
    (
        "农村电商精准扶贫战略合作协议",
        date(2017, 9, 20),
        "与京东物流签订；康保老窖酒京东项目众筹发展资金12.6万元",
    ),
    ("“精准扶贫、护苗行动”", date(2017, 10, 10), "面向康保县中小学，捐助资金12.2万元，购置科普图书955本"),
)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔"
GIVEN = (
    "志刚",
    "建华",
    "海涛",
    "丽娜",
    "秀梅",
    "国栋",
    "晓明",
    "春生",
    "玉兰",
    "文杰",
    "立新",
    "红霞",
    "振华",
    "静",
    "磊",
    "敏",
    "军",
    "伟",
    "芳",
    "勇",
)
DEMO_COUNTY = "130126"
LANGFANG = "1310"


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def assistance_demo(
    *, seed: int = 2017, progress: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """Build the demo's assistance once (nothing when helping units exist); returns counts."""
    if HelpingUnit.objects.exists():
        return {}
    rng = random.Random(seed)  # noqa: S311 - synthetic data
    advance = progress or (lambda done, total: None)
    counts: dict[str, int] = {}
    steps: list[Callable[[random.Random], dict[str, int]]] = [
        _ministry,
        _langfang,
        _cadres,
        _village_posts,
        _plans_and_loans,
        _local_duties,
    ]
    for done, step in enumerate(steps, start=1):
        with transaction.atomic():
            counts |= step(rng)
        advance(done, len(steps))
    audit_record(action="assistance.demo", object_type="province", object_id="13", details=counts)
    return counts


# --------------------------------------------------------------------------------------------------- seed 002


def _paired_villages() -> list[str]:
    """87 villages of 围场 and 隆化, alternating the counties, poor villages of 2017 first."""
    poor = set(
        AreaYear.objects.filter(year=2017, poor_village=True)
        .filter(area_q("area_id", WEICHANG) | area_q("area_id", LONGHUA))
        .values_list("area_id", flat=True)
    )
    lists = []
    for county in (WEICHANG, LONGHUA):
        codes = Area.objects.filter(area_q("code", county), level="village").values_list("code", flat=True)
        lists.append(sorted(codes, key=lambda code: (code not in poor, code)))
    villages: list[str] = []
    for index in range(max(len(lists[0]), len(lists[1]))):
        villages += [codes[index] for codes in lists if index < len(codes)]
    return villages[:87]


def _ministry(rng: random.Random) -> dict[str, int]:
    villages = _paired_villages()
    if len(villages) < 87:
        return {}
    ministry = unit_create(actor=None, name=MINISTRY, kind="ministry")
    names = iter(DEPARTMENTS)
    heads: list[tuple[HelpingUnit, WorkingGroup, list[str]]] = []
    village_iter = iter(enumerate(villages))
    for number, (size, count) in enumerate(zip(GROUP_SIZES, VILLAGE_COUNTS, strict=True), start=1):
        group = WorkingGroup.objects.create(unit=ministry, name=f"第{number}扶贫工作小组", number=number)
        units = [
            unit_create(actor=None, name=next(names), kind="department", parent=ministry, group=group)
            for _ in range(size)
        ]
        mine = [next(village_iter) for _ in range(count)]
        for position, (index, village) in enumerate(mine):
            unit = units[position % size]
            new = index >= 47
            reason = (
                "2017-2018年定点扶贫工作计划新增结对深度贫困村"
                if new
                else "原有结对贫困村"
                + ("（深度贫困村）" if index < 5 else "（已脱贫出列）" if index < 15 else "")
            )
            pairing_start(
                actor=None,
                kind="unit_village",
                area_code=village,
                unit=unit,
                group=group,
                valid_from=PLAN_DATE if new else EARLIER,
                reason=reason,
            )
            heads.append((unit, group, [village]))
    _ministry_projects(rng, ministry)
    _ministry_duties(rng, heads)
    unit_user = User.objects.filter(username="unit", role="unit").first()
    if unit_user is not None:
        unit_member_link(actor=None, user=unit_user, unit=HelpingUnit.objects.get(name=DEPARTMENTS[0]))
    return {"ministry_pairings": 87, "departments": len(DEPARTMENTS), "groups": len(GROUP_SIZES)}


def _ministry_projects(rng: random.Random, ministry: HelpingUnit) -> None:
    central = fund_source_get(name="中央财政环保专项资金", level="central")
    for county, name, amount, share in SEED_002_FUNDS:
        project = project_record(
            actor=None,
            year=2017,
            area_code=county,
            unit=ministry,
            name=name,
            funds=Decimal(amount),
            content=name,
            implementer="县环境保护局",
            beneficiaries="全县贫困村",
            expected_effect="改善农村人居环境和生态",
        )
        fund_entry_record(
            actor=None,
            project=project,
            source=central,
            kind="allocation",
            on=date(2017, 6, 30),
            amount=Decimal(amount),
            note="2017年中央财政环保专项资金",
        )
        if share:
            fund_entry_record(
                actor=None,
                project=project,
                source=central,
                kind="disbursement",
                on=date(2018, 9, 30),
                amount=(Decimal(amount) * share).quantize(Decimal("0.01")),
                note="演示值",
            )
    own = fund_source_get(name="部机关和直属单位自筹", level="unit")
    for group in WorkingGroup.objects.filter(unit=ministry).order_by("number"):
        unit = group.units.order_by("id").first()
        pairing = Pairing.objects.filter(group=group).order_by("id").first()
        if unit is None or pairing is None:
            continue
        for year in (2017, 2018):
            kind = rng.choice(
                ["有机蔬菜大棚", "村级光伏电站", "垃圾收集转运设施", "电商服务站", "生态旅游步道"]
            )
            funds = Decimal(rng.randrange(10, 60) * 10_000)
            project = project_record(
                actor=None,
                year=year,
                area_code=pairing.area_id,
                unit=unit,
                name=f"{pairing.area.name}{kind}",
                funds=funds,
                content=f"建设{kind}",
                implementer="村集体经济合作社",
                beneficiaries=f"建档立卡贫困户{rng.randint(8, 40)}户",
                expected_effect=f"户均年增收{rng.randrange(10, 40) * 100}元",
            )
            fund_entry_record(
                actor=None, project=project, source=own, kind="allocation", on=date(year, 4, 1), amount=funds
            )
            if year == 2017 or rng.random() < 0.6:
                fund_entry_record(
                    actor=None,
                    project=project,
                    source=own,
                    kind="disbursement",
                    on=date(year, 10, 15),
                    amount=funds * Decimal(rng.choice(["1", "0.8", "0.4"])),
                )
            if year == 2017:
                rejected = rng.random() < 0.15
                acceptance_record(
                    actor=None,
                    project=project,
                    year=year,
                    result="rejected" if rejected else "accepted",
                    on=date(2017, 12, 28),
                    notes="资金支出进度慢，项目未完工" if rejected else "",
                )


def _visits_of(
    rng: random.Random,
    who: str,
    role: str,
    unit: str,
    target: tuple[str, str],
    area: str,
    days: list[date],
    purpose: str,
) -> list[dict[str, Any]]:
    return [
        {
            "who": who,
            "role": role,
            "unit_name": unit,
            "on": day,
            "target_type": target[0],
            "target_code": target[1],
            "area_id": area,
            "purpose": purpose,
            "findings": "",
            "actor": "demo",
        }
        for day in days
    ]


def _ministry_duties(rng: random.Random, heads: list[tuple[HelpingUnit, WorkingGroup, list[str]]]) -> None:
    duties: list[dict[str, Any]] = []
    visits: list[dict[str, Any]] = []
    common = {"valid_from": PLAN_DATE, "valid_to": DUTY_END, "per_period": 1, "actor": "demo"}
    for county in (WEICHANG, LONGHUA):
        duties.append(
            {
                "who": "部领导",
                "role": "部领导",
                "unit_name": MINISTRY,
                "target_type": "county",
                "target_code": county,
                "area_id": county,
                "frequency": "year",
                **common,
            }
        )
        duties.append(
            {
                "who": "部扶贫办",
                "role": "部扶贫办",
                "unit_name": MINISTRY,
                "target_type": "county",
                "target_code": county,
                "area_id": county,
                "frequency": "quarter",
                **common,
            }
        )
        visits += _visits_of(
            rng,
            "部领导",
            "部领导",
            MINISTRY,
            ("county", county),
            county,
            [date(2018, 5, 17)],
            "调研考察定点扶贫工作",
        )
        quarters = [date(2018, 3, 20), date(2018, 6, 12), date(2018, 9, 18), date(2018, 12, 11)]
        if county == LONGHUA:
            quarters.pop(2)  # the poverty office missed 隆化 in 2018Q3
        visits += _visits_of(
            rng,
            "部扶贫办",
            "部扶贫办",
            MINISTRY,
            ("county", county),
            county,
            quarters,
            "检查精准识别、精准帮扶、资金使用",
        )
    for unit, _group, villages in heads:
        who = f"{unit.name}主要负责同志"
        for village in villages:
            duties.append(
                {
                    "who": who,
                    "role": "扶贫第一责任人",
                    "unit_id": unit.pk,
                    "unit_name": unit.name,
                    "target_type": "village",
                    "target_code": village,
                    "area_id": village,
                    "frequency": "half",
                    **common,
                }
            )
            days = [
                date(2018, rng.randint(3, 6), rng.randint(1, 28)),
                date(2018, rng.randint(8, 11), rng.randint(1, 28)),
            ]
            days = [day for day in days if rng.random() > 0.12]  # about one half-year in eight is missed
            visit_rows = _visits_of(
                rng, who, "扶贫第一责任人", unit.name, ("village", village), village, days, "推动帮扶措施落实"
            )
            visits += [{**row, "unit_id": unit.pk} for row in visit_rows]
    units = {u.name: u.pk for u in HelpingUnit.objects.filter(name=MINISTRY)}
    for row in duties + visits:
        row.setdefault("unit_id", units.get(row["unit_name"]))
    insert_rows(Duty, duties)
    insert_rows(Visit, visits)


# --------------------------------------------------------------------------------------------------- seed 003


def _langfang(rng: random.Random) -> dict[str, int]:
    codes = [code for pair in LANGFANG_PAIRS for code in pair[1:]]
    if Area.objects.filter(code__in=codes).count() < len(codes):
        return {}
    share = {key: value // len(LANGFANG_PAIRS) for key, value in LANGFANG_TOTALS.items()}
    duties: list[dict[str, Any]] = []
    visits: list[dict[str, Any]] = []
    for index, (name, helper, helped) in enumerate(LANGFANG_PAIRS):
        unit = unit_create(actor=None, name=name, kind="county", area_code=helper)
        pairing = pairing_start(
            actor=None,
            kind="county_county",
            area_code=helped,
            helper_area_code=helper,
            unit=unit,
            valid_from=LANGFANG_PAIRING,
            reason="按照全省统一部署对口帮扶深度贫困县",
        )
        named = KANGBAO_AGREEMENTS if index == 0 else ()
        for title, signed, note in named:
            agreement_record(
                actor=None,
                pairing=pairing,
                title=title,
                signed_on=signed,
                funds=Decimal(0),
                projects=1,
                note=note,
            )
        agreement_record(
            actor=None,
            pairing=pairing,
            title="2017年度对口帮扶资金和合作成效",
            signed_on=date(2017, 12, 31),
            funds=Decimal(share["funds"]),
            training_places=share["training_places"],
            jobs=share["jobs"],
            cadres_exchanged=share["cadres_exchanged"],
            projects=share["projects"] - len(named),
            note="财政帮扶资金、合作意向、委培名额、就业岗位、互派干部（全市合计按seed 003，分县为演示均分）",
        )
        who = f"{name}扶贫督导组"
        duties.append(
            {
                "who": who,
                "role": "督导组",
                "unit_id": unit.pk,
                "unit_name": name,
                "target_type": "county",
                "target_code": helper,
                "area_id": helper,
                "frequency": "week",
                "per_period": 1,
                "valid_from": date(2018, 1, 1),
                "valid_to": DUTY_END,
                "actor": "demo",
            }
        )
        week = date(2018, 1, 3)
        while week <= DUTY_END:
            if rng.random() > 0.08:
                visits += [
                    {**row, "unit_id": unit.pk}
                    for row in _visits_of(
                        rng, who, "督导组", name, ("county", helper), helper, [week], "每周督导"
                    )
                ]
            week += timedelta(days=7)
    insert_rows(Duty, duties)
    insert_rows(Visit, visits)
    return {"county_pairings": len(LANGFANG_PAIRS), "weekly_visits": len(visits)}


# ---------------------------------------------------------------------------------------------- synthetic


def _pairing_rows(
    rng: random.Random,
    kind: str,
    targets: Sequence[tuple[str, int | None, date]],
    role: str,
    reason: str,
    *,
    per_helper: int = 5,
    changed: float = 0.0,
) -> tuple[int, int]:
    """Pairings of `kind` for (area, household, from) targets, a helper per `per_helper` targets of one township;
    a share `changed` ends on 2018-02-28 and is succeeded by another helper. Returns (pairings, ends)."""
    changes = [t for t in targets if t[2] < date(2018, 1, 1) and rng.random() < changed]
    ids = reserve_ids(Pairing, len(targets) + len(changes))
    rows, ends, index = [], [], {}
    helper, township, served = "", "", 0
    for pk, (area, household, start) in zip(ids, targets, strict=False):
        if code_at(area, "township") != township or served >= per_helper:
            helper, township, served = _person(rng), code_at(area, "township"), 0
        served += 1
        rows.append(
            {
                "id": pk,
                "kind": kind,
                "helper_name": helper,
                "helper_role": role,
                "area_id": area,
                "household_id": household,
                "valid_from": start,
                "reason": reason,
                "actor": "demo",
            }
        )
        index[(area, household)] = pk
    for pk, (area, household, _start) in zip(ids[len(targets) :], changes, strict=True):
        old = index[(area, household)]
        ends.append(
            {"pairing_id": old, "valid_to": date(2018, 2, 28), "reason": "原帮扶人工作调动", "actor": "demo"}
        )
        rows.append(
            {
                "id": pk,
                "kind": kind,
                "helper_name": _person(rng),
                "helper_role": role,
                "area_id": area,
                "household_id": household,
                "valid_from": date(2018, 3, 1),
                "reason": "原帮扶人工作调动",
                "supersedes_id": old,
                "actor": "demo",
            }
        )
    insert_rows(Pairing, rows, pk=True)
    insert_rows(PairingEnd, ends)
    return len(rows), len(ends)


def _cadres(rng: random.Random) -> dict[str, int]:
    """A responsible cadre for every registered-poor and monitored household (one in a hundred left without)."""
    households = (
        Household.objects.filter(merged_into__isnull=True)
        .filter(Q(population_type="registered") | Q(population_type="monitored"))
        .order_by("village_id", "number")
        .values_list("pk", "village_id", "identification_year")
    )
    targets = [
        (village, pk, date(year or 2021, 12, 1) if year and year <= 2020 else date(2021, 6, 1))
        for pk, village, year in households.iterator(chunk_size=5000)
        if rng.random() >= 0.01
    ]
    made, changed = _pairing_rows(rng, "cadre_household", targets, "帮扶责任人", "结对帮扶到户", changed=0.02)
    return {"cadre_pairings": made, "cadre_changes": changed}


def _village_posts(rng: random.Random) -> dict[str, int]:
    """Task forces and first secretaries in the poor villages; leaders of 围场 and 隆化 (seed 004: province leaders
    for counties, city leaders for townships, county leaders for villages)."""
    poor = sorted(AreaYear.objects.filter(year=2017, poor_village=True).values_list("area_id", flat=True))
    start = date(2015, 10, 1)
    made = 0
    for kind, role, missing in (("task_force", "驻村工作队长", 0.01), ("first_secretary", "第一书记", 0.02)):
        targets = [(code, None, start) for code in poor if rng.random() >= missing]
        made += _pairing_rows(rng, kind, targets, role, "选派驻村", per_helper=1, changed=0.05)[0]
    counties = [
        (code, None, date(2018, 1, 1))
        for code in sorted(
            AreaYear.objects.filter(year=2017, poor_county=True).values_list("area_id", flat=True)
        )
    ]
    made += _pairing_rows(rng, "leader_county", counties, "省领导", "省领导包县", per_helper=2)[0]
    local = Area.objects.filter(area_q("code", WEICHANG) | area_q("code", LONGHUA))
    townships = [
        (code, None, date(2018, 1, 1))
        for code in local.filter(level="township").values_list("code", flat=True)
    ]
    made += _pairing_rows(rng, "leader_township", sorted(townships), "市领导", "市领导包乡", per_helper=3)[0]
    villages = [
        (code, None, date(2018, 1, 1)) for code in poor if code_at(code, "county") in (WEICHANG, LONGHUA)
    ]
    made += _pairing_rows(rng, "leader_village", villages, "县领导", "县领导包村", per_helper=4)[0]
    return {"village_and_leader_pairings": made}


def _plans_and_loans(rng: random.Random) -> dict[str, int]:
    """Plans, measures and microcredit for the registered households of 灵寿 and Langfang."""
    households = list(
        Household.objects.filter(
            area_q("village_id", DEMO_COUNTY) | area_q("village_id", LANGFANG),
            population_type="registered",
            merged_into__isnull=True,
        )
        .order_by("village_id", "number")
        .values_list("pk", "village_id", "main_cause")
    )
    labour: dict[int, list[str]] = {}
    for household, value in Member.objects.filter(
        household_id__in=[h[0] for h in households], left_on__isnull=True
    ).values_list("household_id", "labour"):
        labour.setdefault(household, []).append(value)
    plans: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    loans: list[dict[str, Any]] = []
    repayments: list[dict[str, Any]] = []
    plan_ids = reserve_ids(Plan, len(households))
    for plan_id, (household, village, cause) in zip(plan_ids, households, strict=True):
        group = labour_group(labour.get(household, []))
        suited = list(LABOUR_GROUPS[group][1])
        chosen = rng.sample(suited, k=min(len(suited), rng.randint(1, 3)))
        if cause == "illness":
            chosen = ["medical", *[c for c in chosen if c != "medical"]]
        responsible = _person(rng)
        plans.append(
            {
                "id": plan_id,
                "household_id": household,
                "area_id": village,
                "year": 2018,
                "labour_group": group,
                "path": PATHS[group],
                "measures": chosen,
                "responsible": responsible,
                "actor": "demo",
            }
        )
        for code in chosen[: rng.randint(1, len(chosen))]:
            amount = (
                Decimal(rng.randrange(5, 60) * 100) if code not in ("employment", "public_post") else None
            )
            records.append(
                {
                    "household_id": household,
                    "area_id": village,
                    "plan_id": plan_id,
                    "type": code,
                    "on": date(2018, rng.randint(1, 12), rng.randint(1, 28)),
                    "amount": amount,
                    "provider": "乡镇扶贫工作站",
                    "evidence": "入户照片、签字确认单",
                    "actor": "demo",
                }
            )
        if group == "with_labour" and rng.random() < 0.12:
            amount = Decimal(rng.choice([20_000, 30_000, 50_000]))
            issued = date(2016 + rng.randint(0, 2), rng.randint(1, 12), rng.randint(1, 28))
            term = rng.choice([12, 24, 36])
            loans.append(
                {
                    "id": None,
                    "household_id": household,
                    "area_id": village,
                    "borrower": "户主",
                    "lender": rng.choice(["农村信用社", "邮储银行", "农业银行"]),
                    "amount": amount,
                    "term_months": term,
                    "issued_on": issued,
                    "purpose": "发展养殖业",
                    "actor": "demo",
                }
            )
    for pk, loan in zip(reserve_ids(Loan, len(loans)), loans, strict=True):
        loan["id"] = pk
        due = add_months(loan["issued_on"], loan["term_months"])
        fate = rng.random()
        if fate < 0.75:  # repaid on time
            repayments.append(
                {
                    "loan_id": pk,
                    "on": due - timedelta(days=rng.randint(0, 30)),
                    "principal": loan["amount"],
                    "actor": "demo",
                }
            )
        elif fate < 0.9:  # partly repaid, the rest overdue
            repayments.append(
                {
                    "loan_id": pk,
                    "on": due - timedelta(days=40),
                    "principal": loan["amount"] / 2,
                    "actor": "demo",
                }
            )
    insert_rows(Plan, plans, pk=True)
    insert_rows(MeasureRecord, records)
    insert_rows(Loan, loans, pk=True)
    insert_rows(Repayment, repayments)
    return {"plans": len(plans), "measures": len(records), "loans": len(loans)}


PATHS = {
    "with_labour": "发展产业、就业务工，增加生产经营性和工资性收入",
    "weak_labour": "资产收益、土地流转和公益岗位，增加财产性收入",
    "no_labour": "低保、特困供养、医疗救助兜底，增加转移性收入",
}


def _local_duties(rng: random.Random) -> dict[str, int]:
    """灵寿's cadres visit their households monthly from 2018 to this day (the duty is still open: after exit the
    cadre keeps watch over the household), missing about one month in ten, so that the county's compliance page has
    something to judge in 2018 (seed era) and in its default period, the last full quarter."""
    cadres = list(
        Pairing.objects.filter(area_q("area_id", DEMO_COUNTY), kind="cadre_household", successor__isnull=True)
        .select_related("household")
        .order_by("area_id", "id")[:60]
    )
    today = timezone.localdate()
    months = [
        (year, month)
        for year in range(2018, today.year + 1)
        for month in range(1, 13)
        if date(year, month, 1) <= today
    ]
    duties, visits = [], []
    for pairing in cadres:
        if pairing.household is None:
            continue
        number = pairing.household.number
        duties.append(
            {
                "who": pairing.helper_name,
                "role": "帮扶责任人",
                "unit_name": "",
                "target_type": "household",
                "target_code": number,
                "area_id": pairing.area_id,
                "frequency": "month",
                "per_period": 1,
                "valid_from": date(2018, 1, 1),
                "valid_to": None,
                "actor": "demo",
            }
        )
        days = [date(year, month, rng.randint(1, 28)) for year, month in months if rng.random() > 0.1]
        visits += _visits_of(
            rng,
            pairing.helper_name,
            "帮扶责任人",
            "",
            ("household", number),
            pairing.area_id,
            [day for day in days if day <= today],
            "入户走访，宣讲政策，了解收入",
        )
    insert_rows(Duty, duties)
    insert_rows(Visit, visits)
    return {"duties": Duty.objects.count(), "visits": Visit.objects.count()}

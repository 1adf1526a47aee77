"""Supervision for the demo, written through the services: the national assessment's 2019 feedback on the six
problems of seed 001 as rectification items across the demo province (most closed item by item, some still
overdue), this year's self-checks and audits in every state, one 八看八查 round in 灵寿县 (130126) by the county with
its findings (problems became items), the 2020 listed-supervision list of seed 004 with a per-person ledger, and a
handful of questions and answers. Seeded, so two runs build the same ledger (dates of this year's items follow
today)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db.models.functions import Substr
from django.utils import timezone

from tuopin.accounts.models import User
from tuopin.areas.codes import LENGTH_OF_LEVEL, code_at
from tuopin.areas.models import Area
from tuopin.registry.models import Household
from tuopin.supervision.models import Category, Checklist, EntryKind, Item, ListedPerson, Source, Status
from tuopin.supervision.services import (
    ItemData,
    Rectify,
    RoundData,
    answer_publish,
    finding_record,
    item_act,
    item_create,
    listed_entry_add,
    listing_add_area,
    listing_create,
    question_ask,
    round_create,
)

PATH: dict[str, tuple[str, ...]] = {
    Status.OPEN: (),
    Status.RECTIFYING: ("start",),
    Status.SUBMITTED: ("start", "submit"),
    Status.VERIFIED: ("start", "submit", "verify"),
    Status.CLOSED: ("start", "submit", "verify", "close"),
}
PROBLEMS = {
    Category.IDLE_FUNDS: ("扶贫资金结转超过一年未使用", "清理结转资金，三个月内拨付到项目"),
    Category.HOUSING: ("农村危房鉴定程序不规范，鉴定报告缺少鉴定人签字", "组织重新鉴定，补齐鉴定报告"),
    Category.HEALTH: (
        "贫困人口住院“一站式”结算未落实，先诊疗后付费执行不到位",
        "联通医保结算系统，逐户核对报销",
    ),
    Category.RELOCATION_JOBS: ("易地扶贫搬迁安置区劳动力就业不充分", "开发扶贫车间和公益岗位，组织劳务输出"),
    Category.BENEFIT_LINKAGE: (
        "扶贫产业项目与贫困户利益联结机制不健全",
        "完善分红协议，明确带贫人数和收益分配",
    ),
    Category.SATISFACTION: ("部分群众对帮扶工作满意度不高", "开展入户走访，逐户解决反映的问题"),
    Category.OTHER: ("建档立卡信息与实际不符", "逐户核实，动态调整"),
}
QUESTIONS = (
    (
        "易地扶贫搬迁户在迁入地还能享受产业奖补吗？",
        "可以。搬迁户按迁入地政策享受产业奖补，迁出地不再重复享受。",
        "河北省扶贫办",
        "13",
    ),
    (
        "光伏扶贫电站收益怎么分配？",
        "收益归村集体，主要用于公益岗位和小型公益事业，不得简单平均分配。",
        "灵寿县扶贫办",
        "130126",
    ),
    (
        "危房鉴定由谁出具报告？",
        "由县住建部门组织有资质的人员鉴定并签字，乡镇负责组织申报。",
        "灵寿县扶贫办",
        "130126",
    ),
    (
        "监测对象的收入怎么核算？",
        "按家庭纯收入核算，扣除生产经营支出；转移性收入如实计入。",
        "河北省扶贫办",
        "13",
    ),
    (
        "驻村工作队员休假期间走访怎么记录？",
        "由第一书记安排其他队员补足走访并如实记录，不得代签。",
        "灵寿县扶贫办",
        "130126",
    ),
)


def _users() -> dict[str, User]:
    return {
        u.username: u for u in User.objects.filter(username__in=["province", "county", "township", "village"])
    }


def supervision_demo(*, scale: float, seed: int = 2019) -> dict[str, int]:
    """Build the demo's supervision once (nothing when the national assessment's items exist); returns counts."""
    if Item.objects.filter(number__startswith="GK2019-").exists():
        return {}
    rng = random.Random(seed)  # noqa: S311 - synthetic data
    users = _users()
    counties = sorted(
        Household.objects.annotate(county=Substr("village_id", 1, LENGTH_OF_LEVEL["county"]))
        .values_list("county", flat=True)
        .distinct()
    )
    counts = {"items": _national(rng, counties, scale) + _this_year(rng, counties, scale)}
    counts["findings"] = _inspection(users)
    counts["listed"] = _listed(rng, users)
    counts["questions"] = _questions(users)
    return counts


def _area(rng: random.Random, county: str) -> str:
    """The county itself or one of its townships."""
    townships = list(Area.objects.filter(parent_id=county).values_list("code", flat=True)[:20])
    return county if not townships or rng.random() < 0.4 else rng.choice(townships)


def _data(rng: random.Random, number: str, source: str, area: str, found: date, days: int) -> ItemData:
    category = rng.choice(list(PROBLEMS))
    description, measures = PROBLEMS[Category(category)]
    name = Area.objects.filter(code=area).values_list("name", flat=True).first() or area
    return ItemData(
        number=number,
        source=source,
        category=category,
        area_code=area,
        description=description,
        unit=f"{name}人民政府",
        person=rng.choice(["张建华", "李志强", "王丽娟", "赵国庆", "刘海燕"]),
        found_on=found,
        deadline=found + timedelta(days=days),
        measures=measures,
    )


def _walk(item: Item, status: str, start: date, today: date) -> None:
    for step, action in enumerate(PATH[status], start=1):
        item_act(actor=None, item=item, action=action, on=min(start + timedelta(days=20 * step), today))


def _national(rng: random.Random, counties: list[str], scale: float) -> int:
    """The 2019 national assessment's feedback: every problem to close within six months; most were closed."""
    today = timezone.localdate()
    total = max(30, round(3000 * scale))
    for n in range(total):
        county = counties[n % len(counties)]
        found = date(2019, 3, 1) + timedelta(days=rng.randrange(60))
        source = Source.NATIONAL if n % 3 else Source.PROVINCIAL
        item = item_create(
            actor=None,
            data=_data(rng, f"GK2019-{county}-{n:04d}", source, _area(rng, county), found, 180),
            on=found,
        )
        roll = rng.random()
        status = Status.CLOSED if roll < 0.85 else Status.SUBMITTED if roll < 0.92 else Status.RECTIFYING
        _walk(item, status, found, today)
    return total


def _this_year(rng: random.Random, counties: list[str], scale: float) -> int:
    """This year's self-checks, inspections and audits, in every state; a few past their deadline."""
    today = timezone.localdate()
    total = max(20, round(1000 * scale))
    sources = [Source.SELF, Source.INSPECTION, Source.AUDIT, Source.PATROL]
    for n in range(total):
        county = counties[(n * 7) % len(counties)]
        found = today - timedelta(days=rng.randrange(20, 150))
        days = rng.choice([30, 60, 90])
        item = item_create(
            actor=None,
            data=_data(
                rng, f"ZG{today.year}-{county}-{n:04d}", sources[n % 4], _area(rng, county), found, days
            ),
            on=found,
        )
        _walk(item, rng.choice(list(PATH)), found, today)
    return total


def _inspection(users: dict[str, User]) -> int:
    """The county's 八看八查 round over 灵寿县: each item checked in the demo's villages, three problems found."""
    county, township = users.get("county"), users.get("township")
    village = users.get("village")
    if county is None or township is None or village is None:
        return 0
    villages = list(
        Area.objects.filter(parent_id=township.area_links.values_list("area_id", flat=True)[0])
        .order_by("code")
        .values_list("code", flat=True)[:2]
    )
    checklist = Checklist.objects.get(code="baikan-bacha")
    today = timezone.localdate()
    inspection = round_create(
        actor=county,
        data=RoundData(
            f"{today.year}年灵寿县脱贫攻坚成果“八看八查”督查",
            "inspection",
            "县委督查室第一督查组",
            "张文军、李红梅、王志刚",
            "130126",
            checklist.pk,
            today - timedelta(days=40),
            today - timedelta(days=33),
        ),
    )
    problems = {
        5: "国考反馈问题整改台账未逐项对账销号",
        3: "行业部门帮扶政策落实情况未建立台账",
        8: "定点帮扶单位年度帮扶项目未按期开工",
    }
    findings = 0
    for entry in checklist.items.order_by("position"):
        for code in villages:
            note = problems.get(entry.position, "") if code == villages[0] else ""
            rectify = (
                Rectify(Category.OTHER, "灵寿镇人民政府", "赵六", today + timedelta(days=20))
                if note
                else None
            )
            finding_record(
                actor=county,
                round=inspection,
                checklist_item=entry,
                area_code=code,
                result="problem" if note else "ok",
                note=note,
                rectify=rectify,
            )
            findings += 1
    items = list(Item.objects.filter(finding__round=inspection).order_by("number"))
    for action, who in (("start", township), ("submit", township), ("verify", county), ("close", county)):
        item_act(actor=who, item=items[0], action=action, note="已建立整改台账" if action == "submit" else "")
    item_act(actor=township, item=items[1], action="start", note="已部署")
    return findings


def _listed(rng: random.Random, users: dict[str, User]) -> int:
    """Seed 004: the 2020 list, with the villages that still had poor people; each person cleared in 2020."""
    province = users.get("province")
    villages = sorted(
        Household.objects.filter(population_type="registered", exit_year=2020)
        .values_list("village_id", flat=True)
        .distinct()[:400]
    )
    if province is None or not villages:
        return 0
    chosen = sorted(rng.sample(villages, min(6, len(villages))))
    listing = listing_create(actor=province, name="2020年脱贫攻坚挂牌督战名单", year=2020, area_code="13")
    for county in sorted({code_at(code, "county") for code in chosen}):
        listing_add_area(actor=province, listing=listing, area_code=county, leader="省领导包县")
    for code in chosen:
        listing_add_area(actor=province, listing=listing, area_code=code, leader="县领导包村")
    measures = [
        "落实公益岗位，月收入 800 元",
        "发展庭院经济，补助 2000 元",
        "纳入低保兜底",
        "安排扶贫车间就业",
        "落实光伏收益分配",
    ]
    persons = list(ListedPerson.objects.filter(listed__listing=listing).order_by("id"))
    for n, person in enumerate(persons):
        listed_entry_add(
            actor=None, person=person, kind=EntryKind.MEASURE, text=rng.choice(measures), on=date(2020, 3, 20)
        )
        if n % 9:  # a few still open, as the list stood before its last check
            listed_entry_add(
                actor=None,
                person=person,
                kind=EntryKind.CLEARED,
                text="两不愁三保障达标，收入稳定",
                on=date(2020, 10, 1) + timedelta(days=rng.randrange(40)),
            )
    return len(persons)


def _questions(users: dict[str, User]) -> int:
    village = users.get("village")
    if village is None:
        return 0
    code = village.area_links.values_list("area_id", flat=True)[0]
    for n, (text, answer, office, published) in enumerate(QUESTIONS):
        question = question_ask(actor=village, area_code=code, text=text)
        if n < 4:
            who = users["province"] if published == "13" else users["county"]
            answer_publish(actor=who, question=question, text=answer, office=office, area_codes=[published])
    return len(QUESTIONS)

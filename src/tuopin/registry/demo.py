"""A seeded, believable registry for the demo: households registered in 2014 that exit year by year on Hebei's
published path (POLICY.md §7), with members, conditions, causes and yearly incomes.

Written through bulk paths (one INSERT per batch, never one ORM object at a time) so that larger scales stay fast.
The full-province generator calibrated to the seeds' figures (Langfang's 2,327 households) builds on this.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from tuopin.areas.models import Area
from tuopin.audit.services import audit_record
from tuopin.core.crypto import blind_index, encrypt
from tuopin.registry.idnumbers import make_id, mask_id, mask_phone
from tuopin.registry.models import Change, Household, Income, Member

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN_MALE = [
    "建国",
    "建军",
    "国强",
    "志强",
    "永刚",
    "海军",
    "振华",
    "立新",
    "卫东",
    "文明",
    "保国",
    "春生",
    "玉林",
    "长林",
    "福生",
    "宝山",
    "树林",
    "金山",
    "德胜",
    "小明",
    "子豪",
    "浩然",
    "宇航",
    "俊杰",
]
GIVEN_FEMALE = [
    "秀英",
    "桂英",
    "秀兰",
    "玉兰",
    "桂兰",
    "秀珍",
    "凤英",
    "玉珍",
    "淑珍",
    "丽娟",
    "秀云",
    "桂芳",
    "春梅",
    "海燕",
    "小红",
    "欣怡",
    "梓涵",
    "雨萱",
    "思琪",
    "佳怡",
]
# Share of registered households exiting in each year (Hebei: 9.84% incidence in 2014, 0.78% in 2018, all by 2020).
EXIT_YEARS = {2015: 0.24, 2016: 0.26, 2017: 0.25, 2018: 0.17, 2019: 0.07, 2020: 0.01}
CAUSES = {"illness": 0.42, "disability": 0.16, "labour": 0.12, "schooling": 0.07, "skills": 0.07, "funds": 0.06,
          "disaster": 0.03, "land": 0.02, "water": 0.01, "transport": 0.01, "motivation": 0.02, "other": 0.01}  # fmt: skip
CATEGORIES = {"general": 0.77, "dibao": 0.21, "tekun": 0.02}
DEMO_REASON = "演示数据：2014年建档立卡"


@dataclass(frozen=True)
class DemoResult:
    households: int
    members: int
    incomes: int


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _name(rng: random.Random, surname: str, female: bool) -> str:
    return surname + rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)


@transaction.atomic
def registry_demo(*, county_codes: list[str], per_village: int, seed: int = 2014) -> DemoResult:
    """Build the demo households of some counties; does nothing for a county that already has households."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    villages = [code for county in county_codes
                if not Household.objects.filter(village__code__startswith=county).exists()
                for code in Area.objects.filter(code__startswith=county, level="village").order_by("code")
                .values_list("code", flat=True)]  # fmt: skip
    used = set(Member.objects.values_list("id_index", flat=True))
    households: list[Household] = []
    people: list[list[dict[str, Any]]] = []
    for household, group in synthetic_households(rng, villages, per_village, used):
        households.append(household)
        people.append(group)
    # SQLite >= 3.35 and PostgreSQL return the new keys, so the objects link up without being read back.
    Household.objects.bulk_create(households, batch_size=1000)
    members = [_member(h, person) for h, group in zip(households, people, strict=True) for person in group]
    Member.objects.bulk_create(members, batch_size=2000)
    heads = {m.household_id: m.pk for m in members if m.relation == "head"}
    for household in households:
        household.head_id = heads[household.pk]
    Household.objects.bulk_update(households, ["head"], batch_size=1000)
    incomes = [i for h, group in zip(households, people, strict=True) for i in _incomes(rng, h, len(group))]
    Income.objects.bulk_create(incomes, batch_size=2000)
    now = datetime.now(UTC)
    Change.objects.bulk_create(
        (Change(household=h, at=now, actor="system", action="register", object_type="household", object_id=h.pk,
                object_label=h.number, fields={}, reason=DEMO_REASON) for h in households), batch_size=2000
    )  # fmt: skip
    result = DemoResult(len(households), len(members), len(incomes))
    if households:
        audit_record(action="registry.demo", object_type="county", object_id=",".join(county_codes)[:64],
                     details={"households": result.households, "members": result.members})  # fmt: skip
    return result


def _member(household: Household, person: dict[str, Any]) -> Member:
    fields = {k: v for k, v in person.items() if k != "id_number"}
    number = person["id_number"]
    return Member(household=household, id_encrypted=encrypt(number), id_masked=mask_id(number), **fields)


def synthetic_households(rng: random.Random, villages: list[str], per_village: int,
                         used: set[str]) -> Iterator[tuple[Household, list[dict[str, Any]]]]:  # fmt: skip
    """Unsaved households with their members' facts (plain ID numbers): the demo saves them, the benchmark
    writes them into a workbook."""
    for village in villages:
        for serial in range(1, per_village + 1):
            yield _household(rng, village, serial, used)


def _household(
    rng: random.Random, village: str, serial: int, used: set[str]
) -> tuple[Household, list[dict[str, Any]]]:
    exit_year = int(_pick(rng, {str(y): w for y, w in EXIT_YEARS.items()}))
    causes = rng.sample([c for c in CAUSES if c != "other"], k=2)
    household = Household(
        number=f"{village}{serial:03d}", village_id=village, category=_pick(rng, CATEGORIES), standard="national",
        main_cause=_pick(rng, CAUSES), other_cause_1=causes[0] if rng.random() < 0.4 else "",
        other_cause_2=causes[1] if rng.random() < 0.1 else "", population_type="registered",
        identification_year=2014, status="exited" if exit_year <= 2016 and rng.random() < 0.3 else "exited_policy",
        exit_year=exit_year, housing_safety=rng.choice("AAABBB"), relocated=rng.random() < 0.05, water_safe=True,
        electricity=True, road=rng.random() < 0.95,
    )  # fmt: skip
    phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
    household.phone_encrypted, household.phone_masked = encrypt(phone), mask_phone(phone)
    return household, _members(rng, village[:6], household.main_cause, used)


def _members(rng: random.Random, county: str, cause: str, used: set[str]) -> list[dict[str, Any]]:
    surname = rng.choice(SURNAMES)
    head_year = rng.randint(1940, 1985)
    plan = [("head", head_year, rng.random() < 0.2)]
    if rng.random() < 0.8:
        plan.append(("spouse", head_year + rng.randint(-3, 3), not plan[0][2]))
    for _child in range(rng.choice([0, 1, 1, 2, 2, 3]) if head_year > 1955 else 0):
        plan.append((rng.choice(["son", "daughter"]), min(head_year + rng.randint(20, 35), 2019), False))
    members = []
    for relation, year, female in plan:
        female = female or relation == "daughter"
        birth = date(year, rng.randint(1, 12), rng.randint(1, 28))
        number, index = _unique_id(rng, county, birth, female, used)
        age = 2020 - year
        ill = cause == "illness" and relation == "head"
        disabled = cause == "disability" and relation == "head"
        members.append({
            "name": _name(rng, surname if relation != "spouse" else rng.choice(SURNAMES), female),
            "id_number": number, "id_index": index,
            "sex": "F" if female else "M", "birth_date": birth, "relation": relation,
            "education": "primary" if age > 50 else "junior" if age > 18 else "primary",
            "school_status": ("primary" if 6 <= age <= 12 else "junior" if age <= 15 else "senior")
            if 6 <= age <= 18 else "not_in_school",
            "health": "serious" if ill else "disabled" if disabled else ("chronic" if age > 60 and rng.random() < 0.4
                                                                           else "healthy"),
            "disability_grade": rng.choice([1, 2, 3, 4]) if disabled else None,
            "labour": "none" if age < 16 else "lost" if (ill or disabled) else "weak" if age > 65 else "normal",
            "work_status": "county" if 18 < age < 55 and rng.random() < 0.5 else "none",
            "medical_insurance": True, "pension_insurance": age >= 16, "dibao": False,
        })  # fmt: skip
    return members


def _unique_id(rng: random.Random, county: str, birth: date, female: bool, used: set[str]) -> tuple[str, str]:
    """A fresh ID number and its blind index: one person's number is never given to another."""
    while True:
        number = make_id(county, birth, rng.randrange(100), female=female)
        index = blind_index(number)
        if index not in used:
            used.add(index)
            return number, index
        birth = birth.replace(day=rng.randint(1, 28))


def _incomes(rng: random.Random, household: Household, size: int) -> list[Income]:
    """Per-capita net income below the line before exit and above it after (lines from POLICY.md §1)."""
    lines = {2014: 2800, 2015: 2855, 2016: 2952, 2017: 2952, 2018: 2995, 2019: 3218, 2020: 4000}
    incomes = []
    for year in range(2014, 2026):
        line = lines.get(year, 4000 + 300 * (year - 2020))
        exited = household.exit_year is not None and year >= household.exit_year
        per_capita = line * (rng.uniform(1.15, 2.2) if exited else rng.uniform(0.55, 0.95))
        net = Decimal(round(per_capita * size))
        wage = (net * Decimal(rng.uniform(0.3, 0.7))).quantize(Decimal("1"))
        transfer = (net * Decimal(rng.uniform(0.1, 0.3))).quantize(Decimal("1"))
        costs = Decimal(rng.randrange(200, 1500))
        business = net - wage - transfer + costs
        incomes.append(Income(household=household, year=year, wage=wage, business=business, transfer=transfer,
                              property_income=Decimal(0), costs=costs))  # fmt: skip
    return incomes

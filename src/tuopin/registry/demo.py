"""The demo province: Hebei's registry 2014–2025 from a seeded generator on the real divisions.

- Registration in 2014; households exit year by year on Hebei's published path (POLICY.md §7: incidence 9.84% in
  2014, 0.78% in 2018, 34,000 people left at the end of 2019, all out in 2020). The yearly shares below interpolate
  between those published points.
- Langfang (1310) is reproduced exactly as seed 003 counts it: 2,327 households and 6,274 people, 1,789 general,
  489 dibao and 49 tekun households, at least 95% of them poor through illness, disability, lack of labour or
  schooling. It does not depend on the scale.
- The rest of the province is generated at `scale` × FULL_SIZE households (our sources give no Hebei total; a full
  size of one million registered households has the magnitude of a large province), with illness the main cause of
  about 42% (POLICY.md §7). From 2021, monitored households (监测户) are added: 41,000 × scale (POLICY.md §7: 41,000
  households under monitoring in 2020).
- Believable members (ages, relations, school status by age, health and labour tied to the cause) and one income
  record per year, below the poverty line before exit and above it after.
- Yearly area attributes 2014–2025 (the denominators of the incidence rules): every village's rural population, sized
  so that the province outside Langfang has the published 9.84% incidence in 2014 at any scale (Langfang's villages
  get a believable unscaled size, since its households are not scaled), shrinking 1.5% a year with migration to the
  towns, and summed up to townships, counties, cities and the province; Hebei's 62 poor counties and 7,746 poor
  villages (POLICY.md §7) flagged as those with the most registered people; no area is western.

Everything is written through the bulk path (tuopin.core.bulk), one batch of households at a time, so that large
scales (tens of millions of persons, for benchmarks) stay fast and memory stays flat.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from django.db import transaction
from django.db.models import Count

from tuopin.areas.codes import area_q, code_at, level_of
from tuopin.areas.models import Area, AreaYear
from tuopin.audit.services import audit_record
from tuopin.core.bulk import insert_rows, reserve_ids, update_rows
from tuopin.core.crypto import blind_index, encrypt
from tuopin.policy.selectors import policy_for
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
# Share of registered households exiting in each year, interpolated between Hebei's published points (9.84% in
# 2014, 0.78% in 2018 ≈ 8% of 2014 left, about 1% left at the end of 2019, none in 2020).
EXIT_YEARS = {2015: 0.24, 2016: 0.26, 2017: 0.25, 2018: 0.17, 2019: 0.07, 2020: 0.01}
CAUSES = {
    "illness": 0.42,
    "disability": 0.16,
    "labour": 0.12,
    "schooling": 0.07,
    "skills": 0.07,
    "funds": 0.06,
    "disaster": 0.03,
    "land": 0.02,
    "water": 0.01,
    "transport": 0.01,
    "motivation": 0.02,
    "other": 0.01,
}
CATEGORIES = {"general": 0.77, "dibao": 0.21, "tekun": 0.02}
SIZES = {1: 0.16, 2: 0.30, 3: 0.22, 4: 0.18, 5: 0.10, 6: 0.04}
# Poverty lines (yuan per person and year, POLICY.md §1) used only to make believable incomes.
# After the last line of the policy profile (2020), generated incomes keep drifting up by this much a year, so that
# exited households do not all sit just above the 2020 line (a property of the synthetic data, not a policy value).
INCOME_DRIFT = 300
YEARS = range(2014, 2026)

LANGFANG = "1310"
# Seed 003: "全市共有2327户贫困户、6274名贫困人口，其中，一般贫困户1789户，低保贫困户489户，特困贫困户49户。按致贫原因
# 分类，因病、因残、因缺劳力、因学致贫比例，占95%以上。"
LANGFANG_HOUSEHOLDS = {"general": 1789, "dibao": 489, "tekun": 49}
LANGFANG_PERSONS = 6274
LANGFANG_CAUSES = {"illness": 0.55, "disability": 0.2, "labour": 0.15, "schooling": 0.06}  # 96% in all
FULL_SIZE = 1_000_000
MONITORED_FULL_SIZE = 41_000
DEFAULT_SCALE = 0.02
DEMO_COUNTIES = ("130126", "130127")  # the demo accounts' counties always have households
BATCH = 5000
DEMO_REASON = "演示数据：2014年建档立卡"
INCIDENCE_2014 = 0.0984  # POLICY.md §7
RURAL_DECLINE = 0.985  # rural population kept each year (towns grow)
POOR_COUNTIES, POOR_VILLAGES = 62, 7746  # POLICY.md §7
VILLAGE_SIZE = 800  # a believable mean rural population of a village, used where households are not scaled


@dataclass(frozen=True)
class DemoResult:
    households: int
    members: int
    incomes: int


@dataclass
class Draft:
    """One generated household: its row, its members' rows (plain ID numbers) and its income rows."""

    household: dict[str, Any]
    members: list[dict[str, Any]]
    incomes: list[dict[str, Any]]
    reason: str


def _pick(rng: random.Random, weights: dict[Any, float]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _name(rng: random.Random, surname: str, female: bool) -> str:
    return surname + rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)


def _no_progress(done: int, total: int) -> None:
    return None


def registry_demo(
    *, scale: float = DEFAULT_SCALE, seed: int = 2014, progress: Callable[[int, int], None] = _no_progress
) -> DemoResult:
    """Build the demo province into an empty registry; does nothing when households already exist."""
    if Household.objects.exists():
        return DemoResult(0, 0, 0)
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    villages = list(
        Area.objects.filter(area_q("code", "13"), level="village")
        .order_by("code")
        .values_list("code", flat=True)
    )
    langfang = [v for v in villages if v.startswith(LANGFANG)]
    others = [v for v in villages if not v.startswith(LANGFANG)]
    drafts: list[Iterator[Draft]] = []
    used: set[str] = set()
    total = 0
    if langfang:
        drafts.append(langfang_households(rng, langfang, used))
        total += sum(LANGFANG_HOUSEHOLDS.values())
    if others:
        count, monitored = round(FULL_SIZE * scale), round(MONITORED_FULL_SIZE * scale)
        drafts.append(province_households(rng, others, count, used))
        drafts.append(monitored_households(rng, others, monitored, used))
        total += count + monitored
    result = write_drafts((d for source in drafts for d in source), total=total, progress=progress)
    area_years_demo(rng, villages)
    audit_record(
        action="registry.demo",
        object_type="province",
        object_id="13",
        details={"households": result.households, "members": result.members, "scale": scale},
    )
    return result


def area_years_demo(rng: random.Random, villages: list[str]) -> int:
    """Rural population and poor-area flags per area and year (see the module notes); returns the rows written."""
    persons = dict(
        Member.objects.filter(household__population_type="registered", household__identification_year=2014)
        .values_list("household__village_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    spread = {v: rng.lognormvariate(0, 0.5) for v in villages}
    scaled = [v for v in villages if not v.startswith(LANGFANG)]
    poor = sum(persons.get(v, 0) for v in scaled)
    # Outside Langfang: each village's poor people plus a share of the others, spread unevenly, so that the poor are
    # 9.84% of the whole; Langfang: a believable size, at least ten times its poor people.
    others = _apportion(round(poor / INCIDENCE_2014) - poor, {v: spread[v] for v in scaled})
    population = {v: persons.get(v, 0) + others[v] for v in scaled}
    population |= {
        v: max(10 * persons.get(v, 0), round(VILLAGE_SIZE * spread[v]))
        for v in villages
        if v.startswith(LANGFANG)
    }
    by_persons = sorted(villages, key=lambda v: (-persons.get(v, 0), v))
    poor_villages = set(by_persons[:POOR_VILLAGES])
    county_persons: dict[str, int] = {}
    for village, count in persons.items():
        county = code_at(village, "county")
        county_persons[county] = county_persons.get(county, 0) + count
    poor_counties = set(sorted(county_persons, key=lambda c: (-county_persons[c], c))[:POOR_COUNTIES])
    parents = dict(Area.objects.filter(area_q("code", "13")).values_list("code", "parent_id"))
    written = 0
    for year in YEARS:
        kept = RURAL_DECLINE ** (year - YEARS.start)
        totals: dict[str, int] = {}
        rows = []
        for village in villages:
            count = round(population[village] * kept)
            rows.append(
                {
                    "area_id": village,
                    "year": year,
                    "rural_population": count,
                    "poor_village": village in poor_villages,
                    "poor_county": None,
                    "western": False,
                }
            )
            code = parents.get(village)
            while code:
                totals[code] = totals.get(code, 0) + count
                code = parents.get(code)
        rows += [
            {
                "area_id": code,
                "year": year,
                "rural_population": total,
                "poor_village": None,
                "poor_county": code in poor_counties if level_of(code) == "county" else None,
                "western": False,
            }
            for code, total in totals.items()
        ]
        insert_rows(AreaYear, rows)
        written += len(rows)
    return written


def _apportion(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Whole numbers proportional to the weights that add up to `total` exactly (largest remainders)."""
    whole = sum(weights.values())
    if total <= 0 or not whole:
        return dict.fromkeys(weights, 0)
    exact = {key: total * weight / whole for key, weight in weights.items()}
    shares = {key: int(value) for key, value in exact.items()}
    for key in sorted(exact, key=lambda k: shares[k] - exact[k])[: total - sum(shares.values())]:
        shares[key] += 1
    return shares


def write_drafts(
    drafts: Iterator[Draft], *, total: int = 0, progress: Callable[[int, int], None] = _no_progress
) -> DemoResult:
    """Write generated households in batches through the bulk path, all in one transaction."""
    households = members = incomes = 0
    now = datetime.now(UTC)
    with transaction.atomic():
        while batch := [d for _, d in zip(range(BATCH), drafts, strict=False)]:
            ids = dict(
                zip((d.household["number"] for d in batch), reserve_ids(Household, len(batch)), strict=True)
            )
            rows = [_member_row(ids[d.household["number"]], person) for d in batch for person in d.members]
            for row, pk in zip(rows, reserve_ids(Member, len(rows)), strict=True):
                row["id"] = pk
            # Households, members, then heads: nothing points at a row not yet written (see importers._apply_chunk).
            insert_rows(
                Household, ({**d.household, "id": ids[d.household["number"]]} for d in batch), pk=True
            )
            insert_rows(Member, rows, pk=True)
            update_rows(
                Household,
                ["head"],
                [(row["household_id"], row["id"]) for row in rows if row["relation"] == "head"],
            )
            insert_rows(
                Income,
                (
                    {"household_id": ids[d.household["number"]], **income}
                    for d in batch
                    for income in d.incomes
                ),
            )
            insert_rows(
                Change,
                (
                    {
                        "household_id": ids[d.household["number"]],
                        "at": now,
                        "actor": "system",
                        "action": "register",
                        "object_type": "household",
                        "object_id": ids[d.household["number"]],
                        "object_label": d.household["number"],
                        "fields": {},
                        "reason": d.reason,
                    }
                    for d in batch
                ),
            )
            households += len(batch)
            members += len(rows)
            incomes += sum(len(d.incomes) for d in batch)
            progress(households, total)
    return DemoResult(households, members, incomes)


def _member_row(household_id: int, person: dict[str, Any]) -> dict[str, Any]:
    number = person["id_number"]
    return {
        "household_id": household_id,
        "id_encrypted": encrypt(number),
        "id_masked": mask_id(number),
        **{k: v for k, v in person.items() if k != "id_number"},
    }


def langfang_households(rng: random.Random, villages: list[str], used: set[str]) -> Iterator[Draft]:
    """Langfang's 2,327 households exactly as seed 003 counts them."""
    categories = [c for c, n in LANGFANG_HOUSEHOLDS.items() for _ in range(n)]
    rng.shuffle(categories)
    sizes = [1 if c == "tekun" else _pick(rng, SIZES) for c in categories]
    adjustable = [i for i, c in enumerate(categories) if c != "tekun"]
    while (gap := LANGFANG_PERSONS - sum(sizes)) != 0:
        i = rng.choice(adjustable)
        sizes[i] = min(6, max(1, sizes[i] + (1 if gap > 0 else -1)))
    shares = len(categories)
    causes = [_pick(rng, LANGFANG_CAUSES) for _ in range(shares - shares * 4 // 100)]
    causes += [rng.choice(["skills", "funds", "disaster", "motivation"]) for _ in range(shares - len(causes))]
    rng.shuffle(causes)
    chosen = sorted(rng.sample(villages, k=min(len(villages), 700)))
    serials: dict[str, int] = {}
    for category, size, cause in zip(categories, sizes, causes, strict=True):
        village = rng.choice(chosen)
        serials[village] = serials.get(village, 0) + 1
        yield _registered(
            rng, village, serials[village], category=category, size=size, cause=cause, used=used
        )


def province_households(
    rng: random.Random,
    villages: list[str],
    count: int,
    used: set[str],
    *,
    tag: str = "",
    years: range = YEARS,
) -> Iterator[Draft]:
    """`count` registered households over `villages`, more in some counties than in others (poverty clusters)."""
    if count <= 0 or not villages:
        return
    counties = sorted({code_at(v, "county") for v in villages})
    weight = {c: rng.lognormvariate(0, 1.2) * (4 if c in DEMO_COUNTIES else 1) for c in counties}
    weights = [weight[code_at(v, "county")] for v in villages]
    serials: dict[str, int] = {}
    for village in rng.choices(villages, weights=weights, k=count):
        serials[village] = serials.get(village, 0) + 1
        yield _registered(
            rng,
            village,
            serials[village],
            category=_pick(rng, CATEGORIES),
            size=_pick(rng, SIZES),
            cause=_pick(rng, CAUSES),
            used=used,
            tag=tag,
            years=years,
        )


def monitored_households(
    rng: random.Random, villages: list[str], count: int, used: set[str]
) -> Iterator[Draft]:
    """Households put under monitoring from 2021 (边缘易致贫户): not registered poor, no poverty status."""
    for serial in range(1, count + 1):
        village = rng.choice(villages)
        year = rng.randint(2021, 2025)
        cause = _pick(
            rng, {"illness": 0.5, "disability": 0.15, "disaster": 0.1, "schooling": 0.1, "funds": 0.15}
        )
        yield _draft(
            rng,
            f"{village}M{serial:04d}",
            village,
            size=_pick(rng, SIZES),
            cause=cause,
            category="",
            population_type="monitored",
            year=year,
            status="",
            exit_year=None,
            used=used,
            reason=f"演示数据：{year}年纳入监测",
        )


def _registered(
    rng: random.Random,
    village: str,
    serial: int,
    *,
    category: str,
    size: int,
    cause: str,
    used: set[str],
    tag: str = "",
    years: range = YEARS,
) -> Draft:
    exit_year = int(_pick(rng, EXIT_YEARS))
    status = "exited" if exit_year <= 2016 and rng.random() < 0.3 else "exited_policy"
    return _draft(
        rng,
        f"{village}{tag}{serial:03d}",
        village,
        size=size,
        cause=cause,
        category=category,
        population_type="registered",
        year=2014,
        status=status,
        exit_year=exit_year,
        used=used,
        years=years,
        reason=DEMO_REASON,
    )


def _draft(
    rng: random.Random,
    number: str,
    village: str,
    *,
    size: int,
    cause: str,
    category: str,
    population_type: str,
    year: int,
    status: str,
    exit_year: int | None,
    used: set[str],
    reason: str,
    years: range = YEARS,
) -> Draft:
    others = rng.sample([c for c in CAUSES if c not in {"other", cause}], k=2)
    phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
    household = {
        "number": number,
        "village_id": village,
        "category": category,
        "standard": "national",
        "main_cause": cause,
        "other_cause_1": others[0] if rng.random() < 0.4 else "",
        "other_cause_2": "",
        "population_type": population_type,
        "identification_year": year,
        "status": status,
        "exit_year": exit_year,
        "housing_safety": rng.choice("AAABBB"),
        "relocated": rng.random() < 0.05,
        "water_safe": True,
        "electricity": True,
        "road": rng.random() < 0.95,
        "phone_encrypted": encrypt(phone),
        "phone_masked": mask_phone(phone),
    }
    household["other_cause_2"] = others[1] if household["other_cause_1"] and rng.random() < 0.25 else ""
    members = _members(rng, code_at(village, "county"), cause, size, used, elderly=category == "tekun")
    incomes = _incomes(
        rng,
        exit_year,
        len(members),
        years=range(max(year, years.start), years.stop),
        monitored=population_type == "monitored",
    )
    return Draft(household, members, incomes, reason)


def _members(
    rng: random.Random, county: str, cause: str, size: int, used: set[str], *, elderly: bool = False
) -> list[dict[str, Any]]:
    """`size` believable people: a head, usually a spouse, then children (or a parent of the head)."""
    surname = rng.choice(SURNAMES)
    head_year = rng.randint(1935, 1958) if elderly else rng.randint(1940, 1990)
    plan = [("head", head_year, rng.random() < 0.2)]
    if size >= 2 and rng.random() < 0.85:
        plan.append(("spouse", head_year + rng.randint(-3, 3), not plan[0][2]))
    while len(plan) < size:
        if head_year > 1955 or rng.random() < 0.5:
            plan.append((rng.choice(["son", "daughter"]), min(head_year + rng.randint(20, 35), 2022), False))
        else:
            female = rng.random() < 0.5
            plan.append(
                (
                    "granddaughter" if female else "grandson",
                    min(head_year + rng.randint(45, 60), 2022),
                    female,
                )
            )
    members = []
    for position, (relation, year, female) in enumerate(plan):
        female = female or relation == "daughter"
        birth = date(year, rng.randint(1, 12), rng.randint(1, 28))
        number, index = _unique_id(rng, county, birth, female, used)
        age = 2020 - year
        ill = cause == "illness" and position == 0
        disabled = cause == "disability" and position == 0
        members.append(
            {
                "name": _name(rng, surname if relation != "spouse" else rng.choice(SURNAMES), female),
                "id_number": number,
                "id_index": index,
                "sex": "F" if female else "M",
                "birth_date": birth,
                "relation": relation,
                "education": "primary" if age > 50 else "junior" if age > 18 else "primary",
                "school_status": ("primary" if 6 <= age <= 12 else "junior" if age <= 15 else "senior")
                if 6 <= age <= 18
                else "not_in_school",
                "health": "serious"
                if ill
                else "disabled"
                if disabled
                else ("chronic" if age > 60 and rng.random() < 0.4 else "healthy"),
                "disability_grade": rng.choice([1, 2, 3, 4]) if disabled else None,
                "labour": "none"
                if age < 16
                else "lost"
                if (ill or disabled)
                else "weak"
                if age > 65
                else "normal",
                "work_status": "county" if 18 < age < 55 and rng.random() < 0.5 else "none",
                "medical_insurance": True,
                "pension_insurance": age >= 16,
                "dibao": False,
            }
        )
    return members


def _incomes(
    rng: random.Random, exit_year: int | None, size: int, *, years: range, monitored: bool
) -> list[dict[str, Any]]:
    """Per-capita net income below the line before exit and above it after; monitored households hover near it."""
    incomes = []
    for year in years:
        line = _income_scale(year)
        if monitored:
            factor = rng.uniform(0.9, 1.5)
        elif exit_year is not None and year >= exit_year:
            factor = rng.uniform(1.15, 2.2)
        else:
            factor = rng.uniform(0.55, 0.95)
        net = Decimal(round(line * factor * size))
        wage = (net * Decimal(rng.uniform(0.3, 0.7))).quantize(Decimal("1"))
        transfer = (net * Decimal(rng.uniform(0.1, 0.3))).quantize(Decimal("1"))
        costs = Decimal(rng.randrange(200, 1500))
        incomes.append(
            {
                "year": year,
                "wage": wage,
                "business": net - wage - transfer + costs,
                "transfer": transfer,
                "property_income": Decimal(0),
                "costs": costs,
            }
        )
    return incomes


@cache
def _income_scale(year: int) -> int:
    """The poverty line of `year` from the national policy profile, plus the drift after the line's year."""
    setting = policy_for(year)["poverty_line"]
    return int(setting.typed) + INCOME_DRIFT * (year - setting.since)


def _unique_id(rng: random.Random, county: str, birth: date, female: bool, used: set[str]) -> tuple[str, str]:
    """A fresh ID number and its blind index: one person's number is never given to another."""
    while True:
        number = make_id(county, birth, rng.randrange(100), female=female)
        index = blind_index(number)
        if index not in used:
            used.add(index)
            return number, index
        birth = birth.replace(day=rng.randint(1, 28))

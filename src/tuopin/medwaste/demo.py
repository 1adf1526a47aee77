"""The medical-waste network of the demo (issue 18, item 6), for one city of the demo province (石家庄市, 1301): a
transfer point in every township but two (their facilities go to a neighbouring township's point), each township's
health centre, a village clinic for a sample of villages, a few private clinics, each county's two hospitals handing
straight to a disposal unit, two disposal units, and the handovers of 2019Q1 (local time) with a few believable
violations: a village clinic not collected over the Spring Festival, a point whose removals stop for two days (a
late removal and waste overstaying 48 hours) and a point whose vehicle came a few hours late once.

Written in bulk (bulk_create), seeded (random.Random), and once: nothing is built when the city's points exist.

The demo's medical-waste accounts (DEMO_ACCOUNTS, made and printed by the site's demo command with the others: a
county health office of 灵寿县, a keeper, a village clinic's user) are linked to their places on every run: the
keeper to 灵寿县's first transfer point with a village clinic attached, the clinic's user to that clinic."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from tuopin.accounts.models import User
from tuopin.accounts.roles import Role
from tuopin.areas.codes import area_q
from tuopin.areas.models import Area, Level
from tuopin.medwaste.filing import filing_mark
from tuopin.medwaste.models import (
    Disposer,
    Facility,
    FacilityKind,
    Handover,
    PlaceKind,
    PlaceMember,
    TransferPoint,
    WasteCategory,
)
from tuopin.medwaste.services import place_member_link

Progress = Callable[[int, int], None]

CITY = "1301"
# The medical-waste demo accounts: (username, role, area, name, manages users), as the site's demo command lists
# its accounts; the keeper and the clinic's user are linked to their places by link_demo_accounts.
COUNTY = "130126"  # 灵寿县
DEMO_ACCOUNTS: list[tuple[str, str, str, str, bool]] = [
    ("health", Role.HEALTH.value, COUNTY, "灵寿县卫生健康局", False),
    ("keeper", Role.KEEPER.value, COUNTY, "周转点管理员", False),
    ("clinic", Role.FACILITY.value, COUNTY, "村卫生室", False),
]
QUARTER_START, DAYS = date(2019, 1, 1), 90  # 2019-01-01 … 2019-03-31
SPRING_FESTIVAL = (date(2019, 2, 4), date(2019, 2, 10))
STOPPED = (
    date(2019, 3, 12),
    date(2019, 3, 13),
)  # one point's removals stop (the disposal unit's vehicle broke down)
LATE_ONE = date(2019, 2, 20)  # another point's vehicle comes in the evening
ZONES = ("130171", "130172")  # development zones: no county hospital of their own
SECOND_UNIT_SERVES = ("130181", "130183", "130128")  # 辛集市, 晋州市, 深泽县
PERSONS = (
    "王秀英", "李建国", "张桂兰", "刘志强", "陈玉梅", "杨国庆", "赵淑芬", "黄海涛", "周凤霞", "吴建军",
    "孙丽娟", "马振华", "朱红梅", "胡立新", "郭春燕", "何永刚", "高秀兰", "林卫东", "罗桂香", "郑文明",
)  # fmt: skip
SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "赵", "孙")
VEHICLES = ("冀A3K521", "冀A7M086", "冀A2N913", "冀A5H370", "冀A8P642")
METHODS: dict[str, str] = {
    WasteCategory.PATHOLOGICAL: "焚烧",
    WasteCategory.CHEMICAL: "焚烧",
    WasteCategory.PHARMACEUTICAL: "焚烧",
}
BATCH = 5000


@dataclass
class _Point:
    obj: TransferPoint
    disposer: Disposer
    daily: bool  # removes every day; else every second day on days of `parity`
    parity: int
    minute: int  # usual removal time, minutes after midnight
    keeper: str
    received: list[tuple[datetime, str, Decimal]] = field(default_factory=list)


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _at(day: int, minute: int) -> datetime:
    return datetime.combine(QUARTER_START + timedelta(days=day), time.min, tzinfo=_zone()) + timedelta(
        minutes=minute
    )


def _kg(value: float) -> Decimal:
    return Decimal(str(max(0.05, round(value, 2))))


def _short(name: str) -> str:
    for suffix in ("村民委员会", "居民委员会", "委员会"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def medwaste_demo(
    progress: Progress | None = None, *, city: str = CITY, every: int = 5, seed: int = 2019
) -> dict[str, int]:
    """Build the city's network and its quarter of handovers once; returns the counts built ({} when the city's
    transfer points exist already, or the city is not in the division tree). Links the demo accounts either way."""
    if TransferPoint.objects.filter(code__startswith=f"P{city}").exists():
        link_demo_accounts()
        return {}
    if not Area.objects.filter(code=city).exists():
        return {}
    rng = random.Random(seed)  # noqa: S311 - synthetic data
    with transaction.atomic():
        built = _build(rng, city, every, progress or (lambda done, total: None))
    link_demo_accounts()
    built["filings"] = _file_demo_quarter()
    return built


def _file_demo_quarter(county: str = COUNTY) -> int:
    """Mark the demo quarter filed for the county's transfer points on the 8th of the next month, all but the
    keeper's, which is left for the keeper to file."""
    kept = set(PlaceMember.objects.filter(user__username="keeper").values_list("point_id", flat=True))
    points = TransferPoint.objects.filter(area_q("area_id", county)).exclude(pk__in=kept).order_by("code")
    year, quarter = QUARTER_START.year, (QUARTER_START.month - 1) // 3 + 1
    filed_on = date(year, 3 * quarter + 1, 8) if quarter < 4 else date(year + 1, 1, 8)
    for point in points:
        filing_mark(actor=None, point=point, year=year, quarter=quarter, filed_on=filed_on, note="")
    return points.count()


def link_demo_accounts(county: str = COUNTY) -> None:
    """Link the demo keeper and the demo clinic's user (when they exist) to the county's first transfer point with
    a village clinic attached and to that clinic. Links are kept (place_member_link adds none twice)."""
    clinic = (
        Facility.objects.select_related("point")
        .filter(area_q("point__area_id", county), kind=FacilityKind.VILLAGE_CLINIC)
        .order_by("point__code", "code")
        .first()
    )
    if clinic is None or clinic.point is None:
        return
    keeper = User.objects.filter(username="keeper", role=Role.KEEPER).first()
    if keeper is not None:
        place_member_link(actor=None, user=keeper, point=clinic.point)
    user = User.objects.filter(username="clinic", role=Role.FACILITY).first()
    if user is not None:
        place_member_link(actor=None, user=user, facility=clinic)


def _build(rng: random.Random, city: str, every: int, progress: Progress) -> dict[str, int]:
    areas = list(
        Area.objects.filter(code__startswith=city).order_by("code").values_list("code", "name", "level")
    )
    counties = [(code, name) for code, name, level in areas if level == Level.COUNTY]
    townships = [(code, name) for code, name, level in areas if level == Level.TOWNSHIP]
    villages: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for code, name, level in areas:
        if level == Level.VILLAGE:
            villages[code[:9]].append((code, name))
    rural = [code for code, name in townships if name.endswith("乡")]
    without = set(rng.sample(rural, 2)) if len(rural) >= 2 else set()

    city_name = Area.objects.get(code=city).name
    first = Disposer.objects.create(
        code=f"D{city}01", name=f"{city_name}医疗废物集中处置中心", area_id=city, daily_tonnes=Decimal(0)
    )
    second_serves = [
        code for code in SECOND_UNIT_SERVES if code.startswith(city) and any(c == code for c, _ in counties)
    ]
    second = None
    if second_serves:
        names = dict(counties)
        second = Disposer.objects.create(
            code=f"D{city}02",
            name=f"{names[second_serves[0]]}医疗废物处置中心",
            area_id=second_serves[0],
            daily_tonnes=Decimal(0),
        )

    def disposer_of(code: str) -> Disposer:
        return second if second is not None and code[:6] in second_serves else first

    points: dict[str, _Point] = {}
    for code, name in townships:
        if code in without:
            continue
        obj = TransferPoint(
            code=f"P{code}",
            name=f"{name}医疗废物周转点",
            area_id=code,
            capacity_kg=Decimal(rng.randrange(200, 801, 50)),
            metering=rng.random() < 0.9,
            video=rng.random() < 0.85,
        )
        points[code] = _Point(
            obj, disposer_of(code), rng.random() < 0.5, rng.randrange(2), rng.randrange(16 * 60, 17 * 60 + 30),
            rng.choice(PERSONS),
        )  # fmt: skip
    TransferPoint.objects.bulk_create([p.obj for p in points.values()])
    ordered = list(points)

    def point_of(township: str) -> _Point:
        if township in points:
            return points[township]
        county = [code for code in ordered if code[:6] == township[:6]] or ordered
        return points[
            min(county, key=lambda code: abs(int(code) - int(township)))
        ]  # the neighbouring township's

    facilities: list[tuple[Facility, _Point | None]] = []

    def add(
        code: str, name: str, kind: str, area: str, point: _Point | None, low: float, high: float
    ) -> None:
        daily = Decimal(str(round(rng.uniform(low, high), 1 if high > 2 else 2)))
        facility = Facility(
            code=code,
            name=name,
            kind=kind,
            area_id=area,
            point=None if point is None else point.obj,
            daily_kg=daily,
        )
        facilities.append((facility, point))

    for code, name in townships:
        point = point_of(code)
        urban = name.endswith(("街道", "开发区", "园区"))
        if urban:
            add(f"F{code}W", f"{name}社区卫生服务中心", FacilityKind.COMMUNITY_CENTRE, code, point, 3, 15)
        else:
            add(f"F{code}W", f"{name}卫生院", FacilityKind.TOWNSHIP_HOSPITAL, code, point, 3, 15)
            rural_villages = [(c, n) for c, n in villages[code] if n.endswith("村民委员会")]
            for village, village_name in rural_villages[::every]:
                add(f"F{village}", f"{_short(village_name)}卫生室", FacilityKind.VILLAGE_CLINIC, village,
                    point, 0.2, 1.5)  # fmt: skip
        if (urban and code.endswith("001")) or rng.random() < 0.03:
            add(f"F{code}C1", f"{name}{rng.choice(SURNAMES)}氏诊所", FacilityKind.CLINIC, code, point, 0.5, 3)
    for code, name in counties:
        seat = next((t for t, _ in townships if t[:6] == code), None)
        if code in ZONES or seat is None:
            continue
        add(f"F{code}H1", f"{name}人民医院", FacilityKind.HOSPITAL, seat, None, 80, 300)
        add(f"F{code}H2", f"{name}中医院", FacilityKind.HOSPITAL, seat, None, 50, 150)
    Facility.objects.bulk_create([facility for facility, _ in facilities], batch_size=BATCH)

    # Capacity: a small shortfall for the city as a whole (the seed's capacity gap), the second unit a county one.
    expected = sum((f.daily_kg for f, _ in facilities), Decimal(0)) / 1000
    second_tonnes = Decimal("1.5") if second is not None else Decimal(0)
    first.daily_tonnes = max(
        Decimal(1), (expected * Decimal("0.94") - second_tonnes).quantize(Decimal("0.5"))
    )
    first.save(update_fields=["daily_tonnes"])
    first.serves.set(Area.objects.filter(code=city))
    if second is not None:
        second.daily_tonnes = second_tonnes
        second.save(update_fields=["daily_tonnes"])
        second.serves.set(Area.objects.filter(code__in=second_serves))

    handovers = _handovers(rng, facilities, points, disposer_of)
    handovers.sort(key=lambda h: (h.at, h.giver_code, h.category))
    for serial, handover in enumerate(handovers, start=1):
        handover.number = f"{city}-2019-{serial:06d}"
    for start in range(0, len(handovers), BATCH):
        Handover.objects.bulk_create(handovers[start : start + BATCH])
        progress(min(start + BATCH, len(handovers)), len(handovers))
    return {
        "points": len(points),
        "facilities": len(facilities),
        "disposers": 1 + (second is not None),
        "handovers": len(handovers),
        "townships_without_point": len(without),
    }


def _split(rng: random.Random, kg: float, hospital: bool) -> list[tuple[str, float]]:
    """A load's categories: mostly infectious and sharps, sometimes pharmaceutical (and, from a hospital,
    pathological or chemical)."""
    parts = [(WasteCategory.INFECTIOUS, 0.72)]
    if hospital or rng.random() < 0.6:
        parts.append((WasteCategory.SHARPS, 0.2))
    if rng.random() < (0.3 if hospital else 0.08):
        parts.append((WasteCategory.PHARMACEUTICAL, 0.06))
    if hospital and rng.random() < 0.4:
        parts.append((WasteCategory.PATHOLOGICAL, 0.08))
    if hospital and rng.random() < 0.1:
        parts.append((WasteCategory.CHEMICAL, 0.02))
    total = sum(share for _, share in parts)
    return [(category, kg * share / total * rng.uniform(0.9, 1.1)) for category, share in parts]


def _handovers(
    rng: random.Random,
    facilities: list[tuple[Facility, _Point | None]],
    points: dict[str, _Point],
    disposer_of: Callable[[str], Disposer],
) -> list[Handover]:
    out: list[Handover] = []
    clinics = [f for f, p in facilities if f.kind == FacilityKind.VILLAGE_CLINIC]
    skipped = clinics[len(clinics) // 3].code if clinics else ""  # collected from again after the holiday
    for facility, point in facilities:
        person = rng.choice(PERSONS)
        if point is None:  # a hospital: daily, straight to its disposal unit
            days, window = range(DAYS), (7 * 60 + 30, 9 * 60 + 30)
        else:
            start = point.parity if not point.daily else rng.randrange(2)
            days, window = range(start, DAYS, 2), (8 * 60 + 30, 15 * 60 + 30)
        usual = rng.randrange(*window)
        target = disposer_of(facility.area_id)
        previous: datetime | None = None
        for day in days:
            today = QUARTER_START + timedelta(days=day)
            if facility.code == skipped and SPRING_FESTIVAL[0] <= today <= SPRING_FESTIVAL[1]:
                continue
            at = _at(day, min(max(usual + rng.randint(-40, 40), window[0]), window[1]))
            if (
                previous is not None
                and at - previous > timedelta(hours=48)
                and day - (previous.date() - QUARTER_START).days <= 2
            ):
                at = previous + timedelta(hours=48)
            previous = at
            load = float(facility.daily_kg) * (1 if point is None else 2) * rng.uniform(0.8, 1.2)
            for category, kg in _split(rng, load, point is None):
                weight = _kg(kg)
                if point is None:
                    out.append(_handover(facility.code, PlaceKind.FACILITY, target.code, PlaceKind.DISPOSER,
                                         facility.area_id, at, category, weight, person, rng.choice(PERSONS),
                                         rng, target))  # fmt: skip
                else:
                    point.received.append((at, category, weight))
                    out.append(_handover(facility.code, PlaceKind.FACILITY, point.obj.code, PlaceKind.POINT,
                                         facility.area_id, at, category, weight, person, point.keeper, rng))  # fmt: skip
    codes = list(points)
    stopped = next(
        (
            c
            for c in codes
            if points[c].daily and any(at.date() == STOPPED[0] for at, _, _ in points[c].received)
        ),
        "",
    )  # a point that received waste on the first day its removals stopped
    late_day = (LATE_ONE - QUARTER_START).days
    late = next(
        (c for c in codes[len(codes) // 2 :] if not points[c].daily and points[c].parity == late_day % 2), ""
    )
    for code, point in points.items():
        received = sorted(point.received, key=lambda r: r[0])
        index, previous = 0, None
        driver = rng.choice(PERSONS)
        for day in range(DAYS):
            today = QUARTER_START + timedelta(days=day)
            if not point.daily and day % 2 != point.parity:
                continue
            if code == stopped and STOPPED[0] <= today <= STOPPED[1]:
                continue
            minute = point.minute + rng.randint(-30, 30)
            if code == late and today == LATE_ONE:
                minute = 20 * 60 + 40
            at = _at(day, max(minute, 16 * 60))
            if (
                previous is not None
                and at - previous > timedelta(hours=48)
                and (code, today) != (late, LATE_ONE)
                and not (code == stopped and STOPPED[1] < today <= STOPPED[1] + timedelta(days=2))
            ):
                at = previous + timedelta(hours=48)
            held: dict[str, Decimal] = defaultdict(Decimal)
            while index < len(received) and received[index][0] < at:
                held[received[index][1]] += received[index][2]
                index += 1
            if held:  # nothing came in since the last removal: the vehicle does not stop
                previous = at
            for category, total in sorted(held.items()):
                out.append(_handover(point.obj.code, PlaceKind.POINT, point.disposer.code, PlaceKind.DISPOSER, code, at,
                                     category, total, point.keeper, driver, rng, point.disposer))  # fmt: skip
    return out


def _handover(
    giver: str,
    giver_kind: str,
    receiver: str,
    receiver_kind: str,
    area: str,
    at: datetime,
    category: str,
    kg: Decimal,
    giver_person: str,
    receiver_person: str,
    rng: random.Random,
    disposer: Disposer | None = None,
) -> Handover:
    return Handover(
        number="",
        at=at,
        giver_kind=giver_kind,
        giver_code=giver,
        receiver_kind=receiver_kind,
        receiver_code=receiver,
        area_id=area,
        category=category,
        kg=kg,
        packages=max(1, round(float(kg) / 2.5)),
        giver_person=giver_person,
        receiver_person=receiver_person,
        vehicle=rng.choice(VEHICLES) if disposer is not None else "",
        disposal_method="" if disposer is None else METHODS.get(category, "高温蒸汽灭菌"),
        destination=disposer.name if disposer is not None else "",
        recorded_by=None,
    )

"""The catalogue of assistance measures, as data: every measure a plan or a record names comes from here.

Three published lists meet in it (POLICY.md §3 and the seeds):
- 五个一批 (the five batches): 发展生产, 易地搬迁, 生态补偿, 发展教育, 社会保障兜底 — each measure says which batch it
  serves;
- the household measures of the national catalogue: 产业, 易地搬迁, 就业务工, 教育, 医疗, 低保/特困兜底, 小额信贷, 入股分红,
  土地流转, 电商, 光伏, 生态 (护林员), 乡村旅游, 危房改造, 公益岗位;
- seed 003's six special actions (精准脱贫六大专项行动) of Langfang: 健康, 助残, 教育, 危房改造, 社保兜底, 产业帮扶和就业 —
  each measure says which action it belongs to.

Seed 004 classifies help by labour capacity: with labour, raise production and wage income; with weak or lost
labour, property income; with none (severe illness or disability), social security and transfers. `LABOUR_GROUPS`
holds the three groups and the measures suited to each, which the plan form offers first.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

BATCHES = {
    "production": _("发展生产脱贫一批"),
    "relocation": _("易地搬迁脱贫一批"),
    "ecology": _("生态补偿脱贫一批"),
    "education": _("发展教育脱贫一批"),
    "security": _("社会保障兜底一批"),
}
ACTIONS = {
    "health": _("健康脱贫行动"),
    "disability": _("助残脱贫行动"),
    "education": _("教育脱贫行动"),
    "housing": _("危房改造脱贫行动"),
    "security": _("社保兜底脱贫行动"),
    "industry_jobs": _("产业帮扶和就业脱贫行动"),
}


@dataclass(frozen=True)
class Measure:
    code: str
    label: Promise
    batch: str  # a key of BATCHES
    action: str  # a key of ACTIONS, or "" when none of the six fits
    words: tuple[str, ...] = ()  # words of a free-text note that point to this measure (older records)


MEASURES: dict[str, Measure] = {
    m.code: m
    for m in (
        Measure("industry", _("产业帮扶"), "production", "industry_jobs", ("产业", "种植", "养殖", "种苗")),
        Measure("relocation", _("易地扶贫搬迁"), "relocation", "housing", ("搬迁",)),
        Measure(
            "employment", _("就业务工"), "production", "industry_jobs", ("务工", "就业", "岗位推荐", "培训")
        ),
        Measure(
            "education", _("教育资助"), "education", "education", ("教育", "助学", "雨露", "控辍保学", "劝返")
        ),
        Measure("medical", _("健康扶贫（医疗保障）"), "security", "health", ("医疗", "大病", "住院", "医保")),
        Measure("dibao", _("低保兜底"), "security", "security", ("低保",)),
        Measure("tekun", _("特困供养"), "security", "security", ("特困", "五保")),
        Measure("microcredit", _("扶贫小额信贷"), "production", "industry_jobs", ("小额信贷", "贷款")),
        Measure(
            "dividend", _("资产收益（入股分红）"), "production", "industry_jobs", ("入股", "分红", "资产收益")
        ),
        Measure("land_transfer", _("土地流转"), "production", "industry_jobs", ("流转",)),
        Measure("ecommerce", _("电商扶贫"), "production", "industry_jobs", ("电商",)),
        Measure("photovoltaic", _("光伏扶贫"), "production", "industry_jobs", ("光伏",)),
        Measure("ecology", _("生态补偿（生态护林员）"), "ecology", "industry_jobs", ("护林", "生态")),
        Measure("tourism", _("乡村旅游"), "production", "industry_jobs", ("旅游",)),
        Measure("housing", _("危房改造"), "relocation", "housing", ("危房", "住房")),
        Measure("public_post", _("公益岗位"), "production", "industry_jobs", ("公益岗位",)),
        Measure(
            "disability_aid", _("残疾人帮扶（两项补贴）"), "security", "disability", ("残疾", "护理补贴")
        ),
        Measure("temporary_relief", _("临时救助"), "security", "security", ("临时救助", "救助")),
        Measure("insurance", _("保险理赔和防贫保险"), "security", "security", ("保险", "理赔")),
        Measure("other", _("其他帮扶措施"), "production", ""),
    )
}
CHOICES = [(m.code, m.label) for m in MEASURES.values()]

LABOUR_GROUPS = {
    "with_labour": (
        _("有劳动能力：增加生产经营性和工资性收入"),
        ("industry", "employment", "microcredit", "ecommerce", "tourism", "public_post", "land_transfer"),
    ),
    "weak_labour": (
        _("弱劳动能力或丧失劳动能力：增加财产性收入"),
        ("dividend", "photovoltaic", "land_transfer", "public_post", "ecology"),
    ),
    "no_labour": (
        _("完全丧失劳动能力：综合社会保障兜底，增加转移性收入"),
        ("dibao", "tekun", "medical", "disability_aid", "temporary_relief", "insurance"),
    ),
}
LABOUR_GROUP_CHOICES = [(code, label) for code, (label, _codes) in LABOUR_GROUPS.items()]


def measure_label(code: str) -> str:
    measure = MEASURES.get(code)
    return str(measure.label) if measure else code


def measure_guess(text: str) -> str:
    """The catalogue measure a free-text note most likely describes, "other" when none: for callers and rows that
    predate the catalogue. The first measure (in catalogue order) with a word in the text wins."""
    for measure in MEASURES.values():
        if any(word in text for word in measure.words):
            return measure.code
    return "other"


def labour_group(labours: list[str]) -> str:
    """A household's group from its current members' labour capacity (registry.vocab.Labour codes)."""
    if any(labour in ("normal", "skilled") for labour in labours):
        return "with_labour"
    if "weak" in labours or "lost" in labours:  # seed 004: weak and lost labour alike raise property income
        return "weak_labour"
    return "no_labour"

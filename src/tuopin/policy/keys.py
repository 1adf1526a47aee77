"""The catalogue of policy keys: what each value means, its kind and unit. The values themselves are data
(PolicyValue rows, seeded from data/national.json with their sources); this file only says how to read them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Key:
    name: str
    kind: str  # money | ratio | decimal | integer | monthday
    label: Promise
    unit: Promise | str = ""
    group: Promise | str = ""


_LINES = _("标准线")
_EXIT = _("退出标准")
_SCHOOL = _("义务教育")
_PROCEDURE = _("程序时限")
_SCREEN = _("监测预警")
_FUNDS = _("帮扶资金和小额信贷")
_MPI = _("多维贫困测量")
_MEDWASTE = _("医疗废物")

KEYS: dict[str, Key] = {
    k.name: k
    for k in (
        Key("poverty_line", "money", _("扶贫标准（贫困线）"), _("元/人·年"), _LINES),
        Key("monitoring_line", "money", _("防止返贫监测线"), _("元/人·年"), _LINES),
        Key("rural_disposable_income", "money", _("农村居民人均可支配收入"), _("元/人·年"), _LINES),
        Key("village_exit_incidence", "ratio", _("贫困村退出：贫困发生率低于"), "", _EXIT),
        Key("village_exit_incidence_west", "ratio", _("贫困村退出（西部）：贫困发生率低于"), "", _EXIT),
        Key("county_exit_incidence", "ratio", _("贫困县退出：贫困发生率低于"), "", _EXIT),
        Key("county_exit_incidence_west", "ratio", _("贫困县退出（西部）：贫困发生率低于"), "", _EXIT),
        Key("county_wrong_exit_max", "ratio", _("贫困县退出：错退率低于"), "", _EXIT),
        Key("county_missed_max", "ratio", _("贫困县退出：漏评率低于"), "", _EXIT),
        Key("county_approval_min", "ratio", _("贫困县退出：群众认可度高于"), "", _EXIT),
        Key("school_age_min", "integer", _("义务教育起始年龄"), _("岁"), _SCHOOL),
        Key("school_age_max", "integer", _("义务教育终止年龄"), _("岁"), _SCHOOL),
        Key("school_age_cutoff", "monthday", _("入学年龄计算截止日"), _("月-日"), _SCHOOL),
        Key("notice_days", "integer", _("识别和退出公示天数"), _("天"), _PROCEDURE),
        Key("monitoring_notice_days", "integer", _("监测对象公示天数"), _("天"), _PROCEDURE),
        Key("alert_first_check_days", "integer", _("预警首次核查时限"), _("工作日"), _PROCEDURE),
        Key("alert_conclusion_days", "integer", _("预警核查结论时限"), _("工作日"), _PROCEDURE),
        Key("risk_elimination_months", "integer", _("风险消除前至少监测帮扶"), _("个月"), _PROCEDURE),
        Key(
            "medical_oop_ratio_exited",
            "ratio",
            _("医疗自付预警：脱贫户和监测户（占上年农村人均可支配收入）"),
            "",
            _SCREEN,
        ),
        Key(
            "medical_oop_ratio_other",
            "decimal",
            _("医疗自付预警：其他农村居民（占上年农村人均可支配收入）"),
            "",
            _SCREEN,
        ),
        Key("income_drop_ratio", "ratio", _("收入骤减预警：人均纯收入比上年下降超过"), "", _SCREEN),
        Key("disaster_loss_ratio", "decimal", _("灾害损失预警：损失超过家庭纯收入的"), "", _SCREEN),
        Key("idle_months", "integer", _("资金闲置：下达后满"), _("个月"), _FUNDS),
        Key("idle_disbursed_ratio", "ratio", _("资金闲置：支出低于下达资金的"), "", _FUNDS),
        Key("microcredit_max_amount", "money", _("扶贫小额信贷：单户贷款上限"), _("元"), _FUNDS),
        Key("microcredit_max_months", "integer", _("扶贫小额信贷：期限上限"), _("个月"), _FUNDS),
        Key(
            "microcredit_subsidy_rate",
            "ratio",
            _("扶贫小额信贷：财政贴息利率（基础利率）"),
            _("年利率"),
            _FUNDS,
        ),
        # The weights of the multidimensional index (normalised to sum 1 where used) and its poverty cutoff k.
        Key("mpi_weight_income", "decimal", _("多维贫困：收入指标权重"), "", _MPI),
        Key("mpi_weight_education", "decimal", _("多维贫困：义务教育指标权重"), "", _MPI),
        Key("mpi_weight_medical", "decimal", _("多维贫困：基本医疗指标权重"), "", _MPI),
        Key("mpi_weight_housing", "decimal", _("多维贫困：住房安全指标权重"), "", _MPI),
        Key("mpi_weight_water", "decimal", _("多维贫困：饮水安全指标权重"), "", _MPI),
        Key("mpi_k", "ratio", _("多维贫困：贫困临界值 k（加权剥夺得分不低于 k 为多维贫困）"), "", _MPI),
        # Medical waste (seed 000, 《医疗废物管理条例》): the two-day rules, the retention of records, and the weighing
        # tolerance of the imbalance rule: a point removing more of a category than it received beyond
        # max(ratio × received, kg).
        Key(
            "medwaste_collection_hours",
            "integer",
            _("医疗废物：从每个机构收集、从每个周转点清运至少每隔"),
            _("小时"),
            _MEDWASTE,
        ),
        Key("medwaste_storage_hours", "integer", _("医疗废物：周转点暂时贮存不超过"), _("小时"), _MEDWASTE),
        Key("medwaste_retention_years", "integer", _("医疗废物：交接记录至少保存"), _("年"), _MEDWASTE),
        Key(
            "medwaste_imbalance_ratio",
            "ratio",
            _("医疗废物：出入不平衡容差（占接收量的比例）"),
            "",
            _MEDWASTE,
        ),
        Key("medwaste_imbalance_kg", "decimal", _("医疗废物：出入不平衡容差（最少）"), _("千克"), _MEDWASTE),
    )
}

MONTHDAY = re.compile(r"(\d{2})-(\d{2})")


def parse_value(key: str, text: str) -> str:
    """The canonical text of `text` as a value of `key`, or a ValidationError saying what is wrong."""
    if key not in KEYS:
        raise ValidationError(_("未知的政策参数：%(key)s"), params={"key": key})
    kind = KEYS[key].kind
    text = text.strip()
    if kind == "monthday":
        match = MONTHDAY.fullmatch(text)
        if not match or not _real_monthday(int(match[1]), int(match[2])):
            raise ValidationError(_("应为月-日，如 08-31。"))
        return text
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or number < 0:
        raise ValidationError(_("应为不小于0的数。"))
    if kind == "integer":
        if number != number.to_integral_value():
            raise ValidationError(_("应为整数。"))
        return str(int(number))
    if kind == "ratio" and number > 1:
        raise ValidationError(_("比例应在0到1之间（如 0.02 表示2%）。"))
    return format(number.normalize(), "f")


def typed(key: str, text: str) -> Any:
    """The value as the rules use it: Decimal, int, or (month, day)."""
    kind = KEYS[key].kind
    if kind == "integer":
        return int(text)
    if kind == "monthday":
        month, day = text.split("-")
        return int(month), int(day)
    return Decimal(text)


def _real_monthday(month: int, day: int) -> bool:
    import calendar

    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(2024, month)[1]  # a leap year: 02-29 allowed

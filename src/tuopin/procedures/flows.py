"""The procedures of identification and exit, step by step (POLICY.md §2 and §4), as data.

A procedure runs its kind's steps in order; each step is done by the office of one level (a village task force
records the appraisal, a township reviews, a county announces), and an office may only act on its own step. A notice
step lasts the policy's `notice_days` and cannot be closed earlier or with an objection unresolved. A rejected
review, a failed appraisal, a household that does not agree or an upheld objection ends the procedure as rejected;
the announcement applies its effect (a household's status, the exit of a village or county) and nothing else does.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    HOUSEHOLD_IDENTIFICATION = "household_identification", _("贫困户识别")
    HOUSEHOLD_EXIT = "household_exit", _("贫困户退出")
    VILLAGE_EXIT = "village_exit", _("贫困村退出")
    COUNTY_EXIT = "county_exit", _("贫困县摘帽")
    RISK_ELIMINATION = "risk_elimination", _("监测对象风险消除")


class State(models.TextChoices):
    OPEN = "open", _("办理中")
    ANNOUNCED = "announced", _("已公告")
    REJECTED = "rejected", _("未通过")
    WITHDRAWN = "withdrawn", _("已撤回")


class StepType(models.TextChoices):
    APPRAISAL = "appraisal", _("民主评议")
    CONSENT = "consent", _("农户认可")
    NOTICE = "notice", _("公示")
    REVIEW = "review", _("审核")
    EVALUATION = "evaluation", _("专项评估")
    ANNOUNCEMENT = "announcement", _("公告")


@dataclass(frozen=True)
class Step:
    code: str
    type: str
    level: str  # the office that does it: an accounts Role of the division tree
    label: Promise


APPRAISAL = Step("appraisal", StepType.APPRAISAL, "village", _("村民主评议"))
CONSENT = Step("consent", StepType.CONSENT, "village", _("农户签字认可"))
VILLAGE_NOTICE = Step("village_notice", StepType.NOTICE, "village", _("村内公示"))
TOWNSHIP_REVIEW = Step("township_review", StepType.REVIEW, "township", _("乡镇审核"))
TOWNSHIP_NOTICE = Step("township_notice", StepType.NOTICE, "township", _("乡镇公示"))
COUNTY_REVIEW = Step("county_review", StepType.REVIEW, "county", _("县级审定"))
COUNTY_ANNOUNCEMENT = Step("county_announcement", StepType.ANNOUNCEMENT, "county", _("县级公告"))
CITY_REVIEW = Step("city_review", StepType.REVIEW, "city", _("市级初审"))
PROVINCE_EVALUATION = Step("province_evaluation", StepType.EVALUATION, "province", _("省级专项评估检查"))
PROVINCE_NOTICE = Step("province_notice", StepType.NOTICE, "province", _("省级公示"))
COUNTY_APPROVAL = Step("county_approval", StepType.ANNOUNCEMENT, "county", _("县级审定"))
PROVINCE_ANNOUNCEMENT = Step("province_announcement", StepType.ANNOUNCEMENT, "province", _("省政府批准公告"))

# 两公示一公告 for identification; appraisal, consent, notice and two reviews for a household's exit; township
# notice and county announcement for a village; city review, the province's evaluation check, notice and approval
# for a county.
FLOWS: dict[str, tuple[Step, ...]] = {
    Kind.HOUSEHOLD_IDENTIFICATION: (
        APPRAISAL,
        VILLAGE_NOTICE,
        TOWNSHIP_REVIEW,
        TOWNSHIP_NOTICE,
        COUNTY_REVIEW,
        COUNTY_ANNOUNCEMENT,
    ),
    Kind.HOUSEHOLD_EXIT: (
        APPRAISAL,
        CONSENT,
        VILLAGE_NOTICE,
        TOWNSHIP_REVIEW,
        COUNTY_REVIEW,
        COUNTY_ANNOUNCEMENT,
    ),
    Kind.VILLAGE_EXIT: (TOWNSHIP_NOTICE, COUNTY_REVIEW, COUNTY_ANNOUNCEMENT),
    Kind.COUNTY_EXIT: (CITY_REVIEW, PROVINCE_EVALUATION, PROVINCE_NOTICE, PROVINCE_ANNOUNCEMENT),
    Kind.RISK_ELIMINATION: (APPRAISAL, VILLAGE_NOTICE, TOWNSHIP_REVIEW, COUNTY_APPROVAL),
}
# Who proposes: the village task force for a household, the township for a village, the county for itself.
PROPOSER: dict[str, str] = {
    Kind.HOUSEHOLD_IDENTIFICATION: "village",
    Kind.HOUSEHOLD_EXIT: "village",
    Kind.VILLAGE_EXIT: "township",
    Kind.COUNTY_EXIT: "county",
    Kind.RISK_ELIMINATION: "village",
}
# The level of the area a procedure is about.
SUBJECT_LEVEL: dict[str, str] = {
    Kind.HOUSEHOLD_IDENTIFICATION: "village",
    Kind.HOUSEHOLD_EXIT: "village",
    Kind.VILLAGE_EXIT: "village",
    Kind.COUNTY_EXIT: "county",
    Kind.RISK_ELIMINATION: "village",
}
HOUSEHOLD_KINDS = (Kind.HOUSEHOLD_IDENTIFICATION, Kind.HOUSEHOLD_EXIT, Kind.RISK_ELIMINATION)
# The policy key of each kind's notice period (the monitoring procedures have their own).
NOTICE_KEYS: dict[str, str] = {Kind.RISK_ELIMINATION: "monitoring_notice_days"}
STEPS = {step.code: step for flow in FLOWS.values() for step in flow}

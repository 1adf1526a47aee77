"""Screenings of other departments' data and the registry, and the alerts they raise: one open alert per household
(or, for a person not in the registry, per person) and rule, with its evidence and its deadlines."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Rule(models.TextChoices):
    MEDICAL = "medical", _("医疗自付费用高")
    INCOME = "income", _("收入低于监测线")
    INCOME_DROP = "income_drop", _("收入大幅下降")
    DROPOUT = "dropout", _("义务教育辍学")
    HOUSING = "housing", _("住房鉴定为危房")
    DISABILITY = "disability", _("新增重度残疾")
    DISASTER = "disaster", _("灾害损失大")
    CIVIL = "civil", _("退出低保或特困")
    UNEMPLOYMENT = "unemployment", _("唯一务工人员失业")
    SELF_REPORT = "self_report", _("农户自主申报")


class AlertStatus(models.TextChoices):
    NEW = "new", _("待核查")
    CHECKING = "checking", _("核查中")
    NO_RISK = "no_risk", _("已排除")
    CASE = "case", _("已纳入监测")


OPEN_STATUSES = (AlertStatus.NEW, AlertStatus.CHECKING)


class Screening(models.Model):
    as_of = models.DateField(_("筛查日期"))
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    started_by = models.CharField(_("执行人"), max_length=150)
    households = models.PositiveIntegerField(_("筛查户数"), default=0)
    new = models.PositiveIntegerField(_("新增预警"), default=0)
    repeat = models.PositiveIntegerField(_("重复预警"), default=0)
    by_rule = models.JSONField(_("按规则"), default=dict)
    policy = models.JSONField(_("政策参数"), default=dict)
    seconds = models.FloatField(_("耗时（秒）"), null=True, blank=True)

    PRIVACY = dict.fromkeys(("id", "as_of", "started_at", "households", "new", "repeat", "by_rule", "policy",
                             "seconds"), "public") | {"started_by": "personal"}  # fmt: skip

    class Meta:
        ordering = ["-id"]
        verbose_name = _("筛查")

    def __str__(self) -> str:
        return f"{self.as_of} #{self.pk}"


class Alert(models.Model):
    rule = models.CharField(_("预警规则"), max_length=16, choices=Rule.choices)
    household = models.ForeignKey("registry.Household", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="alerts", verbose_name=_("户"))  # fmt: skip
    # A person found in a feed but not in the registry: a candidate ordinary rural household for a home check.
    person_index = models.CharField(max_length=64, blank=True)
    person_masked = models.CharField(_("身份证号"), max_length=18, blank=True)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("区划"))
    evidence = models.JSONField(_("依据"), default=dict)
    status = models.CharField(_("状态"), max_length=10, choices=AlertStatus.choices, default=AlertStatus.NEW)
    first_seen = models.DateField(_("首次发现"))
    last_seen = models.DateField(_("最近发现"))
    times_seen = models.PositiveIntegerField(_("发现次数"), default=1)
    first_check_due = models.DateField(_("首次核查时限"))
    conclusion_due = models.DateField(_("核查结论时限"))
    checked_on = models.DateField(_("首次核查日期"), null=True, blank=True)
    concluded_on = models.DateField(_("结论日期"), null=True, blank=True)
    finding = models.CharField(_("核查情况"), max_length=500, blank=True)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("核查人"))  # fmt: skip
    screening = models.ForeignKey(
        Screening, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    PRIVACY = dict.fromkeys(("id", "rule", "area", "status", "first_seen", "last_seen", "times_seen",
                             "first_check_due", "conclusion_due", "checked_on", "concluded_on", "screening",
                             "version"), "public") | {
        "household": "personal", "person_index": "sensitive", "person_masked": "personal", "evidence": "sensitive",
        "finding": "sensitive", "assigned_to": "personal"}  # fmt: skip

    class Meta:
        ordering = ["first_check_due", "id"]
        verbose_name = _("预警")
        constraints = [
            models.UniqueConstraint(fields=["household", "rule"],
                                    condition=Q(status__in=["new", "checking"], household__isnull=False),
                                    name="alert_one_open_per_household_rule"),
            models.UniqueConstraint(fields=["person_index", "rule"],
                                    condition=Q(status__in=["new", "checking"], household__isnull=True),
                                    name="alert_one_open_per_person_rule"),
        ]  # fmt: skip
        indexes = [models.Index(fields=["area", "status"], name="alert_area_status")]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} #{self.pk}"

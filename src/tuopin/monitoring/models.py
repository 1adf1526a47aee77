"""Screenings of other departments' data and the registry, and the alerts they raise: one open alert per household
(or, for a person not in the registry, per person) and rule, with its evidence and its deadlines; a public
self-report not matched to a household, one per village and phone."""

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

    PRIVACY = dict.fromkeys(
        ("id", "as_of", "started_at", "households", "new", "repeat", "by_rule", "policy", "seconds"), "public"
    ) | {"started_by": "personal"}

    class Meta:
        ordering = ["-id"]
        verbose_name = _("筛查")

    def __str__(self) -> str:
        return f"{self.as_of} #{self.pk}"


class Alert(models.Model):
    rule = models.CharField(_("预警规则"), max_length=16, choices=Rule.choices)
    household = models.ForeignKey(
        "registry.Household",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alerts",
        verbose_name=_("户"),
    )
    # A person found in a feed but not in the registry: a candidate ordinary rural household for a home check.
    person_index = models.CharField(max_length=80, blank=True)  # a blind index, or "phone:" and one
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
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("核查人"),
    )
    screening = models.ForeignKey(
        Screening, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    case = models.ForeignKey(
        "monitoring.Case",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alerts",
        verbose_name=_("监测对象"),
    )
    version = models.PositiveIntegerField(default=1)

    PRIVACY = dict.fromkeys(
        (
            "id",
            "rule",
            "area",
            "status",
            "first_seen",
            "last_seen",
            "times_seen",
            "first_check_due",
            "conclusion_due",
            "checked_on",
            "concluded_on",
            "screening",
            "case",
            "version",
        ),
        "public",
    ) | {
        "household": "personal",
        "person_index": "sensitive",
        "person_masked": "personal",
        "evidence": "sensitive",
        "finding": "sensitive",
        "assigned_to": "personal",
    }

    class Meta:
        ordering = ["first_check_due", "id"]
        verbose_name = _("预警")
        constraints = [
            models.UniqueConstraint(
                fields=["household", "rule"],
                condition=Q(status__in=["new", "checking"], household__isnull=False),
                name="alert_one_open_per_household_rule",
            ),
            models.UniqueConstraint(
                fields=["person_index", "rule"],
                condition=Q(status__in=["new", "checking"], household__isnull=True) & ~Q(rule="self_report"),
                name="alert_one_open_per_person_rule",
            ),
            # A phone may report for more than one village: each village gets its own alert, never another's.
            models.UniqueConstraint(
                fields=["area", "person_index"],
                condition=Q(status__in=["new", "checking"], household__isnull=True, rule="self_report"),
                name="alert_one_open_self_report_per_village_phone",
            ),
        ]
        indexes = [models.Index(fields=["area", "status"], name="alert_area_status")]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} #{self.pk}"


class CaseType(models.TextChoices):
    UNSTABLE = "unstable", _("脱贫不稳定户")
    MARGINAL = "marginal", _("边缘易致贫户")
    SUDDEN = "sudden", _("突发严重困难户")


class RiskType(models.TextChoices):
    ILLNESS = "illness", _("因病")
    DISABILITY = "disability", _("因残")
    SCHOOLING = "schooling", _("因学")
    DISASTER = "disaster", _("因灾")
    ACCIDENT = "accident", _("因意外事故")
    EMPLOYMENT = "employment", _("因就业")
    INDUSTRY = "industry", _("因产业")
    OTHER = "other", _("其他")


class CaseState(models.TextChoices):
    MONITORING = "monitoring", _("监测帮扶中")
    ELIMINATED = "eliminated", _("风险已消除")


class Case(models.Model):
    """A household under monitoring: opened after a verified alert (or a cadre's own finding), helped with measures,
    closed when its risk is eliminated through the procedure, reopened when the risk returns."""

    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="cases", verbose_name=_("户")
    )
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("区划"))
    type = models.CharField(_("监测对象类型"), max_length=10, choices=CaseType.choices)
    risk_types = models.JSONField(_("风险类型"), default=list)
    state = models.CharField(
        _("状态"), max_length=12, choices=CaseState.choices, default=CaseState.MONITORING
    )
    visited_on = models.DateField(_("入户核实日期"))
    visited_by = models.CharField(_("核实人"), max_length=100)
    authorisation_signed = models.BooleanField(_("已签署数据授权"))
    verification = models.CharField(_("核实情况"), max_length=500)
    opened_on = models.DateField(_("纳入监测日期"))
    opened_by = models.CharField(_("纳入人"), max_length=150)
    eliminated_on = models.DateField(_("风险消除日期"), null=True, blank=True)
    reopened = models.PositiveSmallIntegerField(_("重新纳入次数"), default=0)
    version = models.PositiveIntegerField(default=1)

    PRIVACY = dict.fromkeys(
        ("id", "area", "type", "state", "opened_on", "eliminated_on", "reopened", "version"), "public"
    ) | {
        "household": "personal",
        "risk_types": "sensitive",
        "visited_on": "personal",
        "visited_by": "personal",
        "authorisation_signed": "personal",
        "verification": "sensitive",
        "opened_by": "personal",
    }

    class Meta:
        ordering = ["-opened_on", "-id"]
        verbose_name = _("监测对象")
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=Q(state="monitoring"), name="case_one_open_per_household"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} #{self.pk}"


class CaseEvent(models.Model):
    """The case's timeline: opened, a measure, an elimination check, eliminated, reopened."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事项"), max_length=16)
    on = models.DateField(_("日期"))
    text = models.CharField(_("内容"), max_length=500)
    amount = models.DecimalField(_("金额"), max_digits=12, decimal_places=2, null=True, blank=True)
    data = models.JSONField(default=dict)
    actor = models.CharField(_("经办人"), max_length=150)
    at = models.DateTimeField(auto_now_add=True)

    PRIVACY = dict.fromkeys(("id", "case", "kind", "on", "at"), "public") | {
        "text": "sensitive",
        "amount": "personal",
        "data": "sensitive",
        "actor": "personal",
    }

    class Meta:
        ordering = ["case", "on", "id"]
        verbose_name = _("监测记录")

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.on}"


class SelfReport(models.Model):
    """A report from the public form (a household or a neighbour, no sign-in): it becomes an alert for the village.
    The phone is kept encrypted; the reporter's address only as a blind index, for the rate limit."""

    village = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("村")
    )
    name = models.CharField(_("姓名"), max_length=50)
    phone_encrypted = models.TextField()
    phone_masked = models.CharField(_("联系电话"), max_length=20)
    phone_index = models.CharField(max_length=64, db_index=True)
    text = models.CharField(_("情况说明"), max_length=500)
    client_index = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    alert = models.ForeignKey(Alert, null=True, on_delete=models.SET_NULL, related_name="reports")

    PRIVACY = dict.fromkeys(("id", "village", "created_at", "alert"), "public") | {
        "name": "personal",
        "phone_encrypted": "sensitive",
        "phone_masked": "personal",
        "phone_index": "sensitive",
        "text": "sensitive",
        "client_index": "sensitive",
    }

    class Meta:
        ordering = ["-id"]
        verbose_name = _("自主申报")

    def __str__(self) -> str:
        return f"{self.village_id} {self.created_at:%Y-%m-%d}"

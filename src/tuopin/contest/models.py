"""Indicator systems and their runs, arena contest rounds, their judges and score sheets.

An indicator system is policy-like data: every edit is a new immutable version (its definition as JSON, with the
source it cites), so a run names the exact version it scored with. A run computes every indicator of a version for
the contestant areas on a frozen snapshot and stores the values, the policy values read and a checksum of its input,
so a past ranking is reproduced exactly. A round is draft → open for scoring → closed → published; a published round
never changes: a late correction is a new revision of it (`supersedes`), audited.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Method(models.TextChoices):
    LINEAR = "linear", _("线性插值")
    RANK = "rank", _("按名次")
    PASS_FAIL = "pass_fail", _("达标与否")


class Direction(models.TextChoices):
    HIGHER = "higher", _("越高越好")
    LOWER = "lower", _("越低越好")


class IndicatorSystem(models.Model):
    """A named indicator system; its content lives in its versions. `owner` is the province office that edits it
    (None for the systems Tuopin ships, which every office may use and copy)."""

    key = models.SlugField(_("代码"), max_length=60, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(
        _("考核对象层级"), max_length=10
    )  # the level of the areas it scores (county, township)
    owner = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("维护单位"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    PRIVACY = dict.fromkeys(("id", "key", "name", "level", "owner", "created_at"), "public")

    class Meta:
        ordering = ["key"]
        verbose_name = _("指标体系")

    def __str__(self) -> str:
        return self.name


class SystemVersion(models.Model):
    """One immutable version of a system: groups of weighted indicators (see tuopin.contest.systems for the
    definition's shape), the source it cites, who made it and when."""

    system = models.ForeignKey(IndicatorSystem, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField(_("版本"))
    definition = models.JSONField(_("定义"))
    source = models.CharField(_("依据"), max_length=300)
    note = models.CharField(_("修改说明"), max_length=300, blank=True)
    created_by = models.CharField(_("修改人"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("修改时间"), auto_now_add=True)

    PRIVACY = dict.fromkeys(
        ("id", "system", "version", "definition", "source", "note", "created_at"), "public"
    ) | {"created_by": "personal"}

    class Meta:
        ordering = ["system", "-version"]
        verbose_name = _("指标体系版本")
        constraints = [models.UniqueConstraint(fields=["system", "version"], name="contest_system_version")]

    def __str__(self) -> str:
        return f"{self.system.name} v{self.version}"


class EnteredValue(models.Model):
    """A value of an entered indicator (a third party's score, a survey's satisfaction) for an area and a year,
    imported from Excel through the ledger `contest_values`; a new import of the same key replaces it, audited."""

    system = models.ForeignKey(IndicatorSystem, on_delete=models.PROTECT, related_name="entered")
    indicator = models.CharField(_("指标代码"), max_length=60)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("区划"))
    year = models.PositiveIntegerField(_("年度"))
    value = models.DecimalField(_("数值"), max_digits=14, decimal_places=4)
    source = models.CharField(_("来源"), max_length=200)
    entered_by = models.CharField(_("录入人"), max_length=150)
    entered_at = models.DateTimeField(_("录入时间"), auto_now=True)

    PRIVACY = dict.fromkeys(
        ("id", "system", "indicator", "area", "year", "value", "source", "entered_at"), "public"
    ) | {"entered_by": "personal"}

    class Meta:
        ordering = ["system", "indicator", "area", "year"]
        verbose_name = _("录入指标值")
        constraints = [
            models.UniqueConstraint(
                fields=["system", "indicator", "area", "year"], name="contest_entered_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.area_id} {self.year}: {self.value}"


class IndicatorRun(models.Model):
    """The indicators of one system version computed for a set of areas and a year, on a frozen snapshot."""

    version = models.ForeignKey(SystemVersion, on_delete=models.PROTECT, related_name="runs")
    organiser = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("组织单位")
    )
    year = models.PositiveIntegerField(_("年度"))
    as_of = models.DateField(_("数据截至"))
    policy_values = models.JSONField(_("政策参数"), default=dict)
    checksum = models.CharField(_("输入校验和"), max_length=64)
    created_by = models.CharField(_("计算人"), max_length=150)
    created_at = models.DateTimeField(_("计算时间"), auto_now_add=True)

    PRIVACY = dict.fromkeys(
        ("id", "version", "organiser", "year", "as_of", "policy_values", "checksum", "created_at"), "public"
    ) | {"created_by": "personal"}

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("指标计算")

    def __str__(self) -> str:
        return f"{self.version} {self.organiser_id} {self.year}"


class IndicatorValue(models.Model):
    """One indicator's value for one area in a run, its 0–100 score and where the value came from."""

    run = models.ForeignKey(IndicatorRun, on_delete=models.CASCADE, related_name="values")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    indicator = models.CharField(_("指标代码"), max_length=60)
    value = models.DecimalField(_("数值"), max_digits=14, decimal_places=4, null=True)  # None: no data
    score = models.DecimalField(_("得分"), max_digits=7, decimal_places=2)
    details = models.JSONField(_("计算依据"), default=dict)  # numerator, denominator, source

    PRIVACY = dict.fromkeys(("id", "run", "area", "indicator", "value", "score", "details"), "public")

    class Meta:
        ordering = ["run", "area", "indicator"]
        constraints = [models.UniqueConstraint(fields=["run", "area", "indicator"], name="contest_value_key")]

    def __str__(self) -> str:
        return f"{self.indicator} {self.area_id}: {self.value}"


class RoundLevel(models.TextChoices):
    PROVINCE = "province", _("省级擂台赛（县委书记）")
    COUNTY = "county", _("县级擂台赛（乡镇党委书记）")


class RoundState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("评分中")
    CLOSED = "closed", _("评分结束")
    PUBLISHED = "published", _("已通报")


class SpeechType(models.TextChoices):
    EXCHANGE = "exchange", _("交流发言")
    REVIEW = "review", _("检视发言")


class Round(models.Model):
    """One arena contest: who speaks, who judges, the score sheet, how scores become a ranking and grades."""

    title = models.CharField(_("名称"), max_length=200)
    level = models.CharField(_("层级"), max_length=10, choices=RoundLevel.choices)
    held_on = models.DateField(_("日期"))
    organiser = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("组织单位")
    )
    items = models.JSONField(_("评分表"))  # [{"name": "汇报", "max": 100}, …]
    trim = models.BooleanField(_("去掉一个最高分和一个最低分"), default=True)
    w_judges = models.DecimalField(
        _("评委评分权重"),
        max_digits=5,
        decimal_places=4,
        default=Decimal(1),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    w_indicators = models.DecimalField(
        _("指标得分权重"),
        max_digits=5,
        decimal_places=4,
        default=Decimal(0),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    grading = models.JSONField(
        _("评定等次")
    )  # {"method": "thresholds"|"shares", "grades": [[name, number], …], …}
    run = models.ForeignKey(
        IndicatorRun,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rounds",
        verbose_name=_("指标计算"),
    )
    name_judges = models.BooleanField(_("通报中列出评委姓名"), default=False)
    state = models.CharField(_("状态"), max_length=10, choices=RoundState.choices, default=RoundState.DRAFT)
    revision = models.PositiveIntegerField(_("修订"), default=1)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    reason = models.CharField(_("修订原因"), max_length=300, blank=True)
    created_by = models.CharField(_("创建人"), max_length=150)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    published_at = models.DateTimeField(_("通报时间"), null=True, blank=True)
    # The ranking frozen at publication (contest.services.round_publish): what a published round shows for ever.
    placings = models.JSONField(_("通报名次"), default=list, blank=True)

    PRIVACY = dict.fromkeys(
        (
            "id",
            "title",
            "level",
            "held_on",
            "organiser",
            "items",
            "trim",
            "w_judges",
            "w_indicators",
            "grading",
            "run",
            "name_judges",
            "state",
            "revision",
            "supersedes",
            "reason",
            "created_at",
            "published_at",
            "placings",
        ),
        "public",
    ) | {"created_by": "personal"}

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("擂台赛")
        indexes = [models.Index(fields=["organiser", "state"], name="contest_round_scope")]

    def __str__(self) -> str:
        return self.title


class Contestant(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="contestants")
    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("参赛区划")
    )
    speaker = models.CharField(_("发言人"), max_length=100)
    speech = models.CharField(
        _("发言类型"), max_length=10, choices=SpeechType.choices, default=SpeechType.EXCHANGE
    )
    position = models.PositiveIntegerField(_("发言顺序"))
    indicator_score = models.DecimalField(
        _("指标得分"), max_digits=7, decimal_places=2, null=True, blank=True
    )

    PRIVACY = dict.fromkeys(("id", "round", "area", "speech", "position", "indicator_score"), "public") | {
        "speaker": "personal"
    }

    class Meta:
        ordering = ["round", "position"]
        constraints = [models.UniqueConstraint(fields=["round", "area"], name="contest_contestant_once")]

    def __str__(self) -> str:
        return f"{self.area_id} {self.speaker}"


class Judge(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="judges")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="judgings")
    label = models.CharField(
        _("评委"), max_length=40
    )  # 评委1 …: what a report shows when judges are not named

    PRIVACY = {"id": "public", "round": "public", "user": "personal", "label": "public"}

    class Meta:
        ordering = ["round", "label"]
        constraints = [models.UniqueConstraint(fields=["round", "user"], name="contest_judge_once")]

    def __str__(self) -> str:
        return self.label


class Sheet(models.Model):
    """One judge's scores for one contestant; changed only until the round closes, each change audited."""

    judge = models.ForeignKey(Judge, on_delete=models.CASCADE, related_name="sheets")
    contestant = models.ForeignKey(Contestant, on_delete=models.CASCADE, related_name="sheets")
    scores = models.JSONField(_("各项得分"))  # {"汇报": "88.5", "答问": "18"} (decimal strings)
    submitted_at = models.DateTimeField(_("提交时间"), auto_now=True)

    PRIVACY = dict.fromkeys(("id", "judge", "contestant", "scores", "submitted_at"), "public")

    class Meta:
        ordering = ["contestant", "judge"]
        constraints = [models.UniqueConstraint(fields=["judge", "contestant"], name="contest_sheet_once")]

    def __str__(self) -> str:
        return f"{self.judge_id} {self.contestant_id}"

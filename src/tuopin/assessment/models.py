"""Stored assessment runs: what was assessed, with which policy values and inputs, and the result for every area.
The decisions per household are kept beside the run as a Parquet file in the data directory (a run over a province
holds millions of them), read back for one village at a time."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    RUNNING = "running", _("运行中")
    DONE = "done", _("完成")
    FAILED = "failed", _("失败")


class Run(models.Model):
    year = models.PositiveSmallIntegerField(_("年度"))
    area = models.CharField(_("区划"), max_length=12, blank=True, help_text=_("空为全部"))
    engine = models.CharField(_("引擎"), max_length=10)
    status = models.CharField(_("状态"), max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    policy = models.JSONField(_("政策参数"), default=dict)  # the profile of each province, with sources
    checksum = models.CharField(_("输入校验和"), max_length=64, blank=True)
    assessed = models.PositiveIntegerField(_("评估户数"), default=0)
    may_exit = models.PositiveIntegerField(_("符合退出条件户数"), default=0)
    seconds = models.FloatField(_("耗时（秒）"), null=True, blank=True)

    PRIVACY = dict.fromkeys(
        (
            "id",
            "year",
            "area",
            "engine",
            "status",
            "started_at",
            "finished_at",
            "policy",
            "checksum",
            "assessed",
            "may_exit",
            "seconds",
        ),
        "public",
    ) | {"started_by": "personal"}

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("评估")

    def __str__(self) -> str:
        return f"{self.year} {self.area or '*'} #{self.pk}"


class AreaResult(models.Model):
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="areas")
    code = models.CharField(_("代码"), max_length=12)
    level = models.CharField(_("级别"), max_length=10)
    rural_population = models.PositiveIntegerField(_("农村人口"), null=True, blank=True)
    poor_persons = models.PositiveIntegerField(_("贫困人口"))
    households = models.PositiveIntegerField(_("评估户数"), default=0)
    may_exit_households = models.PositiveIntegerField(_("符合退出条件户数"), default=0)
    incidence = models.FloatField(_("贫困发生率"), null=True, blank=True)
    may_exit = models.BooleanField(_("可以退出"), null=True, blank=True)
    reasons = models.JSONField(_("理由"), default=list)

    PRIVACY = dict.fromkeys(
        (
            "id",
            "run",
            "code",
            "level",
            "rural_population",
            "poor_persons",
            "households",
            "may_exit_households",
            "incidence",
            "may_exit",
            "reasons",
        ),
        "public",
    )

    class Meta:
        ordering = ["run_id", "code"]
        constraints = [models.UniqueConstraint(fields=["run", "code"], name="arearesult_unique_run_code")]
        verbose_name = _("区划评估结果")

    def __str__(self) -> str:
        return f"{self.run_id} {self.code}"


class CountyEvaluation(models.Model):
    """The special evaluation of a county's exit (POLICY.md §4): samples and counts as recorded by the evaluators;
    the three rates are computed from them by the rules, never typed."""

    county = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("县"))
    year = models.PositiveSmallIntegerField(_("年度"))
    sampled_exited = models.PositiveIntegerField(_("抽查已脱贫人口"))
    wrong_exits = models.PositiveIntegerField(_("错退人口"))
    sampled_unregistered = models.PositiveIntegerField(_("抽查未建档农村人口"))
    missed = models.PositiveIntegerField(_("漏评人口"))
    surveyed_households = models.PositiveIntegerField(_("调查户数"))
    approving_households = models.PositiveIntegerField(_("认可户数"))
    evaluated_on = models.DateField(_("评估日期"))
    evaluator = models.CharField(_("评估机构"), max_length=100)
    recorded_by = models.CharField(_("录入人"), max_length=150)
    recorded_at = models.DateTimeField(_("录入时间"), auto_now=True)
    version = models.PositiveIntegerField(default=1)

    PRIVACY = dict.fromkeys(
        (
            "id",
            "county",
            "year",
            "sampled_exited",
            "wrong_exits",
            "sampled_unregistered",
            "missed",
            "surveyed_households",
            "approving_households",
            "evaluated_on",
            "evaluator",
            "recorded_at",
            "version",
        ),
        "public",
    ) | {"recorded_by": "personal"}

    class Meta:
        ordering = ["-year", "county_id"]
        constraints = [
            models.UniqueConstraint(fields=["county", "year"], name="countyevaluation_one_per_year")
        ]
        verbose_name = _("贫困县退出专项评估")

    def __str__(self) -> str:
        return f"{self.county_id} {self.year}"

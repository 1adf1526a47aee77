"""A procedure (identification or exit of a household, exit of a village or county), the steps done so far, and the
objections raised during its notices. The steps are the procedure's history: who did what, on which date, with what
result; nothing is overwritten."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tuopin.procedures.flows import FLOWS, STEPS, Kind, State
from tuopin.procedures.flows import Step as StepDef


class Procedure(models.Model):
    kind = models.CharField(_("程序"), max_length=32, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("区划"))
    household = models.ForeignKey(
        "registry.Household",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="procedures",
        verbose_name=_("户"),
    )
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.OPEN)
    position = models.PositiveSmallIntegerField(_("当前步骤"), default=0)  # steps done so far
    notice_started_on = models.DateField(_("公示开始"), null=True, blank=True)
    notice_ends_on = models.DateField(_("公示期满"), null=True, blank=True)
    started_on = models.DateField(_("提出日期"))
    started_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    started_by = models.CharField(_("提出人"), max_length=150)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    outcome = models.CharField(_("结果说明"), max_length=300, blank=True)
    evidence = models.JSONField(_("提出依据"), default=dict)  # the decision and reasons when proposed
    version = models.PositiveIntegerField(default=1)

    PRIVACY = dict.fromkeys(
        (
            "id",
            "kind",
            "year",
            "area",
            "state",
            "position",
            "notice_started_on",
            "notice_ends_on",
            "started_on",
            "started_at",
            "closed_on",
            "version",
        ),
        "public",
    ) | {"household": "personal", "started_by": "personal", "outcome": "personal", "evidence": "personal"}

    class Meta:
        ordering = ["-id"]
        verbose_name = _("程序")
        constraints = [
            # One open procedure per household, and per area and kind for villages and counties.
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(state="open", household__isnull=False),
                name="procedure_one_open_per_household",
            ),
            models.UniqueConstraint(
                fields=["kind", "area"],
                condition=Q(state="open", household__isnull=True),
                name="procedure_one_open_per_area",
            ),
        ]
        indexes = [models.Index(fields=["area", "state"], name="procedure_area_state")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def flow(self) -> tuple[StepDef, ...]:
        return FLOWS[self.kind]

    @property
    def current(self) -> StepDef | None:
        """The step to do next (None once closed)."""
        return (
            self.flow[self.position] if self.state == State.OPEN and self.position < len(self.flow) else None
        )


class Step(models.Model):
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="steps")
    code = models.CharField(_("步骤"), max_length=32)
    passed = models.BooleanField(_("通过"))
    on = models.DateField(_("日期"))
    data = models.JSONField(_("记录"), default=dict)
    note = models.CharField(_("意见"), max_length=300, blank=True)
    actor = models.CharField(_("经办人"), max_length=150)
    at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    PRIVACY = dict.fromkeys(("id", "procedure", "code", "passed", "on", "at"), "public") | {
        "data": "personal",
        "note": "personal",
        "actor": "personal",
    }

    class Meta:
        ordering = ["procedure", "id"]
        verbose_name = _("程序步骤")

    def __str__(self) -> str:
        return f"{self.procedure_id} {self.code}"

    @property
    def label(self) -> str:
        return str(STEPS[self.code].label) if self.code in STEPS else self.code


class Objection(models.Model):
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="objections")
    step = models.CharField(_("公示"), max_length=32)
    raised_on = models.DateField(_("提出日期"))
    raised_by = models.CharField(_("提出人"), max_length=100, blank=True)
    content = models.CharField(_("异议内容"), max_length=500)
    recorded_by = models.CharField(_("录入人"), max_length=150)
    resolved_on = models.DateField(_("核实日期"), null=True, blank=True)
    upheld = models.BooleanField(_("异议成立"), null=True, blank=True)
    resolution = models.CharField(_("核实结论"), max_length=500, blank=True)
    resolved_by = models.CharField(_("核实人"), max_length=150, blank=True)

    PRIVACY = dict.fromkeys(("id", "procedure", "step", "raised_on", "resolved_on", "upheld"), "public") | {
        "raised_by": "personal",
        "content": "personal",
        "recorded_by": "personal",
        "resolution": "personal",
        "resolved_by": "personal",
    }

    class Meta:
        ordering = ["procedure", "id"]
        verbose_name = _("公示异议")

    def __str__(self) -> str:
        return f"{self.procedure_id} {self.raised_on}"

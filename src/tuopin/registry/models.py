"""Households, members and yearly incomes of the registry (建档立卡), and the history of every change.

ID numbers, phones and bank accounts are kept encrypted (tuopin.core.crypto) with a masked copy for display; the ID
number also has a blind index for exact lookup and for "one person, one household". Net and per-capita income
are derived, never stored.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tuopin.registry.income import INCOME_FIELDS, gross_income, net_income
from tuopin.registry.vocab import (
    Category,
    Cause,
    DisabilityGrade,
    Education,
    Ethnicity,
    Health,
    HousingSafety,
    Labour,
    PopulationType,
    Relation,
    SchoolStatus,
    Sex,
    Standard,
    Status,
    WorkStatus,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def money(label: StrOrPromise) -> models.DecimalField[Decimal, Decimal]:
    return models.DecimalField(label, max_digits=12, decimal_places=2, default=Decimal("0"))


class Household(models.Model):
    number = models.CharField(_("户编号"), max_length=32, unique=True)
    village = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("村")
    )
    head = models.ForeignKey(
        "Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("户主")
    )
    category = models.CharField(_("贫困户属性"), max_length=16, choices=Category.choices, blank=True)
    standard = models.CharField(_("识别标准"), max_length=16, choices=Standard.choices, blank=True)
    main_cause = models.CharField(_("主要致贫原因"), max_length=16, choices=Cause.choices, blank=True)
    other_cause_1 = models.CharField(_("其他致贫原因1"), max_length=16, choices=Cause.choices, blank=True)
    other_cause_2 = models.CharField(_("其他致贫原因2"), max_length=16, choices=Cause.choices, blank=True)
    population_type = models.CharField(_("人口类型"), max_length=16, choices=PopulationType.choices)
    identification_year = models.PositiveSmallIntegerField(_("识别年度"), null=True, blank=True)
    # Blank for households that were never registered poor (a monitored or ordinary household has no exit).
    status = models.CharField(
        _("脱贫状态"), max_length=16, choices=Status.choices, default=Status.POOR, blank=True
    )
    exit_year = models.PositiveSmallIntegerField(_("脱贫年度"), null=True, blank=True)
    housing_area = models.DecimalField(_("住房面积"), max_digits=8, decimal_places=2, null=True, blank=True)
    housing_structure = models.CharField(_("住房结构"), max_length=32, blank=True)
    housing_safety = models.CharField(
        _("住房安全等级"), max_length=1, choices=HousingSafety.choices, blank=True
    )
    relocated = models.BooleanField(_("易地搬迁"), default=False)
    water_safe = models.BooleanField(_("饮水安全"), null=True, blank=True)
    electricity = models.BooleanField(_("通生活用电"), null=True, blank=True)
    road = models.BooleanField(_("通硬化路"), null=True, blank=True)
    phone_encrypted = models.TextField(blank=True)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True)
    bank_account_encrypted = models.TextField(blank=True)
    bank_account_masked = models.CharField(_("银行账号"), max_length=40, blank=True)
    # Set when the household was merged into another (合户); it then leaves lists and counts, its history stays.
    # No index: nothing looks households up by it, and an index on a column that is almost always NULL lures
    # SQLite's planner (without statistics) into reading every household for "merged_into IS NULL".
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("并入户"),
        db_index=False,
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    PRIVACY = {
        "id": "public",
        "number": "personal",
        "village": "public",
        "head": "personal",
        "category": "sensitive",
        "standard": "public",
        "main_cause": "sensitive",
        "other_cause_1": "sensitive",
        "other_cause_2": "sensitive",
        "population_type": "sensitive",
        "identification_year": "personal",
        "status": "sensitive",
        "exit_year": "personal",
        "housing_area": "personal",
        "housing_structure": "personal",
        "housing_safety": "personal",
        "relocated": "personal",
        "water_safe": "personal",
        "electricity": "personal",
        "road": "personal",
        "phone_encrypted": "sensitive",
        "phone_masked": "personal",
        "bank_account_encrypted": "sensitive",
        "bank_account_masked": "personal",
        "version": "public",
        "created_at": "public",
        "updated_at": "public",
        "merged_into": "personal",
    }

    class Meta:
        ordering = ["number"]
        verbose_name = _("贫困户")
        indexes = [
            models.Index(fields=["village", "number"], name="household_village_number"),
            # A status filter walks this in the list's order (village, number) and stops after one page.
            models.Index(fields=["status", "village", "number"], name="household_status_village"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def other_causes(self) -> list[str]:
        return [cause for cause in (self.other_cause_1, self.other_cause_2) if cause]


class Member(models.Model):
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="members")
    name = models.CharField(_("姓名"), max_length=60)
    id_encrypted = models.TextField()
    id_index = models.CharField(max_length=64, db_index=True)
    id_masked = models.CharField(_("身份证号"), max_length=18)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    relation = models.CharField(_("与户主关系"), max_length=20, choices=Relation.choices)
    ethnicity = models.CharField(_("民族"), max_length=2, choices=Ethnicity.choices, default=Ethnicity.HAN)
    education = models.CharField(_("文化程度"), max_length=16, choices=Education.choices, blank=True)
    school_status = models.CharField(_("在校生状况"), max_length=20, choices=SchoolStatus.choices, blank=True)
    health = models.CharField(_("健康状况"), max_length=16, choices=Health.choices, default=Health.HEALTHY)
    health_2 = models.CharField(_("健康状况2"), max_length=16, choices=Health.choices, blank=True)
    disability_grade = models.PositiveSmallIntegerField(
        _("残疾等级"), choices=DisabilityGrade.choices, null=True, blank=True
    )
    labour = models.CharField(_("劳动能力"), max_length=16, choices=Labour.choices, blank=True)
    work_status = models.CharField(_("务工状况"), max_length=16, choices=WorkStatus.choices, blank=True)
    medical_insurance = models.BooleanField(_("参加医保"), default=False)
    pension_insurance = models.BooleanField(_("参加养老保险"), default=False)
    dibao = models.BooleanField(_("低保人口"), default=False)
    left_on = models.DateField(_("减员日期"), null=True, blank=True)
    left_reason = models.CharField(_("减员原因"), max_length=100, blank=True)
    version = models.PositiveIntegerField(default=1)

    PRIVACY = {
        "id": "public",
        "household": "personal",
        "name": "personal",
        "id_encrypted": "sensitive",
        "id_index": "sensitive",
        "id_masked": "personal",
        "sex": "personal",
        "birth_date": "personal",
        "relation": "personal",
        "ethnicity": "sensitive",
        "education": "personal",
        "school_status": "personal",
        "health": "sensitive",
        "health_2": "sensitive",
        "disability_grade": "sensitive",
        "labour": "personal",
        "work_status": "personal",
        "medical_insurance": "personal",
        "pension_insurance": "personal",
        "dibao": "sensitive",
        "left_on": "personal",
        "left_reason": "personal",
        "version": "public",
    }

    class Meta:
        ordering = ["household_id", "id"]
        verbose_name = _("家庭成员")
        indexes = [
            # Name search is a prefix match (core.lookups): PostgreSQL answers LIKE 'name%' from pattern ops.
            models.Index(fields=["name"], name="member_name", opclasses=["varchar_pattern_ops"]),
        ]
        constraints = [
            # One person, one household: among current members an ID appears once.
            models.UniqueConstraint(
                fields=["id_index"], condition=Q(left_on__isnull=True), name="member_one_household"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.id_masked})"

    @property
    def health_conditions(self) -> list[str]:
        return [h for h in (self.health, self.health_2) if h]


class Income(models.Model):
    """One household's income in one year (yuan). Net income is tuopin.registry.income's rule."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="incomes")
    year = models.PositiveSmallIntegerField(_("年度"))
    wage = money(_("工资性收入"))
    business = money(_("生产经营性收入"))
    property_income = money(_("财产性收入"))
    transfer = money(_("转移性收入"))
    costs = money(_("生产经营支出"))
    version = models.PositiveIntegerField(default=1)

    PRIVACY = dict.fromkeys(
        ("id", "household", "year", "wage", "business", "property_income", "transfer", "costs", "version"),
        "sensitive",
    )

    class Meta:
        ordering = ["household_id", "year"]
        verbose_name = _("收入")
        constraints = [models.UniqueConstraint(fields=["household", "year"], name="income_one_per_year")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.year}"

    def _components(self) -> dict[str, Decimal]:
        return {name: getattr(self, name) for name in INCOME_FIELDS}

    @property
    def total(self) -> Decimal:
        return gross_income(self._components())

    @property
    def net(self) -> Decimal:
        return net_income(self._components())


class Change(models.Model):
    """One entry of a household's history: what changed on which record, by whom, when and why. Append-only."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="changes")
    at = models.DateTimeField(_("时间"), db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor = models.CharField(_("操作人"), max_length=150)
    action = models.CharField(_("操作"), max_length=32)
    object_type = models.CharField(_("对象类型"), max_length=16)
    object_id = models.BigIntegerField(null=True, blank=True)
    object_label = models.CharField(_("对象"), max_length=100, blank=True)
    fields = models.JSONField(_("变更"), default=dict)  # {field: [old, new]}, ID numbers masked
    reason = models.CharField(_("原因"), max_length=200)

    PRIVACY = {
        "id": "public",
        "household": "personal",
        "at": "public",
        "actor_id": "personal",
        "actor": "personal",
        "action": "public",
        "object_type": "public",
        "object_id": "public",
        "object_label": "personal",
        "fields": "sensitive",
        "reason": "personal",
    }

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("变更记录")

    def __str__(self) -> str:
        return f"{self.household_id} {self.action} {self.at:%Y-%m-%d}"

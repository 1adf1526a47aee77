from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tuopin.core.forms import TextCheckedForm, blank_choices
from tuopin.registry.vocab import (
    Category,
    Cause,
    Education,
    Ethnicity,
    Health,
    HousingSafety,
    Labour,
    PopulationType,
    Relation,
    SchoolStatus,
    Standard,
    Status,
)


class HouseholdFilterForm(TextCheckedForm):
    q = forms.CharField(label=_("姓名、户编号或完整身份证号"), required=False, max_length=40)
    area = forms.CharField(label=_("区划代码"), required=False, max_length=12)
    category = forms.ChoiceField(label=_("贫困户属性"), required=False, choices=blank_choices(Category))
    cause = forms.ChoiceField(label=_("致贫原因"), required=False, choices=blank_choices(Cause))
    status = forms.ChoiceField(label=_("脱贫状态"), required=False, choices=blank_choices(Status))
    population_type = forms.ChoiceField(
        label=_("人口类型"), required=False, choices=blank_choices(PopulationType)
    )
    year = forms.IntegerField(label=_("识别年度"), required=False, min_value=2000, max_value=2100)


YES_NO_UNKNOWN = [("", "—"), ("true", _("是")), ("false", _("否"))]


class HouseholdEditForm(TextCheckedForm):
    """The household's conditions. Status is changed only by the exit and monitoring workflows."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    category = forms.ChoiceField(label=_("贫困户属性"), required=False, choices=blank_choices(Category))
    standard = forms.ChoiceField(label=_("识别标准"), required=False, choices=blank_choices(Standard))
    main_cause = forms.ChoiceField(label=_("主要致贫原因"), required=False, choices=blank_choices(Cause))
    other_cause_1 = forms.ChoiceField(label=_("其他致贫原因1"), required=False, choices=blank_choices(Cause))
    other_cause_2 = forms.ChoiceField(label=_("其他致贫原因2"), required=False, choices=blank_choices(Cause))
    housing_safety = forms.ChoiceField(
        label=_("住房安全等级"), required=False, choices=blank_choices(HousingSafety)
    )
    relocated = forms.BooleanField(label=_("易地搬迁"), required=False)
    water_safe = forms.NullBooleanField(
        label=_("饮水安全"), required=False, widget=forms.Select(choices=YES_NO_UNKNOWN)
    )
    reason = forms.CharField(label=_("变更原因"), max_length=200)


class IncomeForm(TextCheckedForm):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    wage = forms.DecimalField(label=_("工资性收入"), min_value=0, max_digits=12, decimal_places=2, initial=0)
    business = forms.DecimalField(
        label=_("生产经营性收入"), min_value=0, max_digits=12, decimal_places=2, initial=0
    )
    property_income = forms.DecimalField(
        label=_("财产性收入"), min_value=0, max_digits=12, decimal_places=2, initial=0
    )
    transfer = forms.DecimalField(
        label=_("转移性收入"), min_value=0, max_digits=12, decimal_places=2, initial=0
    )
    costs = forms.DecimalField(
        label=_("生产经营支出"), min_value=0, max_digits=12, decimal_places=2, initial=0
    )
    reason = forms.CharField(label=_("变更原因"), max_length=200)


class MemberAddForm(TextCheckedForm):
    """增员: birth, marriage into the household, moving in."""

    name = forms.CharField(label=_("姓名"), max_length=60)
    id_number = forms.CharField(label=_("身份证号"), max_length=20)
    relation = forms.ChoiceField(label=_("与户主关系"), choices=blank_choices(Relation)[2:])
    ethnicity = forms.ChoiceField(
        label=_("民族"), choices=blank_choices(Ethnicity)[1:], initial=Ethnicity.HAN
    )
    education = forms.ChoiceField(label=_("文化程度"), required=False, choices=blank_choices(Education))
    school_status = forms.ChoiceField(
        label=_("在校生状况"), required=False, choices=blank_choices(SchoolStatus)
    )
    health = forms.ChoiceField(label=_("健康状况"), choices=blank_choices(Health)[1:], initial=Health.HEALTHY)
    labour = forms.ChoiceField(label=_("劳动能力"), required=False, choices=blank_choices(Labour))
    medical_insurance = forms.BooleanField(label=_("参加医保"), required=False)
    reason = forms.CharField(label=_("增员原因"), max_length=200, help_text=_("例如：新生儿、婚入、迁入"))


class MemberRemoveForm(TextCheckedForm):
    """减员: death, marriage out, moving away. The record and its history stay."""

    left_on = forms.DateField(label=_("减员日期"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("减员原因"), max_length=200, help_text=_("例如：死亡、婚出、迁出"))


class HouseholdMoveForm(TextCheckedForm):
    village = forms.CharField(label=_("迁入村代码"), min_length=12, max_length=12)
    reason = forms.CharField(label=_("迁移原因"), max_length=200)


class HouseholdSplitForm(TextCheckedForm):
    """分户: the members who leave, the new household's number and head."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    members = forms.TypedMultipleChoiceField(
        label=_("分出的成员"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    head = forms.TypedChoiceField(label=_("新户户主"), coerce=int)
    number = forms.CharField(label=_("新户编号"), max_length=32)
    reason = forms.CharField(label=_("分户原因"), max_length=200, help_text=_("例如：子女婚后另立户"))

    def __init__(self, *args: Any, household_members: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = household_members  # type: ignore[attr-defined]
        self.fields["head"].choices = household_members  # type: ignore[attr-defined]


class HouseholdMergeForm(TextCheckedForm):
    """合户: another household whose members all join this one."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    other = forms.CharField(label=_("并入本户的户编号"), max_length=32)
    reason = forms.CharField(label=_("合户原因"), max_length=200)


class ImportForm(TextCheckedForm):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))
    dry_run = forms.BooleanField(label=_("只校验，不写入"), required=False)

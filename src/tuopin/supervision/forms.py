"""Forms of the supervision pages: they read input; the services decide."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tuopin.core.forms import TextCheckedForm, blank_choices
from tuopin.supervision.models import Category, EntryKind, Result, RoundKind, Source, Status

DATE = forms.DateInput(attrs={"type": "date"})
CODE = r"^(\d{2}|\d{4}|\d{6}|\d{9}|\d{12})$"  # an area code of one of the five levels


class ItemFilterForm(TextCheckedForm):
    status = forms.ChoiceField(label=_("状态"), required=False, choices=blank_choices(Status))
    source = forms.ChoiceField(label=_("问题来源"), required=False, choices=blank_choices(Source))
    category = forms.ChoiceField(label=_("问题类别"), required=False, choices=blank_choices(Category))
    area = forms.RegexField(label=_("区划代码"), required=False, regex=CODE, max_length=12)
    q = forms.CharField(label=_("编号或描述"), required=False, max_length=50)
    overdue = forms.BooleanField(label=_("只看逾期"), required=False)


class ItemForm(TextCheckedForm):
    number = forms.CharField(label=_("编号"), max_length=40)
    source = forms.ChoiceField(label=_("问题来源"), choices=Source.choices)
    category = forms.ChoiceField(label=_("问题类别"), choices=Category.choices)
    area_code = forms.RegexField(label=_("区划代码"), regex=CODE, max_length=12, min_length=2)
    unit = forms.CharField(label=_("责任单位"), max_length=100)
    person = forms.CharField(label=_("责任人"), max_length=60)
    found_on = forms.DateField(label=_("发现日期"), widget=DATE)
    deadline = forms.DateField(label=_("整改时限"), widget=DATE)
    description = forms.CharField(
        label=_("问题描述"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    measures = forms.CharField(
        label=_("整改措施"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False
    )


class ActForm(TextCheckedForm):
    action = forms.CharField(max_length=12, widget=forms.HiddenInput)
    note = forms.CharField(label=_("说明"), max_length=500, required=False)
    on = forms.DateField(label=_("日期"), widget=DATE, required=False)


class EvidenceForm(TextCheckedForm):
    file = forms.FileField(label=_("佐证材料（PDF、JPG、PNG、XLSX、DOCX）"))


class ReconcileForm(TextCheckedForm):
    area = forms.RegexField(label=_("区划代码"), required=False, regex=CODE, max_length=12)
    as_of = forms.DateField(label=_("截至日期"), required=False, widget=DATE)


class RoundForm(TextCheckedForm):
    name = forms.CharField(label=_("名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=RoundKind.choices)
    checklist = forms.TypedChoiceField(label=_("清单"), coerce=int, choices=())
    team = forms.CharField(label=_("督查组"), max_length=100)
    members = forms.CharField(label=_("成员"), max_length=300)
    area_code = forms.RegexField(label=_("督查范围（区划代码）"), regex=CODE, max_length=12, min_length=2)
    starts_on = forms.DateField(label=_("开始日期"), widget=DATE)
    ends_on = forms.DateField(label=_("结束日期"), widget=DATE)

    def __init__(self, *args: Any, checklists: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["checklist"].choices = checklists  # type: ignore[attr-defined]


class FindingForm(TextCheckedForm):
    checklist_item = forms.TypedChoiceField(label=_("清单条目"), coerce=int, choices=())
    area_code = forms.RegexField(label=_("区划代码"), regex=CODE, max_length=12, min_length=2)
    result = forms.ChoiceField(label=_("结果"), choices=Result.choices)
    note = forms.CharField(
        label=_("情况说明"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )
    category = forms.ChoiceField(label=_("问题类别"), choices=Category.choices, initial=Category.OTHER)
    unit = forms.CharField(label=_("责任单位"), max_length=100, required=False)
    person = forms.CharField(label=_("责任人"), max_length=60, required=False)
    deadline = forms.DateField(label=_("整改时限"), widget=DATE, required=False)

    def __init__(self, *args: Any, items: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["checklist_item"].choices = items  # type: ignore[attr-defined]
        self.fields["deadline"].initial = timezone.localdate() + timedelta(days=30)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("result") == Result.PROBLEM:
            for name in ("note", "unit", "person", "deadline"):
                if not data.get(name):
                    self.add_error(name, _("发现问题时必填（将生成整改事项）。"))
        return data


class ListingForm(TextCheckedForm):
    name = forms.CharField(label=_("名称"), max_length=100)
    year = forms.IntegerField(label=_("年度"), min_value=2014, max_value=2100)
    area_code = forms.RegexField(label=_("发布单位区划代码"), regex=CODE, max_length=12, min_length=2)


class ListedAreaForm(TextCheckedForm):
    area_code = forms.RegexField(
        label=_("县或村的区划代码"), regex=r"^(\d{6}|\d{12})$", max_length=12, min_length=2
    )
    leader = forms.CharField(label=_("包联领导"), max_length=60)


class EntryForm(TextCheckedForm):
    person = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("类型"), choices=EntryKind.choices)
    text = forms.CharField(label=_("内容"), max_length=300)
    on = forms.DateField(label=_("日期"), widget=DATE, required=False)


class QuestionForm(TextCheckedForm):
    area_code = forms.RegexField(label=_("区划代码"), regex=CODE, max_length=12, min_length=2)
    text = forms.CharField(label=_("问题"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class AnswerForm(TextCheckedForm):
    office = forms.CharField(label=_("答复单位"), max_length=100)
    text = forms.CharField(label=_("答复"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    areas = forms.RegexField(
        label=_("发布范围（区划代码，可填多个，用逗号分隔）"),
        regex=r"^[\d,，\s]*$",
        max_length=300,
        required=False,
    )

    def codes(self) -> list[str]:
        raw = self.cleaned_data.get("areas") or ""
        return [code for code in raw.replace("，", ",").replace(" ", ",").split(",") if code]

"""The forms of the procedure pages: one per kind of step, the same on a procedure's page and over a village's list."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tuopin.core.forms import TextCheckedForm, blank_choices
from tuopin.procedures.flows import Kind, State, StepType

YES_NO = [("true", _("是")), ("false", _("否"))]
APPROVE = [("true", _("通过")), ("false", _("不通过"))]


def _today() -> str:
    """Today as a date input shows it (the shared field template writes the value as it is)."""
    return timezone.localdate().isoformat()


class FilterForm(TextCheckedForm):
    kind = forms.ChoiceField(label=_("程序"), required=False, choices=blank_choices(Kind))
    state = forms.ChoiceField(label=_("状态"), required=False, choices=blank_choices(State))
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2014, max_value=2100)
    area = forms.CharField(label=_("区划代码"), required=False, max_length=12)


class ProposeForm(TextCheckedForm):
    year = forms.IntegerField(label=_("年度"), min_value=2014, max_value=2100)
    on = forms.DateField(label=_("提出日期"), initial=_today, widget=forms.DateInput(attrs={"type": "date"}))


class AreaProposeForm(ProposeForm):
    kind = forms.ChoiceField(
        label=_("程序"),
        choices=[(Kind.VILLAGE_EXIT, Kind.VILLAGE_EXIT.label), (Kind.COUNTY_EXIT, Kind.COUNTY_EXIT.label)],
    )
    area = forms.ChoiceField(label=_("区划"))


class VillageForm(TextCheckedForm):
    village = forms.ChoiceField(label=_("村"))
    kind = forms.ChoiceField(
        label=_("程序"),
        choices=[
            (Kind.HOUSEHOLD_EXIT, Kind.HOUSEHOLD_EXIT.label),
            (Kind.HOUSEHOLD_IDENTIFICATION, Kind.HOUSEHOLD_IDENTIFICATION.label),
        ],
    )
    year = forms.IntegerField(label=_("年度"), min_value=2014, max_value=2100)


class StepForm(TextCheckedForm):
    """The date of what happened; the fields of the step's kind are added by step_form."""

    on = forms.DateField(label=_("日期"), initial=_today, widget=forms.DateInput(attrs={"type": "date"}))

    def record(self) -> dict[str, Any]:
        """The step's record for procedure_act (every field but the date and the note)."""
        data = {k: v for k, v in self.cleaned_data.items() if k not in {"on", "note"}}
        return {k: (v == "true") if k in {"agreed", "approve"} else v for k, v in data.items()}


def step_form(
    step_type: str, data: Any = None, *, starting_notice: bool = False, prefix: str | None = None
) -> StepForm:
    fields: dict[str, forms.Field] = {}
    if step_type == StepType.APPRAISAL:
        fields = {
            "attendance": forms.IntegerField(label=_("参会人数"), min_value=1),
            "votes_for": forms.IntegerField(label=_("赞成票"), min_value=0),
            "votes_against": forms.IntegerField(label=_("反对票"), min_value=0, initial=0),
        }
    elif step_type == StepType.CONSENT:
        fields = {
            "agreed": forms.ChoiceField(label=_("农户认可"), choices=YES_NO),
            "signed_by": forms.CharField(label=_("签字人"), max_length=50, required=False),
        }
    elif step_type in (StepType.REVIEW, StepType.EVALUATION):
        fields = {
            "approve": forms.ChoiceField(label=_("结论"), choices=APPROVE),
            "note": forms.CharField(label=_("意见"), max_length=300, required=False),
        }
    elif step_type == StepType.ANNOUNCEMENT:
        fields = {"document": forms.CharField(label=_("公告文号"), max_length=100)}
    label = _("公示开始日期") if starting_notice else _("日期")
    form_class = type("StepFormFor", (StepForm,), fields)
    form: StepForm = form_class(data, prefix=prefix)
    form.fields["on"].label = label
    return form


class ObjectionForm(TextCheckedForm):
    raised_on = forms.DateField(
        label=_("提出日期"), initial=_today, widget=forms.DateInput(attrs={"type": "date"})
    )
    raised_by = forms.CharField(label=_("提出人"), max_length=100, required=False)
    content = forms.CharField(label=_("异议内容"), max_length=500)


class ResolveForm(TextCheckedForm):
    objection = forms.IntegerField(widget=forms.HiddenInput)
    resolved_on = forms.DateField(
        label=_("核实日期"), initial=_today, widget=forms.DateInput(attrs={"type": "date"})
    )
    upheld = forms.ChoiceField(label=_("异议成立"), choices=YES_NO)
    resolution = forms.CharField(label=_("核实结论"), max_length=500)


class WithdrawForm(TextCheckedForm):
    reason = forms.CharField(label=_("撤回原因"), max_length=300)

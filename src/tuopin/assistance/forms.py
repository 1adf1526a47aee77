"""Forms of the assistance pages: input checks only; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tuopin.assistance.catalogue import CHOICES as MEASURE_CHOICES
from tuopin.assistance.models import AcceptanceResult, FundKind, FundLevel, PairingKind, TargetType
from tuopin.assistance.periods import FREQUENCIES
from tuopin.core.forms import TextCheckedForm, blank_choices


def _date(label: Any, **kwargs: Any) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}), **kwargs)


def _today() -> str:
    return timezone.localdate().isoformat()


def _money(label: Any, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=required, min_value=0, max_digits=14, decimal_places=2)


class PairingFilter(TextCheckedForm):
    kind = forms.ChoiceField(label=_("结对类型"), required=False, choices=blank_choices(PairingKind))
    area = forms.CharField(label=_("区划代码"), required=False, max_length=12)
    ended = forms.BooleanField(label=_("含已终止"), required=False)


class PairingForm(TextCheckedForm):
    kind = forms.ChoiceField(label=_("结对类型"), choices=PairingKind.choices)
    area_code = forms.CharField(label=_("受援区划代码"), max_length=12, required=False)
    household = forms.CharField(label=_("户编号"), max_length=32, required=False)
    helper_name = forms.CharField(label=_("帮扶人"), max_length=60, required=False)
    helper_role = forms.CharField(label=_("职务"), max_length=60, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    unit = forms.ChoiceField(label=_("帮扶单位"), required=False)
    helper_area_code = forms.CharField(label=_("帮扶县代码"), max_length=6, required=False)
    valid_from = _date(_("起始日期"), initial=_today)
    reason = forms.CharField(label=_("结对原因"), max_length=200, required=False)


class PairingEndForm(TextCheckedForm):
    valid_to = _date(_("终止日期"), initial=_today)
    reason = forms.CharField(label=_("变更原因"), max_length=200)


class PairingChangeForm(TextCheckedForm):
    on = _date(_("新结对起始日期"), initial=_today)
    helper_name = forms.CharField(label=_("新帮扶人"), max_length=60, required=False)
    helper_role = forms.CharField(label=_("职务"), max_length=60, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    reason = forms.CharField(label=_("变更原因"), max_length=200)


class PlanForm(TextCheckedForm):
    year = forms.IntegerField(label=_("年度"), min_value=2014, max_value=2100)
    path = forms.CharField(label=_("脱贫路径"), max_length=300)
    measures = forms.MultipleChoiceField(
        label=_("帮扶措施"), choices=MEASURE_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    responsible = forms.CharField(label=_("帮扶责任人"), max_length=60)
    note = forms.CharField(label=_("说明"), max_length=500, required=False)


class MeasureForm(TextCheckedForm):
    type = forms.ChoiceField(label=_("措施类型"), choices=MEASURE_CHOICES)
    on = _date(_("日期"), initial=_today)
    amount = _money(_("金额（元）"), required=False)
    provider = forms.CharField(label=_("提供单位"), max_length=100, required=False)
    evidence = forms.CharField(label=_("佐证材料"), max_length=300, required=False)
    note = forms.CharField(label=_("说明"), max_length=500, required=False)


class LoanForm(TextCheckedForm):
    borrower = forms.CharField(label=_("借款人"), max_length=60)
    lender = forms.CharField(label=_("放贷机构"), max_length=100)
    amount = _money(_("贷款金额（元）"))
    term_months = forms.IntegerField(label=_("期限（月）"), min_value=1, max_value=120)
    issued_on = _date(_("放款日期"), initial=_today)
    purpose = forms.CharField(label=_("用途"), max_length=200, required=False)


class RepaymentForm(TextCheckedForm):
    on = _date(_("还款日期"), initial=_today)
    principal = _money(_("归还本金（元）"))


class ProjectForm(TextCheckedForm):
    year = forms.IntegerField(label=_("年度"), min_value=2014, max_value=2100)
    unit = forms.ChoiceField(label=_("帮扶单位"), required=False)
    area_code = forms.CharField(label=_("结对帮扶村（区划代码）"), max_length=12)
    name = forms.CharField(label=_("项目名称"), max_length=200)
    content = forms.CharField(label=_("项目内容"), max_length=500, required=False)
    implementer = forms.CharField(label=_("实施单位"), max_length=100, required=False)
    beneficiaries = forms.CharField(label=_("扶贫对象"), max_length=200, required=False)
    funds = _money(_("经费（元）"))
    expected_effect = forms.CharField(label=_("预期扶贫效果"), max_length=500, required=False)


class AcceptanceForm(TextCheckedForm):
    year = forms.IntegerField(label=_("年度"), min_value=2014, max_value=2100)
    result = forms.ChoiceField(label=_("验收结果"), choices=AcceptanceResult.choices)
    on = _date(_("验收日期"), initial=_today)
    notes = forms.CharField(label=_("验收意见"), max_length=500, required=False)


class FundEntryForm(TextCheckedForm):
    kind = forms.ChoiceField(label=_("类型"), choices=FundKind.choices)
    source = forms.CharField(label=_("资金来源"), max_length=100)
    level = forms.ChoiceField(label=_("资金级别"), choices=FundLevel.choices)
    on = _date(_("日期"), initial=_today)
    amount = _money(_("金额（元）"))
    note = forms.CharField(label=_("说明"), max_length=300, required=False)


class ReverseForm(TextCheckedForm):
    entry = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("冲销原因"), max_length=300)


class VisitForm(TextCheckedForm):
    who = forms.CharField(label=_("走访人"), max_length=60)
    role = forms.CharField(label=_("职务"), max_length=60, required=False)
    unit_name = forms.ChoiceField(label=_("单位"), required=False)
    on = _date(_("走访日期"), initial=_today)
    target_type = forms.ChoiceField(label=_("对象类型"), choices=TargetType.choices)
    target_code = forms.CharField(label=_("对象代码"), max_length=32)
    purpose = forms.CharField(label=_("事由"), max_length=300)
    findings = forms.CharField(
        label=_("发现问题"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    photo = forms.FileField(label=_("照片（JPG或PNG，可选）"), required=False)


class DutyForm(TextCheckedForm):
    who = forms.CharField(label=_("责任人"), max_length=60)
    role = forms.CharField(label=_("职务"), max_length=60, required=False)
    unit_name = forms.CharField(label=_("单位"), max_length=100, required=False)
    target_type = forms.ChoiceField(label=_("对象类型"), choices=TargetType.choices)
    target_code = forms.CharField(label=_("对象代码"), max_length=32)
    frequency = forms.ChoiceField(label=_("频次"), choices=FREQUENCIES)
    per_period = forms.IntegerField(label=_("每期次数"), min_value=1, max_value=100, initial=1)
    valid_from = _date(_("起始日期"), initial=_today)
    valid_to = _date(_("终止日期"), required=False)


class UnitLinkForm(TextCheckedForm):
    user = forms.TypedChoiceField(label=_("帮扶单位用户"), coerce=int, choices=())

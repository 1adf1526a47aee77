"""Forms of the contest rounds' pages: a draft round (its sheet, weights, grading, contestants and judges) and a
judge's score sheet. They parse what the pages post; the services decide what is allowed (THE ranking checks the
definition)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from tuopin.contest.models import IndicatorRun, SpeechType
from tuopin.contest.ranking import Grading, Item
from tuopin.core.forms import TextCheckedForm

DEFAULT_ITEMS = "汇报 100\n答问 20"
DEFAULT_GRADES = "好 90\n较好 80\n一般 70"
GRADING_METHODS = [("thresholds", _("按分数线")), ("shares", _("按比例（如各三分之一）"))]


def _pairs(text: str, what: Any) -> list[tuple[str, Decimal]]:
    """Lines "名称 数值" (a space, tab, comma or colon between) as pairs; ValidationError names a wrong line."""
    pairs = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        for separator in ("：", ":", "，", ",", "\t"):
            line = line.replace(separator, " ")
        name, _space, value = line.rpartition(" ")
        try:
            parsed = Decimal(value.strip().rstrip("%"))
        except InvalidOperation:
            parsed = None
        if not name.strip() or parsed is None or not parsed.is_finite():
            raise ValidationError(_("第%(line)s行应为“%(what)s 数值”。") % {"line": number, "what": what})
        pairs.append((name.strip(), parsed / 100 if value.strip().endswith("%") else parsed))
    return pairs


class RoundForm(TextCheckedForm):
    title = forms.CharField(label=_("名称"), max_length=200)
    held_on = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    organiser = forms.ChoiceField(label=_("组织单位"))
    items = forms.CharField(
        label=_("评分表（每行一项：项目 最高分）"),
        widget=forms.Textarea(attrs={"rows": 3}),
        initial=DEFAULT_ITEMS,
    )
    trim = forms.BooleanField(
        label=_("去掉一个最高分和一个最低分（评委五人及以上时）"), required=False, initial=True
    )
    w_judges = forms.DecimalField(
        label=_("评委评分权重"), min_value=0, max_value=1, decimal_places=4, initial=1
    )
    w_indicators = forms.DecimalField(
        label=_("指标得分权重"), min_value=0, max_value=1, decimal_places=4, initial=0
    )
    grading_method = forms.ChoiceField(label=_("评定等次方式"), choices=GRADING_METHODS)
    grades = forms.CharField(
        label=_("等次（每行一个，从好到差：等次 分数线，或 等次 比例）"),
        widget=forms.Textarea(attrs={"rows": 4}),
        initial=DEFAULT_GRADES,
    )
    grade_else = forms.CharField(label=_("低于各分数线的等次"), max_length=20, required=False, initial="较差")
    name_judges = forms.BooleanField(label=_("通报中列出评委姓名"), required=False)
    judges = forms.MultipleChoiceField(label=_("评委"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(
        self,
        *args: Any,
        organisers: Sequence[tuple[str, str]],
        judges: Sequence[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        organiser = self.fields["organiser"]
        judge = self.fields["judges"]
        assert isinstance(organiser, forms.ChoiceField) and isinstance(judge, forms.MultipleChoiceField)
        organiser.choices = list(organisers)
        judge.choices = [(str(pk), label) for pk, label in judges]

    def clean_items(self) -> tuple[Item, ...]:
        return tuple(Item(name, maximum) for name, maximum in _pairs(self.cleaned_data["items"], _("项目")))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            grades = tuple(_pairs(data.get("grades", ""), _("等次")))
        except ValidationError as error:
            self.add_error("grades", error)
            grades = ()
        data["grading"] = Grading(data.get("grading_method", ""), grades, data.get("grade_else", "").strip())
        return data


class ContestantForm(TextCheckedForm):
    area = forms.ChoiceField(label=_("参赛单位"), required=False)
    speaker = forms.CharField(label=_("发言人"), max_length=100, required=False)
    speech = forms.ChoiceField(label=_("发言类型"), choices=SpeechType.choices, initial=SpeechType.EXCHANGE)
    indicator_score = forms.DecimalField(
        label=_("指标得分"), min_value=0, max_value=100, decimal_places=2, required=False
    )

    def __init__(self, *args: Any, areas: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        area = self.fields["area"]
        assert isinstance(area, forms.ChoiceField)
        area.choices = [("", "—"), *areas]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("area") and not (data.get("speaker") or "").strip():
            self.add_error("speaker", _("请填写发言人。"))
        return data


ContestantFormSet = formset_factory(ContestantForm, extra=0)


class SheetForm(TextCheckedForm):
    """One field per item of the round's sheet (item_0, item_1 …), each 0 ≤ score ≤ its maximum."""

    def __init__(self, *args: Any, items: Sequence[Item], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for index, item in enumerate(self.items):
            self.fields[f"item_{index}"] = forms.DecimalField(
                label=item.name,
                min_value=0,
                max_value=item.max,
                decimal_places=2,
                widget=forms.NumberInput(
                    attrs={
                        "inputmode": "decimal",
                        "step": "0.01",
                        "min": "0",
                        "max": str(item.max),
                        "class": "form-control form-control-lg score-input",
                    }
                ),
            )

    def scores(self) -> dict[str, Decimal]:
        return {item.name: self.cleaned_data[f"item_{index}"] for index, item in enumerate(self.items)}

    def field_of(self, item_name: str) -> str | None:
        for index, item in enumerate(self.items):
            if item.name == item_name:
                return f"item_{index}"
        return None


class ReviseForm(TextCheckedForm):
    reason = forms.CharField(
        label=_("修订原因"),
        max_length=300,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": _("修订原因")}),
    )


class RunForm(TextCheckedForm):
    """The indicator run a round scores its indicators from, among the runs the page offers."""

    run = forms.TypedChoiceField(
        label=_("指标计算"), coerce=int, widget=forms.Select(attrs={"class": "form-select"})
    )

    def __init__(self, *args: Any, runs: Sequence[IndicatorRun], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.runs = {run.pk: run for run in runs}
        run = self.fields["run"]
        assert isinstance(run, forms.TypedChoiceField)
        run.choices = [(pk, run_label(found)) for pk, found in self.runs.items()]

    def clean_run(self) -> IndicatorRun:
        return self.runs[self.cleaned_data["run"]]


def run_label(run: IndicatorRun) -> str:
    return _("%(system)s v%(version)s · %(organiser)s · %(year)s年度（数据截至%(as_of)s）") % {
        "system": run.version.system.name,
        "version": run.version.version,
        "organiser": run.organiser.name,
        "year": run.year,
        "as_of": run.as_of.isoformat(),
    }

"""Forms of the medical-waste pages: the handover list's filters and a reversal's reason."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tuopin.core.forms import TextCheckedForm
from tuopin.medwaste.models import WasteCategory


class HandoverFilterForm(TextCheckedForm):
    place = forms.CharField(label=_("交出方或接收方代码"), max_length=32, required=False)
    start = forms.DateField(label=_("起始日期"), required=False)
    stop = forms.DateField(label=_("截止日期"), required=False)
    category = forms.ChoiceField(
        label=_("类别"), choices=[("", _("全部")), *WasteCategory.choices], required=False
    )

    def __init__(self, data: object = None) -> None:
        # "from" and "to" are the query's names; a form field cannot be named "from".
        if data is not None:
            get = data.get  # type: ignore[attr-defined]
            data = {
                "place": get("place", ""),
                "start": get("from", ""),
                "stop": get("to", ""),
                "category": get("category", ""),
            }
        super().__init__(data)


class ReversalForm(TextCheckedForm):
    reason = forms.CharField(label=_("冲正原因"), max_length=200)

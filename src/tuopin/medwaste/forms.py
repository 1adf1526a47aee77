"""Forms of the medical-waste pages: the handover list's filters, a reversal's reason and the keeper's receipt and
removal."""

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


class _KeeperForm(TextCheckedForm):
    """What a transfer point's keeper enters for a handover on the phone page; the service checks it as the import
    checks a row (tuopin.medwaste.services.handover_record)."""

    category = forms.ChoiceField(
        label=_("类别"),
        choices=WasteCategory.choices,
        initial=WasteCategory.INFECTIOUS,
        widget=forms.RadioSelect,
    )
    kg = forms.DecimalField(label=_("重量(千克)"), max_digits=12, decimal_places=3)
    packages = forms.IntegerField(label=_("包数"), min_value=0, required=False, initial=1)
    giver_person = forms.CharField(label=_("交接人"), max_length=60)
    receiver_person = forms.CharField(label=_("接收人"), max_length=60)
    at = forms.DateTimeField(label=_("交接时间"))

    place_field = ""

    def __init__(
        self, data: object = None, *, places: list[tuple[str, str]], initial: dict[str, object] | None = None
    ) -> None:
        super().__init__(data, initial=initial)
        field = self.fields[self.place_field]
        assert isinstance(field, forms.ChoiceField)
        field.choices = places
        if len(places) == 1:
            field.initial = places[0][0]


class ReceiptForm(_KeeperForm):
    """A receipt (接收) from a facility attached to the point."""

    facility = forms.ChoiceField(label=_("医疗机构"))
    place_field = "facility"
    field_order = ["facility", "category", "kg", "packages", "giver_person", "receiver_person", "at"]


class RemovalForm(_KeeperForm):
    """A removal (转运) to a disposal unit serving the point's area."""

    disposer = forms.ChoiceField(label=_("处置单位"))
    vehicle = forms.CharField(label=_("车辆"), max_length=40, required=False)
    disposal_method = forms.CharField(label=_("处置方式"), max_length=60, required=False)
    destination = forms.CharField(label=_("最终去向"), max_length=100, required=False)
    place_field = "disposer"
    field_order = [
        "disposer",
        "category",
        "kg",
        "packages",
        "vehicle",
        "giver_person",
        "receiver_person",
        "disposal_method",
        "destination",
        "at",
    ]

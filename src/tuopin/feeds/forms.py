from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from tuopin.core.forms import TextCheckedForm
from tuopin.feeds.sources import source_choices


class UploadForm(TextCheckedForm):
    source = forms.ChoiceField(label=_("数据来源"), choices=source_choices)
    period = forms.CharField(
        label=_("所属月份"),
        required=False,
        max_length=7,
        validators=[RegexValidator(r"^\d{4}-(0[1-9]|1[0-2])$", _("应为“2024-03”的格式。"))],
    )
    file = forms.FileField(label=_("文件（.csv 或 .xlsx）"))
    accept_valid = forms.BooleanField(label=_("有问题的行不导入，其余行照常导入"), required=False)

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tuopin.accounts.roles import Role
from tuopin.core.forms import TextCheckedForm


class TokenForm(TextCheckedForm):
    token = forms.CharField(
        label=_("动态验证码"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class UserForm(TextCheckedForm):
    username = forms.CharField(label=_("用户名"), max_length=150)
    full_name = forms.CharField(label=_("姓名"), max_length=60, required=False)
    organisation = forms.CharField(label=_("单位"), max_length=100, required=False)
    role = forms.ChoiceField(label=_("角色"), choices=[])
    area_codes = forms.CharField(label=_("管辖区划代码"), help_text=_("多个代码用空格或逗号分隔"))
    can_manage_users = forms.BooleanField(label=_("可管理用户"), required=False)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)
    password = forms.CharField(label=_("初始密码"), widget=forms.PasswordInput, required=False, min_length=12)

    def __init__(self, *args: Any, grantable: list[str], editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role = self.fields["role"]
        assert isinstance(role, forms.ChoiceField)
        role.choices = [(r, Role(r).label) for r in grantable]
        if editing:
            self.fields["username"].disabled = True
            del self.fields["password"]
        else:
            self.fields["password"].required = True

    def clean_area_codes(self) -> list[str]:
        raw: str = self.cleaned_data["area_codes"]
        return [code for code in raw.replace(",", " ").replace("，", " ").split() if code]

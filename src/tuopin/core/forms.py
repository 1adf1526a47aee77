"""Small helpers shared by the apps' forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from tuopin.core.text import text_refuse_controls, text_refuse_controls_multiline


class TextCheckedForm(forms.Form):
    """The apps' base form: every text field refuses control, zero-width and bidi characters (tuopin.core.text);
    a field shown as a textarea may hold line breaks, any other is one line."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # the form's own copies: the class's fields stay as declared
            if isinstance(field, forms.CharField):
                multiline = isinstance(field.widget, forms.Textarea)
                field.validators.append(text_refuse_controls_multiline if multiline else text_refuse_controls)


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's refusal on the form: each field's messages on that field when the form has it, the rest (and
    a refusal without fields) above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, problems in error.message_dict.items():
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)


def blank_choices(enum: Any) -> list[tuple[str, str]]:
    """An enumeration's choices after a blank "—" one, for optional selects and filters."""
    return [("", "—"), *[(str(value), str(label)) for value, label in enum.choices]]


class RevealForm(TextCheckedForm):
    """The stated reason for revealing a full ID number or phone (SECURITY.md B2), in every app that reveals one."""

    reason = forms.CharField(label=_("查看原因"), max_length=200)

    @classmethod
    def posted(cls, request: HttpRequest) -> RevealForm:
        """The reason of a reveal: the form's field, or the answer to htmx's prompt (its HX-Prompt header)."""
        return cls({"reason": request.POST.get("reason") or request.headers.get("HX-Prompt", "")})

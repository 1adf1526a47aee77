"""Small helpers shared by the apps' forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError


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

"""Errors shared by the services of every app."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class StaleEdit(ValidationError):
    """Someone else saved the record after this edit was started (optimistic locking: the version moved on)."""

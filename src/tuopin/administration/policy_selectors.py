"""Reads for the policy pages that concern the division tree: the provinces a profile may belong to. Not scoped:
policy profiles are public to every signed-in user (tuopin.policy.selectors)."""

from __future__ import annotations

from tuopin.areas.models import Area


def province_names() -> dict[str, str]:
    """Every province's name by code."""
    return dict(Area.objects.filter(level="province").values_list("code", "name"))

"""The assistance ledgers' Excel sheets, registered with tuopin.core.ledgers (when it is there)."""

from __future__ import annotations


def register_ledgers() -> None:
    return None

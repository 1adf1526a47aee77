"""Reads of feed batches. Batches are not area-scoped data (a department's file covers whatever it covers) and their
pages show counts only, never rows; the rows are read by the screening engine from the Parquet files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from tuopin.accounts.roles import Capability
from tuopin.feeds.models import FeedBatch

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from tuopin.accounts.models import User


def feed_files(source: str, *, totals: bool = False) -> list[Path]:
    """The Parquet files of a source's accepted batches, oldest first (schema: `sources.Source.arrow_schema`);
    with `totals`, their per-person totals files (`Source.totals_schema`)."""
    batches = (
        FeedBatch.objects.filter(source=source).order_by("created_at", "id").values_list("path", flat=True)
    )
    return [FeedBatch(path=path).totals if totals else FeedBatch(path=path).parquet for path in batches]


def batches_for(
    user: User | AnonymousUser, *, source: str = "", limit: int | None = None
) -> QuerySet[FeedBatch]:
    """The batches a user may see, newest first (the first `limit` when given): everyone who may read sees every
    batch (counts only)."""
    if not user.is_authenticated or not user.can(Capability.READ):
        return FeedBatch.objects.none()
    batches = FeedBatch.objects.select_related("actor").order_by("-created_at", "-id")
    if source:
        batches = batches.filter(source=source)
    return batches[:limit] if limit is not None else batches

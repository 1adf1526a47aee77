"""Batches of other departments' data. The rows themselves are not here: each accepted batch is one Parquet file in
the data directory (see sources.py for its schema), keyed by the ID's blind index, with no ID number in clear."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tuopin.feeds.sources import source_choices


class FeedBatch(models.Model):
    source = models.CharField(_("数据来源"), max_length=20, choices=source_choices())
    period = models.CharField(_("所属期间"), max_length=7, blank=True)  # YYYY-MM, as the department labels it
    file_name = models.CharField(_("文件名"), max_length=200)
    checksum = models.CharField(_("校验和"), max_length=64)  # sha256 of the file as uploaded
    rows = models.PositiveIntegerField(_("行数"))
    accepted = models.PositiveIntegerField(_("接收"))
    rejected = models.PositiveIntegerField(_("拒收"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("导入人"),
    )
    created_at = models.DateTimeField(_("导入时间"), auto_now_add=True)
    path = models.CharField(_("文件位置"), max_length=300)  # the Parquet file, relative to the data directory

    PRIVACY = {
        "id": "public",
        "source": "public",
        "period": "public",
        "file_name": "personal",
        "checksum": "public",
        "rows": "public",
        "accepted": "public",
        "rejected": "public",
        "actor": "personal",
        "created_at": "public",
        "path": "public",
    }

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "checksum"], name="feedbatch_unique_source_checksum")
        ]
        verbose_name = _("部门数据批次")

    def __str__(self) -> str:
        return f"{self.source} {self.pk}"

    @property
    def parquet(self) -> Path:
        return Path(settings.DATA_DIR) / self.path

    @property
    def totals(self) -> Path:
        """The per-person totals beside the rows (only for a source with `summed`: see sources.py)."""
        return self.parquet.with_suffix(".totals.parquet")

    def unlink_files(self) -> None:
        for path in (self.parquet, self.totals):
            path.unlink(missing_ok=True)

"""The append-only, hash-chained audit log (SECURITY.md D).

Each row carries the hash of the row before it; `tuopin audit verify` recomputes the chain, so a row edited or
deleted behind the application's back is found. AuditHead holds the last sequence number and hash, and is locked
while a row is appended so that writers queue instead of forking the chain.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models
from django.utils.translation import gettext_lazy as _

from tuopin.audit.actions import ACTION_LABELS, RESULT_LABELS
from tuopin.audit.chain import GENESIS


class AuditEvent(models.Model):
    seq = models.PositiveBigIntegerField(_("序号"), unique=True)
    at = models.DateTimeField(_("时间"), db_index=True)
    actor_id = models.BigIntegerField(_("用户ID"), null=True, blank=True)  # no FK: the log outlives users
    actor = models.CharField(_("用户"), max_length=150, blank=True, db_index=True)
    role = models.CharField(_("角色"), max_length=16, blank=True)
    area = models.CharField(_("区划"), max_length=200, blank=True, db_index=True)
    address = models.CharField(_("地址"), max_length=64, blank=True)
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    object_id = models.CharField(_("对象"), max_length=64, blank=True)
    result = models.CharField(_("结果"), max_length=16)
    details = models.JSONField(_("详情"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    PRIVACY = {
        "id": "public",
        "seq": "public",
        "at": "public",
        "actor_id": "personal",
        "actor": "personal",
        "role": "public",
        "area": "public",
        "address": "personal",
        "action": "public",
        "object_type": "public",
        "object_id": "personal",
        "result": "public",
        "details": "personal",
        "prev_hash": "public",
        "hash": "public",
    }

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("审计记录")
        indexes = [
            # A user's own recent rows of an action: the per-user limits (tuopin.accounts.throttle) count them.
            models.Index(fields=["actor_id", "action", "at"], name="audit_actor_action_at"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Append-only: the application never updates a row.
        if not self._state.adding:
            raise RuntimeError("audit rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise RuntimeError("audit rows are append-only")

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))

    @property
    def result_label(self) -> str:
        return str(RESULT_LABELS.get(self.result, self.result))


class AuditHead(models.Model):
    """The single row that serialises appends and remembers the end of the chain (to detect a cut tail)."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS)

    PRIVACY = {"id": "public", "seq": "public", "hash": "public"}

    def __str__(self) -> str:
        return f"head #{self.seq}"

"""Device credentials for ODK Collect and the submissions received from them (issue 19).

A device credential is a password of its own for one of a user's phones (Basic auth on /openrosa/), kept hashed
and shown once; revoking it locks that phone out and nothing else. A submission is kept exactly as received (the
instance XML and its attachments) whatever became of it, and is unique by its instanceID: ODK Collect sends
again what it is not sure arrived."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Device(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="devices")
    label = models.CharField(_("设备名称"), max_length=60)
    password = models.CharField(max_length=128)  # a Django password hash of the device's own password
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.CharField(_("创建人"), max_length=150)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.CharField(_("撤销人"), max_length=150, blank=True)

    PRIVACY = {
        **dict.fromkeys(("id", "label", "created_at", "last_used_at", "revoked_at"), "public"),
        **dict.fromkeys(("user", "created_by", "revoked_by"), "personal"),
        "password": "sensitive",
    }

    class Meta:
        ordering = ["user", "-created_at"]
        verbose_name = _("采集设备")

    def __str__(self) -> str:
        return f"{self.user_id} {self.label}"


class SubmissionStatus(models.TextChoices):
    RECEIVED = "received", _("已接收")
    APPLIED = "applied", _("已入库")
    REVIEW = "review", _("待审核")
    REFUSED = "refused", _("已拒绝")
    REJECTED = "rejected", _("审核驳回")


class Submission(models.Model):
    instance_id = models.CharField(
        _("实例编号"), max_length=100, unique=True
    )  # the form's meta/instanceID (uuid:…)
    form_id = models.CharField(_("表单"), max_length=60)
    form_version = models.CharField(_("表单版本"), max_length=40, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    device = models.ForeignKey(Device, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    area = models.ForeignKey(
        "areas.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("区域"),
    )  # the household's or the alert's village, for scope; none when the submission named nothing known
    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True)
    xml = models.TextField()  # the instance as received
    status = models.CharField(
        _("状态"), max_length=10, choices=SubmissionStatus.choices, default=SubmissionStatus.RECEIVED
    )
    reason = models.TextField(_("原因"), blank=True)
    target = models.JSONField(default=dict, blank=True)  # what it is about ({"household": number}…) and wrote
    data_version = models.CharField(max_length=64, blank=True)  # the media hash the device downloaded
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolution_note = models.CharField(_("处理说明"), max_length=200, blank=True)

    PRIVACY = {
        **dict.fromkeys(
            (
                "id",
                "instance_id",
                "form_id",
                "form_version",
                "device",
                "area",
                "received_at",
                "status",
                "data_version",
                "resolved_at",
            ),
            "public",
        ),
        **dict.fromkeys(("user", "reason", "target", "resolved_by", "resolution_note"), "personal"),
        "xml": "sensitive",
    }

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("采集提交")
        indexes = [models.Index(fields=["area", "status", "received_at"], name="submission_area_status")]

    def __str__(self) -> str:
        return self.instance_id


class Attachment(models.Model):
    """A file that came with a submission (a photo, a signature), kept under the data directory with the checks of
    every upload (size cap, content)."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(_("文件名"), max_length=255)
    path = models.CharField(max_length=255)  # relative to the data directory
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    PRIVACY = {
        **dict.fromkeys(("id", "submission", "content_type", "size", "sha256"), "public"),
        **dict.fromkeys(("name", "path"), "personal"),
    }

    class Meta:
        ordering = ["submission", "name"]
        verbose_name = _("采集附件")
        constraints = [
            models.UniqueConstraint(fields=["submission", "name"], name="attachment_submission_name")
        ]

    def __str__(self) -> str:
        return self.name

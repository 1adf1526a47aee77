"""Receiving a submission from a phone: reading the instance safely, storing it once per instanceID with the
attachments it does not hold yet (checked as every upload is), and applying it (tuopin.fieldforms.apply)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tuopin.audit.services import audit_record
from tuopin.core.uploads import UploadRejected, file_store, stored_path
from tuopin.fieldforms.apply import submission_apply
from tuopin.fieldforms.models import Attachment, Submission, SubmissionStatus

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from tuopin.accounts.models import User

ATTACHMENT_FOLDER = "fieldforms"
ATTACHMENT_KINDS = (".jpg", ".jpeg", ".png")  # photos and signatures, the forms' only attachments
CONTENT_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}


@dataclass(frozen=True)
class Instance:
    """What the server reads of an instance before storing it: its form, version, instanceID and data version."""

    form_id: str
    version: str
    instance_id: str
    data_version: str


def _local(tag: Any) -> str:
    return str(tag).rpartition("}")[2]


def parse_instance(xml: bytes) -> Instance:
    """Read an instance with defusedxml (no entities, no DTD); ValueError with a message for the device."""
    try:
        root = SafeElementTree.fromstring(xml)
    except (ParseError, DefusedXmlException) as error:
        raise ValueError(_("表单数据不是有效的XML。")) from error
    form_id = root.get("id", "")
    if not form_id:
        raise ValueError(_("表单数据缺少表单编号。"))
    found = {_local(element.tag): (element.text or "").strip() for element in root.iter()}
    instance_id = found.get("instanceID", "")
    if not instance_id or len(instance_id) > Submission._meta.get_field("instance_id").max_length:  # type: ignore[operator]
        raise ValueError(_("表单数据缺少有效的实例编号（meta/instanceID）。"))
    return Instance(
        form_id[:60], root.get("version", "")[:40], instance_id, found.get("data_version", "")[:64]
    )


class SubmissionTaken(Exception):
    """The instanceID is another user's submission."""


def submission_receive(
    *, user: User, device_id: int, instance: Instance, xml: bytes, files: list[UploadedFile[Any]]
) -> tuple[Submission, bool]:
    """Store an instance as received (once per instanceID) and the attachments it does not hold yet, then apply it.
    Returns the submission and whether anything was added. Attachments are checked as every upload is (size cap,
    kind, content); a refused one refuses the POST and nothing of it is kept."""
    existing = Submission.objects.filter(instance_id=instance.instance_id).first()
    if existing is not None and existing.user_id != user.pk:
        raise SubmissionTaken
    held = set(existing.attachments.values_list("name", flat=True)) if existing else set()
    new_files = {Path(file.name or "").name: file for file in files if Path(file.name or "").name not in held}
    kept = _attachments_store(new_files)
    try:
        with transaction.atomic():
            received, created = Submission.objects.get_or_create(
                instance_id=instance.instance_id,
                defaults={
                    "form_id": instance.form_id,
                    "form_version": instance.version,
                    "user": user,
                    "device_id": device_id,
                    "xml": xml.decode("utf-8", errors="replace"),
                    "data_version": instance.data_version,
                },
            )
            Attachment.objects.bulk_create([Attachment(submission=received, **fields) for fields in kept])
            if created or kept:
                audit_record(
                    action="fieldforms.submission_receive",
                    actor=user,
                    object_type="submission",
                    object_id=str(received.pk),
                    details={"form": instance.form_id, "attachments": len(kept), "new": created},
                )
    except IntegrityError:  # a concurrent resend of the same instance or attachment won
        _attachments_remove(kept)
        received = Submission.objects.get(instance_id=instance.instance_id)
        return received, False
    if received.status == SubmissionStatus.RECEIVED:
        received = submission_apply(received)
    return received, bool(created or kept)


def _attachments_store(files: dict[str, UploadedFile[Any]]) -> list[dict[str, Any]]:
    """Keep each file under the data directory after the upload checks; all or none."""
    kept: list[dict[str, Any]] = []
    data_dir = Path(settings.DATA_DIR).resolve()
    try:
        for name, file in files.items():
            if (file.size or 0) > settings.TUOPIN_UPLOAD_MAX_BYTES:
                raise UploadRejected(_("附件太大：%(name)s") % {"name": name})
            data = file.read()
            stored = file_store(
                ATTACHMENT_FOLDER,
                name,
                data,
                kinds=ATTACHMENT_KINDS,
                refused=_("只接受 JPG 或 PNG 图片附件：%(name)s") % {"name": name},
            )
            path = stored_path(ATTACHMENT_FOLDER, stored).resolve().relative_to(data_dir)
            kept.append(
                {
                    "name": name[:255],
                    "path": str(path),
                    "content_type": CONTENT_TYPES[Path(stored).suffix],
                    "size": len(data),
                    "sha256": hashlib.sha256(data).hexdigest(),
                }
            )
    except Exception:
        _attachments_remove(kept)
        raise
    return kept


def _attachments_remove(kept: list[dict[str, Any]]) -> None:
    data_dir = Path(settings.DATA_DIR)
    for fields in kept:
        (data_dir / fields["path"]).unlink(missing_ok=True)

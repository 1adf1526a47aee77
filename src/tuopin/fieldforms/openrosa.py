"""The OpenRosa 1.0 server ODK Collect talks to (issue 19): the form list, a form's XForm, its manifest and media
files, and the submission API. Every view authenticates a device (tuopin.fieldforms.auth) and answers in the
protocol's own XML; a form the user may not use is not found (GET) or refused (POST)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.etree.ElementTree import Element, ParseError, SubElement, tostring

from defusedxml import DefusedXmlException  # type: ignore[import-untyped]  # pyxform's dependency, untyped
from defusedxml import ElementTree as SafeElementTree
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tuopin.audit.services import audit_record
from tuopin.core.idmask import mask_id_text
from tuopin.core.uploads import UploadRejected, file_store, stored_path
from tuopin.fieldforms.apply import submission_apply
from tuopin.fieldforms.auth import device_required, request_device
from tuopin.fieldforms.forms import forms_for
from tuopin.fieldforms.media import media_for, media_hash
from tuopin.fieldforms.models import Attachment, Submission, SubmissionStatus

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from tuopin.accounts.models import User
    from tuopin.fieldforms.forms import FormSpec

VERSION_HEADER = "X-OpenRosa-Version"
XFORMS_LIST = "http://openrosa.org/xforms/xformsList"
XFORMS_MANIFEST = "http://openrosa.org/xforms/xformsManifest"
RESPONSE = "http://openrosa.org/http/response"
XML_TYPE = "text/xml; charset=utf-8"
INSTANCE_FILE = "xml_submission_file"
ATTACHMENT_FOLDER = "fieldforms"
ATTACHMENT_KINDS = (".jpg", ".jpeg", ".png")  # photos and signatures, the forms' only attachments
CONTENT_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".csv": "text/csv"}


def _openrosa(content: bytes, status: int = 200, content_type: str = XML_TYPE) -> HttpResponse:
    response = HttpResponse(content, status=status, content_type=content_type)
    response[VERSION_HEADER] = "1.0"
    response["Date"] = http_date()
    return response


def _xml(root: Element, status: int = 200) -> HttpResponse:
    return _openrosa(tostring(root, encoding="utf-8", xml_declaration=True), status)


def answer(status: int, message: str, *, nature: str = "") -> HttpResponse:
    """The OpenRosa response XML with one message (in Chinese), any ID-shaped text in it masked."""
    root = Element("OpenRosaResponse", xmlns=RESPONSE)
    SubElement(root, "message", nature=nature or ("error" if status >= 400 else "")).text = mask_id_text(
        message
    )
    return _xml(root, status)


def _refused(status: int, message: str) -> HttpResponse:
    return answer(status, message, nature="error")


guarded = device_required(_refused)


def _forms_of(user: User) -> dict[str, FormSpec]:
    return {spec.form_id: spec for spec in forms_for(user)}


def _form_or_none(user: User, form_id: str) -> FormSpec | None:
    return _forms_of(user).get(form_id)


def _absolute(request: HttpRequest, name: str, *args: Any) -> str:
    return request.build_absolute_uri(reverse(f"openrosa:{name}", args=args))


@guarded
@require_GET
def form_list(request: HttpRequest) -> HttpResponse:
    """The forms the device's user may submit (none for a role without forms)."""
    user, _device = request_device(request)
    root = Element("xforms", xmlns=XFORMS_LIST)
    for spec in _forms_of(user).values():
        xform = SubElement(root, "xform")
        SubElement(xform, "formID").text = spec.form_id
        SubElement(xform, "name").text = str(spec.title)
        SubElement(xform, "version").text = spec.version
        SubElement(xform, "hash").text = spec.hash
        SubElement(xform, "downloadUrl").text = _absolute(request, "form_xml", spec.form_id)
        if spec.media:
            SubElement(xform, "manifestUrl").text = _absolute(request, "manifest", spec.form_id)
    return _xml(root)


@guarded
@require_GET
def form_xml(request: HttpRequest, form_id: str) -> HttpResponse:
    user, _device = request_device(request)
    spec = _form_or_none(user, form_id)
    if spec is None:
        return _refused(404, _("没有这张表单。"))
    return _openrosa(spec.xml())


@guarded
@require_GET
def manifest(request: HttpRequest, form_id: str) -> HttpResponse:
    """The form's media files, each with the hash of its content for this user's scope now: a device holding
    another hash downloads the file again."""
    user, _device = request_device(request)
    if _form_or_none(user, form_id) is None:
        return _refused(404, _("没有这张表单。"))
    root = Element("manifest", xmlns=XFORMS_MANIFEST)
    for name, content in media_for(user, form_id).items():
        media_file = SubElement(root, "mediaFile")
        SubElement(media_file, "filename").text = name
        SubElement(media_file, "hash").text = media_hash(content)
        SubElement(media_file, "downloadUrl").text = _absolute(request, "media", form_id, name)
    return _xml(root)


@guarded
@require_GET
def media(request: HttpRequest, form_id: str, name: str) -> HttpResponse:
    user, _device = request_device(request)
    content = media_for(user, form_id).get(name) if _form_or_none(user, form_id) else None
    if content is None:
        return _refused(404, _("没有这个文件。"))
    etag = f'"{media_hash(content)}"'
    if etag in [
        tag.strip().removeprefix("W/") for tag in request.headers.get("If-None-Match", "").split(",")
    ]:
        response = _openrosa(b"", 304)
    else:
        kind = CONTENT_TYPES.get(Path(name).suffix.lower(), "application/octet-stream")
        response = _openrosa(content, content_type=f"{kind}; charset=utf-8" if kind == "text/csv" else kind)
    response["ETag"] = etag
    return response


@guarded
@require_http_methods(["HEAD", "POST"])
def submission(request: HttpRequest) -> HttpResponse:
    """HEAD: the cap on a submission's size (ODK Collect splits larger ones). POST: one instance and its
    attachments, or more attachments of an instance already received (a split or a resend)."""
    if request.method == "HEAD":
        response = _openrosa(b"", 204)
        response["X-OpenRosa-Accept-Content-Length"] = str(settings.TUOPIN_UPLOAD_MAX_BYTES)
        return response
    if int(request.META.get("CONTENT_LENGTH") or 0) > settings.TUOPIN_UPLOAD_MAX_BYTES:
        return _refused(413, _("提交太大，请分批发送。"))
    user, device = request_device(request)
    upload = request.FILES.get(INSTANCE_FILE)
    if upload is None:
        return _refused(400, _("提交中缺少表单数据（xml_submission_file）。"))
    xml = upload.read()
    try:
        instance = parse_instance(xml)
    except ValueError as error:
        return _refused(400, str(error))
    spec = _form_or_none(user, instance.form_id)
    if spec is None:
        audit_record(
            action="fieldforms.submission_receive",
            request=request,
            object_type="form",
            object_id=instance.form_id[:64],
            result="denied",
        )
        return _refused(403, _("您不能提交这张表单。"))
    files = [file for key in request.FILES if key != INSTANCE_FILE for file in request.FILES.getlist(key)]
    try:
        received, added = submission_receive(
            user=user, device_id=device.pk, instance=instance, xml=xml, files=files
        )
    except UploadRejected as error:
        return _refused(400, str(error))
    except SubmissionTaken:
        return _refused(409, _("该提交编号已被使用。"))
    return answer(201 if added else 202, _status_message(received))


def _status_message(received: Submission) -> str:
    if received.status == SubmissionStatus.APPLIED:
        return _("已提交，已入库。")
    if received.status == SubmissionStatus.REVIEW:
        return (
            _("已提交，已进入审核：%(reason)s") % {"reason": received.reason}
            if received.reason
            else _("已提交，已进入审核。")
        )
    if received.status in (SubmissionStatus.REFUSED, SubmissionStatus.REJECTED):
        return _("已收到，但未能入库：%(reason)s") % {"reason": received.reason}
    return _("已提交。")


class Instance:
    """What the server reads of an instance before storing it: its form, version, instanceID and data version."""

    def __init__(self, form_id: str, version: str, instance_id: str, data_version: str) -> None:
        self.form_id = form_id
        self.version = version
        self.instance_id = instance_id
        self.data_version = data_version


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

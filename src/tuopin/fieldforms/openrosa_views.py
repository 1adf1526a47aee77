"""The OpenRosa 1.0 server ODK Collect talks to (issue 19): the form list, a form's XForm, its manifest and media
files, and the submission API. Every view authenticates a device (tuopin.fieldforms.auth) and answers in the
protocol's own XML; a form the user may not use is not found (GET) or refused (POST)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.etree.ElementTree import Element, SubElement, tostring

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tuopin.audit.services import audit_record
from tuopin.core.idmask import mask_id_text
from tuopin.core.uploads import UploadRejected
from tuopin.fieldforms.auth import device_required, request_device
from tuopin.fieldforms.forms import forms_for
from tuopin.fieldforms.media import media_for, media_hash
from tuopin.fieldforms.models import Submission, SubmissionStatus
from tuopin.fieldforms.receive import SubmissionTaken, parse_instance, submission_receive

if TYPE_CHECKING:
    from tuopin.accounts.models import User
    from tuopin.fieldforms.forms import FormSpec

VERSION_HEADER = "X-OpenRosa-Version"
XFORMS_LIST = "http://openrosa.org/xforms/xformsList"
XFORMS_MANIFEST = "http://openrosa.org/xforms/xformsManifest"
RESPONSE = "http://openrosa.org/http/response"
XML_TYPE = "text/xml; charset=utf-8"
INSTANCE_FILE = "xml_submission_file"
CONTENT_TYPES = {".csv": "text/csv"}  # the media files


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

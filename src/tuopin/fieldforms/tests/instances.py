"""Instance XML as ODK Collect sends it, built from a dict, and submissions stored as the server stores them: for
the tests of applying, of the OpenRosa endpoints and of the pages.

    instance_xml("visit", {"household": "H001", "visited_on": "2026-12-01", "purpose": "走访"})
    submission_make(user, "visit", {...}, files={"photo.jpg": JPEG})
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from django.conf import settings

from tuopin.accounts.models import User
from tuopin.fieldforms.forms import FORMS
from tuopin.fieldforms.models import Attachment, Submission

# The smallest files that pass the upload checks of a photo (JPEG, PNG start bytes).
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def new_instance_id() -> str:
    return f"uuid:{uuid.uuid4()}"


def _fill(parent: Element, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if isinstance(value, list) and all(isinstance(item, dict) for item in value):  # a repeat
            for item in value:
                _fill(SubElement(parent, name), item)
        elif isinstance(value, dict):  # a group
            _fill(SubElement(parent, name), value)
        else:
            SubElement(parent, name).text = (
                " ".join(str(v) for v in value) if isinstance(value, list) else str(value)
            )


def instance_xml(
    form_id: str, values: dict[str, Any], *, instance_id: str = "", version: str | None = None
) -> bytes:
    """The instance of `form_id` holding `values` (a list of dicts is a repeat, a list of strings a
    select_multiple), with the form's current version and meta/instanceID."""
    root = Element(
        "data",
        {
            "id": form_id,
            "version": FORMS[form_id].version if version is None else version,
            "xmlns:jr": "http://openrosa.org/javarosa",
            "xmlns:orx": "http://openrosa.org/xforms",
        },
    )
    _fill(root, values)
    meta = SubElement(root, "meta")
    SubElement(meta, "instanceID").text = instance_id or new_instance_id()
    return b'<?xml version="1.0" encoding="UTF-8"?>' + tostring(root, encoding="unicode").encode()


def submission_make(
    user: User,
    form_id: str,
    values: dict[str, Any],
    *,
    files: dict[str, bytes] | None = None,
    instance_id: str = "",
) -> Submission:
    """A submission stored as received, its attachments kept under the data directory."""
    instance_id = instance_id or new_instance_id()
    submission = Submission.objects.create(
        instance_id=instance_id,
        form_id=form_id,
        form_version=FORMS[form_id].version,
        user=user,
        xml=instance_xml(form_id, values, instance_id=instance_id).decode(),
    )
    for name, content in (files or {}).items():
        relative = Path("fieldforms") / uuid.uuid4().hex / name
        path = Path(settings.DATA_DIR) / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        Attachment.objects.create(
            submission=submission,
            name=name,
            path=str(relative),
            content_type="image/png" if name.endswith(".png") else "image/jpeg",
            size=len(content),
            sha256="0" * 64,
        )
    return submission

"""Instance XML as ODK Collect sends it, built from a dict, and submissions stored as the server stores them: for
the tests of applying, of the OpenRosa endpoints and of the pages.

    instance_xml("visit", {"household": "H001", "visited_on": "2026-12-01", "purpose": "走访"})
    submission_make(user, "visit", {...}, files={"photo.jpg": JPEG})

The instance itself is tuopin.fieldforms.instances' (the demo builds its submissions with it too).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.conf import settings

from tuopin.accounts.models import User
from tuopin.fieldforms.forms import FORMS
from tuopin.fieldforms.instances import instance_xml, new_instance_id
from tuopin.fieldforms.models import Attachment, Submission

# The smallest files that pass the upload checks of a photo (JPEG, PNG start bytes).
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


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


__all__ = ["JPEG", "PNG", "instance_xml", "new_instance_id", "submission_make"]

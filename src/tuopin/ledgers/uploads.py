"""THE way a page turns an uploaded file into an import job, for every upload page (ledgers, the registry, the
department data): the file is kept through the kernel's upload checks, a refused file becomes the form's error and
the import's one refusal row, and a kept one starts the job whose page shows its progress."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django import forms
from django.http import HttpRequest

from tuopin.accounts.permissions import signed_in_user
from tuopin.audit.services import import_refusal_record
from tuopin.core.idmask import mask_id_text
from tuopin.core.jobs import job_start
from tuopin.core.models import Job
from tuopin.core.uploads import UploadRejected, upload_keep


def upload_job_start(
    request: HttpRequest,
    form: forms.Form,
    *,
    kind: str,
    enqueue: Callable[[str], object],
    params: dict[str, Any],
    field: str = "file",
    suffix: str = ".xlsx",
    ledger: str = "",
    dry_run: bool = False,
) -> Job | None:
    """Keep the valid form's file and start the job `kind` with `params` and the file's path and name (anything
    ID-shaped in the name masked); None when the upload checks refused the file (the form then holds the error)."""
    upload = form.cleaned_data[field]
    filename = mask_id_text(Path(upload.name or f"upload{suffix}").name)[:100]
    try:
        path = upload_keep(upload, suffix)
    except UploadRejected as error:
        form.add_error(field, str(error))
        import_refusal_record(
            action=kind,
            actor=request.user,
            request=request,
            ledger=ledger,
            filename=filename,
            message=str(error),
            dry_run=dry_run,
        )
        return None
    return job_start(
        kind=kind,
        user_id=signed_in_user(request).pk,
        params={"path": str(path), "name": filename, **params},
        enqueue=enqueue,
    )

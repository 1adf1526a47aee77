"""Background jobs of the feeds, run by the worker that `tuopin serve` starts."""

from __future__ import annotations

from pathlib import Path

from django.urls import reverse
from django_tasks import task

from tuopin.accounts.models import User
from tuopin.core.jobs import job_finish, job_progress
from tuopin.core.models import Job
from tuopin.core.uploads import UploadRejected
from tuopin.feeds.permissions import can_upload
from tuopin.feeds.services import feed_import


@task()
def feeds_import_job(job_id: str) -> None:
    """Import an uploaded file as the user who uploaded it, re-checking that user's rights now (SECURITY F3)."""
    job = Job.objects.select_related("user").get(pk=job_id)
    path = Path(job.params["path"])
    try:
        user: User = job.user
        if not user.is_active or not can_upload(user):
            job_finish(job_id, result={"ok": False, "errors": [], "refused": "permission"}, failed=True)
            return
        try:
            report = feed_import(
                actor=user,
                source=job.params["source"],
                path=path,
                name=job.params["name"],
                period=job.params.get("period", ""),
                accept_valid=job.params.get("accept_valid", False),
                progress=job_progress(job_id),
            )
        except (UploadRejected, ValueError) as error:
            job_finish(job_id, result={"ok": False, "errors": [], "refused": str(error)}, failed=True)
            return
        result = report.as_result() | {"url": reverse("feeds:job", args=[job_id])}
        # The job page's own table of problems names a sheet; here it is the file.
        result["errors"] = [error | {"sheet": job.params["name"]} for error in result["errors"]]
        job_finish(job_id, result=result, failed=report.failed)
    finally:
        path.unlink(missing_ok=True)  # uploads hold personal data; nothing is kept once read

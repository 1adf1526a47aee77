"""Background jobs of the registry, run by the worker that `tuopin serve` starts."""

from __future__ import annotations

from pathlib import Path

from django_tasks import task

from tuopin.accounts.models import User
from tuopin.accounts.roles import Capability
from tuopin.audit.services import import_refusal_record
from tuopin.core.jobs import job_finish, job_progress
from tuopin.core.models import Job
from tuopin.core.uploads import UploadRejected
from tuopin.registry.importers import import_registry


@task()
def registry_import_job(job_id: str) -> None:
    """Import an uploaded workbook as the user who uploaded it, re-checking that user's rights now (SECURITY F3)."""
    job = Job.objects.select_related("user").get(pk=job_id)
    path = Path(job.params["path"])
    try:
        user: User = job.user
        if not user.is_active or not user.can(Capability.WRITE):
            job_finish(job_id, result={"ok": False, "errors": [], "refused": "permission"}, failed=True)
            import_refusal_record(
                action="registry.import",
                actor=user,
                filename=job.params.get("name", path.name),
                forbidden=True,
                dry_run=job.params.get("dry_run", False),
            )
            return
        try:
            result = import_registry(
                path,
                actor=user,
                dry_run=job.params.get("dry_run", False),
                progress=job_progress(job_id),
                name=job.params.get("name", path.name),
            )
        except UploadRejected as error:
            job_finish(job_id, result={"ok": False, "errors": [], "refused": str(error)}, failed=True)
            return
        job_finish(job_id, result=result.as_dict(), failed=not result.ok)
    finally:
        path.unlink(missing_ok=True)  # uploads hold personal data; nothing is kept once read

"""Background jobs of the ledger framework: the import of a ledger uploaded in a page."""

from __future__ import annotations

from pathlib import Path

from django_tasks import task

from tuopin.accounts.models import User
from tuopin.audit.services import import_refusal_record
from tuopin.core.jobs import job_finish, job_progress
from tuopin.core.models import Job
from tuopin.core.uploads import UploadRejected
from tuopin.ledgers.framework import LEDGERS, UnknownLedger, ledger_import, ledger_may_import


@task()
def ledger_import_job(job_id: str) -> None:
    """Import an uploaded ledger as the user who uploaded it, re-checking that user's rights now (SECURITY F3)."""
    job = Job.objects.select_related("user").get(pk=job_id)
    path = Path(job.params["path"])
    try:
        user: User = job.user
        ledger = LEDGERS.get(job.params["ledger"])  # an unknown one is refused by ledger_import below
        if not user.is_active or (ledger is not None and not ledger_may_import(user, ledger)):
            job_finish(job_id, result={"ok": False, "errors": [], "refused": "permission"}, failed=True)
            import_refusal_record(
                action="ledger.import",
                actor=user,
                filename=job.params.get("name", path.name),
                ledger=job.params["ledger"],
                forbidden=True,
                dry_run=job.params.get("dry_run", False),
            )
            return
        try:
            result = ledger_import(
                job.params["ledger"],
                path,
                actor=user,
                dry_run=job.params.get("dry_run", False),
                progress=job_progress(job_id),
                filename=job.params.get("name", path.name),
            )
        except (UploadRejected, UnknownLedger) as error:
            job_finish(job_id, result={"ok": False, "errors": [], "refused": str(error)}, failed=True)
            return
        job_finish(job_id, result=result.as_dict(), failed=not result.ok)
    finally:
        path.unlink(missing_ok=True)  # nothing uploaded is kept once read

"""Background jobs of monitoring, run by the worker that `tuopin serve` starts."""

from __future__ import annotations

from django.urls import reverse
from django_tasks import task

from tuopin.accounts.roles import Capability
from tuopin.core.jobs import job_finish, job_progress
from tuopin.core.models import Job


@task()
def screening_job(job_id: str) -> None:
    """A screening of the whole registry started from the inbox, as the user who asked (rights re-checked now)."""
    from tuopin.monitoring.services import screening_run

    job = Job.objects.select_related("user").get(pk=job_id)
    user = job.user
    if (
        not user.is_active
        or not user.can(Capability.WRITE)
        or user.role not in ("county", "city", "province", "admin")
    ):
        job_finish(job_id, result={"refused": "permission"}, failed=True)
        return
    try:
        _run, result = screening_run(actor=user, progress=job_progress(job_id))
    except Exception as error:
        job_finish(job_id, result={"refused": str(error)[:500]}, failed=True)
        raise
    job_finish(job_id, result={**result.as_dict(), "url": reverse("monitoring:alerts")})

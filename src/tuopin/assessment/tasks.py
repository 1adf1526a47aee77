"""Background jobs of the assessment, run by the worker that `tuopin serve` starts."""

from __future__ import annotations

from django.urls import reverse
from django_tasks import task

from tuopin.accounts.roles import Capability
from tuopin.areas.codes import child_length
from tuopin.assessment.services import assessment_run
from tuopin.core.jobs import job_finish, job_progress
from tuopin.core.models import Job


@task()
def assessment_run_job(job_id: str) -> None:
    """Run an assessment as the user who asked for it, re-checking that user's rights now."""
    job = Job.objects.select_related("user").get(pk=job_id)
    user = job.user
    if not user.is_active or not user.can(Capability.WRITE):
        job_finish(job_id, result={"refused": "permission"}, failed=True)
        return
    try:
        run = assessment_run(
            actor=user, year=job.params["year"], area=job.params["area"], progress=job_progress(job_id)
        )
    except Exception as error:  # the job page says what went wrong; the run row says failed
        job_finish(job_id, result={"refused": str(error)[:500]}, failed=True)
        raise
    job_finish(
        job_id,
        result={
            "run": run.pk,
            "assessed": run.assessed,
            "may_exit": run.may_exit,
            "url": reverse("assessment:run", args=[run.pk]),
        },
    )


@task()
def assessment_what_if_job(job_id: str) -> None:
    """A what-if comparison for the user who asked, limited to an area in their scope; nothing is written but the
    job's own result (the area and its children, and the households whose decision changes)."""
    from tuopin.accounts.scope import in_scope
    from tuopin.assessment.services import what_if

    job = Job.objects.select_related("user").get(pk=job_id)
    user, params = job.user, job.params
    if not user.is_active or not user.can(Capability.READ) or not in_scope(user, params["area"]):
        job_finish(job_id, result={"refused": "permission"}, failed=True)
        return
    progress = job_progress(job_id)
    progress(0, 2, "评估中")
    try:
        data = what_if(params["year"], {params["key"]: params["value"]}, area=params["area"])
    except Exception as error:
        job_finish(job_id, result={"refused": str(error)[:500]}, failed=True)
        raise
    area = params["area"]
    child = child_length(area)
    data["areas"] = [a for a in data["areas"] if a["code"] == area or len(a["code"]) == child]
    job_finish(job_id, result={**data, "url": reverse("assessment:what_if", args=[job_id])})

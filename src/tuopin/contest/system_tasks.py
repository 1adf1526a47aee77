"""The background job of an indicator run (a run over a province's counties assesses its whole registry twice: it
stays out of the request), run by the worker that `tuopin serve` starts."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django_tasks import task

from tuopin.areas.models import Area
from tuopin.contest.models import SystemVersion
from tuopin.contest.runs import indicator_run
from tuopin.core.jobs import job_finish, job_progress
from tuopin.core.models import Job


@task()
def indicator_run_job(job_id: str) -> None:
    """Run the indicators as the user who asked, its rights checked again now by indicator_run."""
    job = Job.objects.select_related("user").get(pk=job_id)
    user, params = job.user, job.params
    if not user.is_active:
        job_finish(job_id, result={"refused": "permission"}, failed=True)
        return
    job_progress(job_id)(0, 1, "计算中")
    try:
        run = indicator_run(
            actor=user,
            version=SystemVersion.objects.select_related("system").get(pk=params["version"]),
            organiser=Area.objects.get(pk=params["organiser"]),
            areas=params["areas"],
            year=params["year"],
            as_of=date.fromisoformat(params["as_of"]),
        )
    except ValidationError as refused:  # the data changed since the page checked it
        job_finish(job_id, result={"refused": "；".join(refused.messages)[:500]}, failed=True)
        return
    except PermissionDenied as refused:  # the user's rights changed since (the refusal is audited)
        job_finish(job_id, result={"refused": str(refused)[:500]}, failed=True)
        return
    except Exception as error:  # the job page says what went wrong
        job_finish(job_id, result={"refused": str(error)[:500]}, failed=True)
        raise
    job_finish(
        job_id, result={"run": run.pk, "checksum": run.checksum, "url": reverse("contest:run", args=[run.pk])}
    )

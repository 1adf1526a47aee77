"""Starting background jobs and reporting their progress (the queue itself is django-tasks)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.db import transaction

from tuopin.core.models import Job, JobStatus

Progress = Callable[[int, int, str], None]


def job_start(*, kind: str, user: Any, params: dict[str, Any], enqueue: Callable[[str], object]) -> Job:
    """Record the job and hand it to the queue once the record is committed."""
    job = Job.objects.create(kind=kind, user=user, params=params)
    transaction.on_commit(lambda: enqueue(str(job.pk)))
    return job


def job_progress(job_id: str) -> Progress:
    def report(done: int, total: int, phase: str) -> None:
        Job.objects.filter(pk=job_id).update(
            status=JobStatus.RUNNING, done=done, total=max(total, 1), phase=phase
        )

    return report


def job_finish(job_id: str, *, result: dict[str, Any], failed: bool = False) -> None:
    status = JobStatus.FAILED if failed else JobStatus.DONE
    Job.objects.filter(pk=job_id).update(status=status, result=result, finished_at=datetime.now(UTC),
                                         phase="", done=1, total=1)  # fmt: skip


def job_for(user: Any, job_id: str) -> Job | None:
    """A job is seen only by the user who started it."""
    return Job.objects.filter(pk=job_id, user=user).first()

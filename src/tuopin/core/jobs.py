"""Starting background jobs and reporting their progress (the queue itself is django-tasks)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from tuopin.core.models import Job, JobStatus

Progress = Callable[[int, int, str], None]


def job_start(*, kind: str, user_id: int, params: dict[str, Any], enqueue: Callable[[str], object]) -> Job:
    """Record the job of the user `user_id` (the kernel knows users only by their key) and hand it to the queue once
    the record is committed."""
    job = Job.objects.create(kind=kind, user_id=user_id, params=params)
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
    Job.objects.filter(pk=job_id).update(
        status=status, result=result, finished_at=datetime.now(UTC), phase="", done=1, total=1
    )


def job_for(user_id: int | None, job_id: str) -> Job | None:
    """A job is seen only by the user who started it (None, a visitor not signed in, sees none)."""
    if user_id is None:
        return None
    return Job.objects.filter(pk=job_id, user_id=user_id).first()


def upload_remove(path: str | None) -> None:
    """Remove a kept upload, only ever under MEDIA_ROOT/uploads (a job's params are data, not trusted paths)."""
    if not path:
        return
    folder = (Path(settings.MEDIA_ROOT) / "uploads").resolve()
    target = Path(path).resolve()
    if target.parent == folder:
        target.unlink(missing_ok=True)

"""Starting background jobs and reporting their progress (the queue itself is django-tasks)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

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
    Job.objects.filter(pk=job_id).update(
        status=status, result=result, finished_at=datetime.now(UTC), phase="", done=1, total=1
    )


def job_for(user: Any, job_id: str) -> Job | None:
    """A job is seen only by the user who started it."""
    return Job.objects.filter(pk=job_id, user=user).first()


def jobs_abandoned_fail() -> int:
    """Fail the jobs that a job worker was running when it died (a crash, kill -9, a reader that aborted): each is
    marked failed with a message saying so, its uploaded file removed, its queue entry closed, and one audit row
    written. Called by `tuopin serve` before it starts a worker and whenever one exits. Returns how many."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from tuopin.audit.services import audit_record

    now = datetime.now(UTC)
    message = _(
        "后台任务进程意外终止（文件可能已损坏或超出处理能力），未写入任何数据，上传的文件已删除。请检查文件后重新上传。"
    )
    job_ids: set[str] = set()
    for task_result in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING):
        job_id = (task_result.args_kwargs or {}).get("kwargs", {}).get("job_id")
        if job_id:
            job_ids.add(str(job_id))
    DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        exception_class_path="tuopin.core.jobs.WorkerDied",
        traceback=message,
    )
    abandoned = Job.objects.select_related("user").filter(
        Q(pk__in=job_ids, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]) | Q(status=JobStatus.RUNNING)
    )
    count = 0
    for job in abandoned:
        upload_remove(job.params.get("path"))
        job_finish(str(job.pk), result={"ok": False, "errors": [], "refused": str(message)}, failed=True)
        audit_record(
            action=job.kind,
            actor=job.user,
            object_type="job",
            object_id=str(job.pk),
            result="error",
            details={"file": str(job.params.get("name", ""))[:100], "crashed": True},
        )
        count += 1
    return count


def upload_remove(path: str | None) -> None:
    """Remove a kept upload, only ever under MEDIA_ROOT/uploads (a job's params are data, not trusted paths)."""
    if not path:
        return
    folder = (Path(settings.MEDIA_ROOT) / "uploads").resolve()
    target = Path(path).resolve()
    if target.parent == folder:
        target.unlink(missing_ok=True)

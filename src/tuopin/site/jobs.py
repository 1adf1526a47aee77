"""Jobs a dead worker left behind, failed and audited by the supervisor of `tuopin serve` (the top floor: it writes
the audit row the kernel's job records cannot)."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db.models import Q
from django.utils.translation import gettext as _
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tuopin.audit.services import audit_record
from tuopin.core.jobs import job_finish, upload_remove
from tuopin.core.models import Job, JobStatus


def jobs_abandoned_fail() -> int:
    """Fail the jobs that a job worker was running when it died (a crash, kill -9, a reader that aborted): each is
    marked failed with a message saying so, its uploaded file removed, its queue entry closed, and one audit row
    written. Called by `tuopin serve` before it starts a worker and whenever one exits. Returns how many."""
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

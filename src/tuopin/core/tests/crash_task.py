"""Background jobs for the supervisor's test: one that kills its worker as a reader that aborts would, and one
that finishes, to show that a new worker took over."""

from __future__ import annotations

import os

from django_tasks import task

from tuopin.core.jobs import job_finish, job_progress


@task()
def crash_job(job_id: str) -> None:
    job_progress(job_id)(0, 1, "读取")
    os.abort()


@task()
def finish_job(job_id: str) -> None:
    job_finish(job_id, result={"ok": True})

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import CommandError, CommandParser

from tuopin.core.commands import TuopinCommand
from tuopin.site.jobs import jobs_abandoned_fail

# The access log names the path only: never the query string (`%(r)s`, `%(q)s`) nor the referrer, which may
# carry one, since a query string can hold an ID number (SECURITY.md B5).
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
# A job worker that dies is started again after this many seconds, doubling while it keeps dying soon after
# starting (a file that crashes it every time must not make the supervisor spin).
RESTART_DELAY = 1.0
RESTART_DELAY_MAX = 30.0
STABLE_AFTER = 60.0


class Command(TuopinCommand):
    help = (
        "Run the web server (gunicorn) and the background-job worker until interrupted. A job worker that dies is "
        "restarted, and the jobs it was running are marked failed; the web server keeps serving."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2, help="web worker processes")

    def handle(self, *args: Any, **options: Any) -> None:
        web_command = [
            sys.executable,
            "-m",
            "gunicorn",
            "tuopin.wsgi:application",
            "--bind",
            f"{options['host']}:{options['port']}",
            "--workers",
            str(options["workers"]),
            "--threads",
            "4",
            "--access-logfile",
            "-",
            "--access-logformat",
            ACCESS_LOG_FORMAT,
            "--graceful-timeout",
            "10",
        ]
        worker_command = [sys.executable, "-m", "tuopin.cli", "db_worker", "--interval", "1"]
        self._fail_abandoned()  # left running by an earlier server that was killed
        # Fixed argument lists built from our own interpreter path and validated options.
        web = subprocess.Popen(web_command)  # noqa: S603
        worker = subprocess.Popen(worker_command)  # noqa: S603
        self.stdout.write(f"Tuopin is serving http://{options['host']}:{options['port']}/ (Ctrl-C to stop)")
        stopping = False

        def stop(*_args: Any) -> None:
            nonlocal stopping
            stopping = True
            for process in (web, worker):
                if process.poll() is None:
                    process.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        delay, started = RESTART_DELAY, time.monotonic()
        try:
            while not stopping and web.poll() is None:
                if worker.poll() is not None and not stopping:
                    self.stderr.write(f"the job worker exited with status {worker.returncode}; restarting it")
                    self._fail_abandoned()
                    delay = (
                        RESTART_DELAY
                        if time.monotonic() - started > STABLE_AFTER
                        else min(delay * 2, RESTART_DELAY_MAX)
                    )
                    time.sleep(delay)
                    if stopping:
                        break
                    worker, started = subprocess.Popen(worker_command), time.monotonic()  # noqa: S603
                time.sleep(0.5)
        finally:
            stop()
            for process in (web, worker):
                process.wait(timeout=20)
        if not stopping and web.returncode not in (0, -signal.SIGTERM, -signal.SIGINT):
            raise CommandError(f"the web server exited with status {web.returncode}")

    def _fail_abandoned(self) -> None:
        failed = jobs_abandoned_fail()
        if failed:
            self.stderr.write(f"{failed} job(s) left running by a dead job worker were marked failed")

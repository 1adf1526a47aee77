from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import CommandError, CommandParser

from tuopin.core.commands import TuopinCommand


class Command(TuopinCommand):
    help = "Run the web server (gunicorn) and the background-job worker until interrupted."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2, help="web worker processes")

    def handle(self, *args: Any, **options: Any) -> None:
        web = [
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
            "--graceful-timeout",
            "10",
        ]
        worker = [sys.executable, "-m", "tuopin.cli", "db_worker", "--interval", "1"]
        # Fixed argument lists built from our own interpreter path and validated options.
        processes = [subprocess.Popen(web), subprocess.Popen(worker)]  # noqa: S603
        self.stdout.write(f"Tuopin is serving http://{options['host']}:{options['port']}/ (Ctrl-C to stop)")

        def stop(*_args: Any) -> None:
            for process in processes:
                if process.poll() is None:
                    process.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while all(process.poll() is None for process in processes):
                time.sleep(0.5)
        finally:
            stop()
            for process in processes:
                process.wait(timeout=20)
        failed = [p for p in processes if p.returncode not in (0, -signal.SIGTERM, -signal.SIGINT)]
        if failed:
            raise CommandError(f"a server process exited with status {failed[0].returncode}")

"""What every `tuopin` command shares: --json output and clear failures."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management.base import BaseCommand


class TuopinCommand(BaseCommand):
    """A management command with subcommands (`tuopin areas load …`) and machine-readable --json output."""

    requires_system_checks: list[str] = []

    def emit(self, options: dict[str, Any], data: Any, human: str) -> None:
        if options.get("json"):
            self.stdout.write(json.dumps(data, ensure_ascii=False, default=str))
        else:
            self.stdout.write(human)


def add_json_flag(parser: Any) -> None:
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


@contextmanager
def progress_bar(description: str, *, enabled: bool = True) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on the command's stderr for long work; yields `advance(done, total)`."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    if not enabled:
        yield lambda done, total: None
        return
    console = Console(file=sys.stderr, stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(description, total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total or None)

        yield advance

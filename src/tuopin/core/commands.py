"""What every `tuopin` command shares: --json output and clear failures."""

from __future__ import annotations

import json
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

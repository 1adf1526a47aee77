from __future__ import annotations

import time
from typing import Any

from django.core.management.base import CommandError, CommandParser

from tuopin.areas.models import Area
from tuopin.core.commands import TuopinCommand, add_json_flag, progress_bar
from tuopin.dashboards.figures import figures_refresh


class Command(TuopinCommand):
    help = (
        "`tuopin dashboards refresh [--area CODE …]`: recompute the dashboards' stored figures of the areas (and "
        "those above them); all areas without --area. The batch engine does this after each assessment, screening "
        "and import; run it after changing households one by one on the pages."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True, parser_class=type(parser))
        refresh = sub.add_parser("refresh", help="recompute the stored figures")
        refresh.add_argument("--area", action="append", default=[], help="an area code (repeatable)")
        add_json_flag(refresh)

    def handle(self, *args: Any, **options: Any) -> None:
        codes = options["area"]
        unknown = sorted(set(codes) - set(Area.objects.filter(code__in=codes).values_list("code", flat=True)))
        if unknown:
            raise CommandError(f"unknown area code: {', '.join(unknown)}")
        started = time.perf_counter()
        with progress_bar("dashboards refresh", enabled=not options["json"]) as advance:
            written = figures_refresh(
                codes or None, progress=lambda done, total, _phase: advance(done, total)
            )
        seconds = round(time.perf_counter() - started, 2)
        self.emit(
            options,
            {"areas": written, "seconds": seconds},
            f"refreshed the figures of {written} areas in {seconds} s",
        )

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandParser

from tuopin.administration.area_services import areas_load
from tuopin.core.commands import TuopinCommand, add_json_flag


class Command(TuopinCommand):
    help = (
        "Prepare the data directory: database tables, static files, the divisions of Hebei. Safe to re-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--province", default="13", help="province whose divisions to load (default 13)")
        add_json_flag(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        quiet = {"verbosity": 0}
        call_command("migrate", interactive=False, **quiet)
        call_command("collectstatic", interactive=False, **quiet)
        loaded = areas_load(province=options["province"])
        data = {
            "data_dir": str(settings.DATA_DIR),
            "database": settings.DATABASES["default"]["ENGINE"],
            "areas_created": loaded.created,
        }
        self.emit(options, data, f"ready: {settings.DATA_DIR} ({loaded.created} areas added)")

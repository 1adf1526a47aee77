"""`tuopin fieldforms …`: offline field collection from the command line (issue 19).

`device --username U [--label L]` makes a device credential for ODK Collect and prints its password as the last
line (shown once, never stored). Each subcommand is a `_<name>` method with its arguments added in `add_arguments`."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from tuopin.accounts.models import User
from tuopin.core.commands import TuopinCommand
from tuopin.fieldforms.devices import device_create


class Command(TuopinCommand):
    help = "Offline field collection: device credentials for ODK Collect."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        device = sub.add_parser(
            "device", help="make a device credential; prints its password as the last line"
        )
        device.add_argument("--username", required=True, help="the user the phone signs in as")
        device.add_argument("--label", default="ODK Collect", help="the phone's name on the devices page")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _device(self, options: dict[str, Any]) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {options['username']!r}")
        try:
            device, password = device_create(actor=None, user=user, label=options["label"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            f"device {device.pk} {device.label!r} for {user.username}; its password, shown once:"
        )
        self.stdout.write(password)

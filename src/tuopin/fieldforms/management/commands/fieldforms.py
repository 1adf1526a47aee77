"""`tuopin fieldforms …`: offline field collection from the command line (issue 19).

`device --username U [--label L]` makes a device credential for ODK Collect and prints its password as the last
line (shown once, never stored). `pull --url URL --project N --form FORM_ID [--username U --password-file F]
[--as USER]` stores and applies a form's submissions from an existing ODK Central (pull.py) and prints
{"fetched", "new", "applied", "review", "refused"} as JSON. Each subcommand is a `_<name>` method with its arguments added in `add_arguments`."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from tuopin.accounts.models import User
from tuopin.core.commands import TuopinCommand
from tuopin.fieldforms.devices import device_create
from tuopin.fieldforms.pull import Central, PullFailed, central_client, submissions_pull

CENTRAL_USERNAME = "TUOPIN_ODK_CENTRAL_USERNAME"
# Secrets only from the environment or a file, never an argument (the process list shows arguments).
CENTRAL_PASSWORD = "TUOPIN_ODK_CENTRAL_PASSWORD"  # noqa: S105 - the variable's name, not a password


class Command(TuopinCommand):
    help = "Offline field collection: device credentials for ODK Collect, the pull from an ODK Central."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        device = sub.add_parser(
            "device", help="make a device credential; prints its password as the last line"
        )
        device.add_argument("--username", required=True, help="the user the phone signs in as")
        device.add_argument("--label", default="ODK Collect", help="the phone's name on the devices page")
        pull = sub.add_parser("pull", help="store and apply a form's submissions from an ODK Central project")
        pull.add_argument(
            "--url", required=True, help="the Central's address, e.g. https://central.example.org"
        )
        pull.add_argument("--project", required=True, type=int, help="the Central project's number")
        pull.add_argument("--form", required=True, help="the form's id (xmlFormId), one of Tuopin's forms")
        pull.add_argument("--username", default="", help=f"the Central account (else ${CENTRAL_USERNAME})")
        pull.add_argument(
            "--password-file", default="", help=f"a file holding its password (else ${CENTRAL_PASSWORD})"
        )
        pull.add_argument(
            "--as",
            dest="as_user",
            default="",
            help="the Tuopin user the submissions are from (else --username)",
        )

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

    def _pull(self, options: dict[str, Any]) -> None:
        username = options["username"] or os.environ.get(CENTRAL_USERNAME, "")
        if options["password_file"]:
            try:
                password = Path(options["password_file"]).read_text(encoding="utf-8").strip()
            except OSError as error:
                raise CommandError(f"cannot read the password file: {error}") from error
        else:
            password = os.environ.get(CENTRAL_PASSWORD, "")
        if not username or not password:
            raise CommandError(
                f"give --username and --password-file (or ${CENTRAL_USERNAME}, ${CENTRAL_PASSWORD})"
            )
        as_name = options["as_user"] or username
        user = User.objects.filter(username=as_name, is_active=True).first()
        if user is None:
            raise CommandError(f"no active Tuopin user {as_name!r} (--as)")
        client = central_client(
            url=options["url"], username=username, password=password, project=options["project"]
        )
        try:
            summary = submissions_pull(
                central=Central(client, options["project"], options["form"]), user=user
            )
        except PullFailed as error:
            raise CommandError(str(error)) from error
        self.stdout.write(json.dumps(summary.as_dict()))

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from tuopin.accounts.models import User
from tuopin.accounts.services import token_create
from tuopin.core.commands import TuopinCommand


class Command(TuopinCommand):
    help = "Personal access tokens for the API: `tuopin token create --username U` prints the token on its last line."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        create = sub.add_parser("create", help="create a token acting exactly as the user")
        create.add_argument("--username", required=True)
        create.add_argument("--name", default="cli", help="what the token is for")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {options['username']}")
        raw = token_create(user=user, name=options["name"])
        self.stdout.write(
            f"token for {user.username} (shown once; send it as 'Authorization: Bearer TOKEN'):"
        )
        self.stdout.write(raw)

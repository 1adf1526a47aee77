from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from tuopin.accounts.models import User
from tuopin.accounts.roles import Role
from tuopin.accounts.selectors import user_area_codes
from tuopin.accounts.services import UserFields, user_create, user_set_password, user_update
from tuopin.core.commands import TuopinCommand, add_json_flag


class Command(TuopinCommand):
    help = "Users: add, change, set a password, list."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        add = sub.add_parser("add", help="create a user")
        add.add_argument("--username", required=True)
        add.add_argument("--password", required=True, help="at least 12 characters, not a common password")
        self._role_arguments(add, required=True)
        add_json_flag(add)
        change = sub.add_parser("change", help="change a user's role, areas or status")
        change.add_argument("--username", required=True)
        self._role_arguments(change, required=False)
        change.add_argument("--disable", action="store_true")
        change.add_argument("--enable", action="store_true")
        add_json_flag(change)
        password = sub.add_parser("password", help="set a user's password")
        password.add_argument("--username", required=True)
        password.add_argument("--password", required=True)
        listing = sub.add_parser("list", help="list users")
        add_json_flag(listing)

    @staticmethod
    def _role_arguments(parser: CommandParser, *, required: bool) -> None:
        parser.add_argument("--role", required=required, choices=Role.values)
        parser.add_argument(
            "--area",
            action="append",
            dest="areas",
            required=required,
            metavar="CODE",
            help="an area code the user holds (repeat for several)",
        )
        parser.add_argument("--full-name", default=None)
        parser.add_argument("--organisation", default=None)
        parser.add_argument(
            "--manage-users", action="store_true", help="may create users inside its own areas"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error

    def _add(self, options: dict[str, Any]) -> None:
        fields = UserFields(
            role=options["role"],
            area_codes=options["areas"],
            full_name=options["full_name"] or "",
            organisation=options["organisation"] or "",
            can_manage_users=options["manage_users"],
        )
        user = user_create(
            actor=None, username=options["username"], password=options["password"], fields=fields
        )
        self.emit(options, _describe(user), f"created {user.username} ({user.role})")

    def _change(self, options: dict[str, Any]) -> None:
        user = _get(options["username"])
        fields = UserFields(
            role=options["role"] or user.role,
            area_codes=options["areas"] or user_area_codes(user),  # also a disabled user's own
            full_name=user.full_name if options["full_name"] is None else options["full_name"],
            organisation=user.organisation if options["organisation"] is None else options["organisation"],
            can_manage_users=options["manage_users"] or user.can_manage_users,
            is_active=(user.is_active or options["enable"]) and not options["disable"],
        )
        user = user_update(actor=None, user=user, fields=fields)
        self.emit(options, _describe(user), f"changed {user.username}")

    def _password(self, options: dict[str, Any]) -> None:
        user_set_password(actor=None, user=_get(options["username"]), password=options["password"])
        self.stdout.write(f"password set for {options['username']}")

    def _list(self, options: dict[str, Any]) -> None:
        users = [_describe(user) for user in User.objects.prefetch_related("area_links")]
        self.emit(
            options, users, "\n".join(f"{u['username']}\t{u['role']}\t{' '.join(u['areas'])}" for u in users)
        )


def _get(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"no such user: {username}")
    return user


def _describe(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "role": user.role,
        "areas": sorted(a.area_id for a in user.area_links.all()),
        "active": user.is_active,
        "can_manage_users": user.can_manage_users,
    }

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from tuopin.accounts.models import Token, User
from tuopin.accounts.services import token_create, token_revoke
from tuopin.core.commands import TuopinCommand, add_json_flag


class Command(TuopinCommand):
    help = (
        "Personal access tokens for the API: `tuopin token create --username U` prints the token on its last line; "
        "`list` shows tokens by prefix (never the token), `revoke` revokes one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        create = sub.add_parser("create", help="create a token acting exactly as the user")
        create.add_argument("--username", required=True)
        create.add_argument("--name", default="cli", help="what the token is for")
        listing = sub.add_parser("list", help="list tokens (newest first) by name and prefix")
        listing.add_argument("--username", help="only this user's tokens")
        add_json_flag(listing)
        revoke = sub.add_parser("revoke", help="revoke a token: --id N, or --username U --name NAME")
        revoke.add_argument(
            "--id", type=int, dest="token_id", help="the token's id (see `tuopin token list`)"
        )
        revoke.add_argument(
            "--username", help="with --name: the user whose live tokens of that name are revoked"
        )
        revoke.add_argument("--name")
        add_json_flag(revoke)

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _create(self, options: dict[str, Any]) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {options['username']}")
        raw = token_create(user=user, name=options["name"])
        self.stdout.write(
            f"token for {user.username} (shown once; send it as 'Authorization: Bearer TOKEN'):"
        )
        self.stdout.write(raw)

    def _list(self, options: dict[str, Any]) -> None:
        tokens = Token.objects.select_related("user").order_by("-created_at", "-pk")
        if options["username"]:
            tokens = tokens.filter(user__username=options["username"])
        rows = [_describe(token) for token in tokens]
        human = "\n".join(
            f"{r['id']}\t{r['username']}\t{r['name']}\t{r['prefix']}…\t{r['created_at']}\t"
            f"{r['last_used_at'] or '-'}\t{'revoked ' + str(r['revoked_at']) if r['revoked_at'] else 'live'}"
            for r in rows
        )
        self.emit(options, rows, human or "no tokens")

    def _revoke(self, options: dict[str, Any]) -> None:
        revoked = []
        try:
            for token in _chosen(options):
                revoked.append(_describe(token_revoke(actor=None, token=token)))
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        human = "\n".join(f"revoked token {r['id']} of {r['username']} ({r['name']})" for r in revoked)
        self.emit(options, revoked, human)


def _chosen(options: dict[str, Any]) -> list[Token]:
    if options["token_id"] is not None:
        token = Token.objects.select_related("user").filter(pk=options["token_id"]).first()
        if token is None:
            raise CommandError(f"no token with id {options['token_id']}")
        return [token]
    if not (options["username"] and options["name"]):
        raise CommandError("give --id N, or --username U with --name NAME (a name is unique only per user)")
    tokens = list(
        Token.objects.select_related("user").filter(
            user__username=options["username"], name=options["name"], revoked_at__isnull=True
        )
    )
    if not tokens:
        raise CommandError(f"{options['username']} has no live token named {options['name']}")
    return tokens


def _describe(token: Token) -> dict[str, Any]:
    return {
        "id": token.pk,
        "username": token.user.username,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at.isoformat(),
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }

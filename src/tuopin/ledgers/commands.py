"""The ledger halves of `tuopin import` and `tuopin export` (the commands themselves live with the registry's)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from tuopin.accounts.models import User
from tuopin.accounts.roles import Capability
from tuopin.core.commands import TuopinCommand
from tuopin.core.excel import Problem
from tuopin.core.uploads import UploadRejected
from tuopin.ledgers.framework import (
    UnknownLedger,
    ledger_export,
    ledger_get,
    ledger_import,
    ledger_may_import,
    ledger_write,
)


def _user(username: str | None, capability: str) -> User | None:
    if not username:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"no active user {username}")
    if not user.can(capability):
        raise CommandError(f"{username} may not do this (needs {capability})")
    return user


def import_ledger(command: TuopinCommand, options: dict[str, Any]) -> None:
    """`tuopin import ledger NAME FILE [--dry-run] [--json] [--username U]`: all rows or none, every problem."""
    actor = _user(options.get("username"), Capability.READ)
    try:
        if actor is not None and not ledger_may_import(actor, ledger_get(options["name"])):
            raise CommandError(f"{actor.username} may not import the ledger {options['name']}")
        result = ledger_import(options["name"], options["file"], actor=actor, dry_run=options["dry_run"])
    except UnknownLedger as error:
        raise CommandError(str(error)) from error
    except UploadRejected as error:
        raise CommandError(str(error)) from error
    data = result.as_dict()
    if result.ok:
        verb = "checked (dry run)" if options["dry_run"] else "imported"
        command.emit(options, data, f"{verb}: {result.rows} rows, {result.created} entries created")
        return
    if options["json"]:
        command.emit(options, data, "")
    problems = [Problem(**error) for error in result.errors]
    raise CommandError(f"{len(problems)} problem(s), nothing imported:\n" + "\n".join(map(str, problems)))


def export_ledger(command: TuopinCommand, options: dict[str, Any]) -> None:
    """`tuopin export template --ledger NAME -o FILE` and `tuopin export ledger NAME FILE --username U --reason R`."""
    try:
        if options["what"] == "template":
            output: Path = options["output"]
            ledger_write(ledger_get(options["ledger"]), output)
            command.stdout.write(f"template written to {output}")
            return
        user = _user(options["username"], Capability.READ)
        assert user is not None  # --username is required
        written = ledger_export(options["name"], options["output"], user=user, reason=options["reason"])
    except (UnknownLedger, ValueError) as error:
        raise CommandError(str(error)) from error
    data = {"ledger": options["name"], "file": str(options["output"]), "rows": written}
    command.emit(options, data, f"exported {written} rows to {options['output']}")

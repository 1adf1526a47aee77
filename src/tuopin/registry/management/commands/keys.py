from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import CommandError, CommandParser
from django.db import models, transaction

from tuopin.audit.services import audit_record
from tuopin.core.commands import TuopinCommand, add_json_flag
from tuopin.core.crypto import CryptoError, reencrypt, rotate_keyring

ENCRYPTED_SUFFIX = "_encrypted"  # every field holding a value encrypted with the key ring is named so


def encrypted_fields() -> list[tuple[type[models.Model], tuple[str, ...]]]:
    """Every model of every installed Tuopin app with its encrypted fields, found through the app registry, so
    that this command knows no app by name and a new encrypted field cannot be forgotten."""
    found = []
    for model in apps.get_models():
        if not model.__module__.startswith("tuopin."):
            continue
        fields = tuple(f.name for f in model._meta.concrete_fields if f.name.endswith(ENCRYPTED_SUFFIX))
        if fields:
            found.append((model, fields))
    return sorted(found, key=lambda item: item[0]._meta.label)


class Command(TuopinCommand):
    help = "Encryption keys of personal fields: rotate (new current key, every stored value re-encrypted)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        rotate = sub.add_parser(
            "rotate", help="make a new key current and re-encrypt every stored value with it"
        )
        add_json_flag(rotate)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            key_id = rotate_keyring()
        except CryptoError as error:
            raise CommandError(str(error)) from error
        counts = {model._meta.label: _reencrypt(model, fields) for model, fields in encrypted_fields()}
        audit_record(action="keys.rotate", object_type="key", object_id=key_id, details=counts)
        self.emit(
            options,
            {"key": key_id, "reencrypted": counts},
            f"key {key_id} is current; re-encrypted {sum(counts.values())} records",
        )


def _reencrypt(model: Any, fields: tuple[str, ...]) -> int:
    """Re-encrypt in batches, each in its own transaction; old keys stay in the ring, so a crash loses nothing."""
    done = 0
    last = 0
    while True:
        with transaction.atomic():
            rows = list(model.objects.filter(pk__gt=last).order_by("pk").only("pk", *fields)[:1000])
            if not rows:
                return done
            for row in rows:
                for name in fields:
                    if getattr(row, name):
                        setattr(row, name, reencrypt(getattr(row, name)))
            model.objects.bulk_update(rows, fields)
            done += len(rows)
            last = rows[-1].pk

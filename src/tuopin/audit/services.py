"""Writing and verifying the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from tuopin.audit.chain import GENESIS, mask_id_numbers, row_hash
from tuopin.audit.models import AuditEvent, AuditHead

if TYPE_CHECKING:
    from django.http import HttpRequest


class Actor(Protocol):
    """What the log records of whoever acts (the accounts app's User is one): the log knows nothing more of users,
    so it sits below accounts."""

    pk: Any
    role: str

    @property
    def is_authenticated(self) -> bool: ...

    def get_username(self) -> str: ...

    def audit_area(self) -> str:
        """The area codes the actor holds, as the row records them."""
        ...


HASHED_FIELDS = (
    "actor_id",
    "actor",
    "role",
    "area",
    "address",
    "action",
    "object_type",
    "object_id",
    "result",
    "details",
)


def _client_address(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


@transaction.atomic
def audit_record(
    *,
    action: str,
    actor: Actor | AnonymousUser | None = None,
    request: HttpRequest | None = None,
    username: str = "",
    object_type: str = "",
    object_id: str = "",
    result: str = "ok",
    details: dict[str, Any] | None = None,
    area: str = "",
) -> AuditEvent:
    """Append one row. Call it inside the business operation's transaction so both land or neither."""
    if actor is None and request is not None:
        actor = request.user
    fields: dict[str, Any] = {
        "actor_id": None,
        "actor": username or "system",
        "role": "",
        "area": area[:200],
        "address": _client_address(request),
        "action": action,
        "object_type": object_type,
        "object_id": str(mask_id_numbers(object_id))[:64],
        "result": result,
        "details": mask_id_numbers(details or {}),
    }
    if actor is not None and not isinstance(actor, AnonymousUser) and actor.is_authenticated:
        fields.update(
            actor_id=actor.pk,
            actor=actor.get_username(),
            role=actor.role,
            area=actor.audit_area()[:200],
        )
    head, _created = AuditHead.objects.select_for_update().get_or_create(pk=1)
    at = datetime.now(UTC)
    seq = head.seq + 1
    digest = row_hash(prev_hash=head.hash, seq=seq, at=at, fields=fields)
    event = AuditEvent.objects.create(seq=seq, at=at, prev_hash=head.hash, hash=digest, **fields)
    AuditHead.objects.filter(pk=1).update(seq=seq, hash=digest)
    return event


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    row_id: int | None
    message: str


def audit_verify() -> tuple[int, list[ChainBreak]]:
    """Recompute the whole chain. Returns the number of rows checked and every break found."""
    breaks: list[ChainBreak] = []
    prev_hash = GENESIS
    expected_seq = 1
    checked = 0
    for event in _events_in_order():
        checked += 1
        if event.seq != expected_seq:
            breaks.append(ChainBreak(expected_seq, None, f"row #{expected_seq} is missing"))
        if event.prev_hash != prev_hash:
            breaks.append(ChainBreak(event.seq, event.pk, "does not follow the row before it"))
        fields = {name: getattr(event, name) for name in HASHED_FIELDS}
        if row_hash(prev_hash=event.prev_hash, seq=event.seq, at=event.at, fields=fields) != event.hash:
            breaks.append(ChainBreak(event.seq, event.pk, "was changed after it was written"))
        prev_hash = event.hash
        expected_seq = event.seq + 1
    head = AuditHead.objects.filter(pk=1).first() or AuditHead(seq=0, hash=GENESIS)
    if head.seq != expected_seq - 1 or head.hash != prev_hash:
        breaks.append(
            ChainBreak(head.seq, None, f"the chain ends at #{expected_seq - 1}, but #{head.seq} was written")
        )
    return checked, breaks


def _events_in_order() -> Iterator[AuditEvent]:
    return AuditEvent.objects.order_by("seq").iterator(chunk_size=2000)


def import_refusal_record(
    *,
    action: str,
    actor: Actor | AnonymousUser | None,
    filename: str,
    ledger: str = "",
    request: HttpRequest | None = None,
    message: str = "",
    problems: int = 0,
    denied: int = 0,
    forbidden: bool = False,
    dry_run: bool = False,
) -> None:
    """The one audit row of an import that wrote nothing (SECURITY.md D1): refused as a whole (`message`: not a
    workbook, too large, over the grid), refused for its `problems`, denied for `denied` rows outside the user's
    scope, or `forbidden` to the user altogether. The object is the ledger when `ledger` names one, else the file. A dry run that found
    problems is a check, not an import, and leaves none; a denial or a refusal of the whole file always leaves one."""
    if dry_run and not (denied or forbidden or message):
        return
    details: dict[str, Any] = {"file": filename[:100], "dry_run": dry_run}
    if message:
        details["message"] = message[:300]
    if problems:
        details["problems"] = problems
    if denied:
        details["persons_outside_scope"] = denied
    audit_record(
        action=action,
        actor=actor,
        request=request,
        object_type="ledger" if ledger else "file",
        object_id=ledger or filename[:64],
        result="denied" if denied or forbidden else "refused",
        details=details,
    )

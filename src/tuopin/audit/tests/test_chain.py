"""The audit log is append-only and hash-chained (SECURITY.md D2)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tuopin.audit.chain import mask_id_numbers
from tuopin.audit.models import AuditEvent
from tuopin.audit.services import audit_record, audit_verify

pytestmark = pytest.mark.django_db


def _write(n: int) -> list[AuditEvent]:
    return [
        audit_record(action="test.event", object_id=str(i), details={"i": i, "name": "张三"})
        for i in range(n)
    ]


def test_it_verifies_an_intact_chain() -> None:
    _write(5)
    assert audit_verify() == (5, [])
    call_command("audit", "verify")


def test_it_links_each_row_to_the_one_before() -> None:
    rows = _write(3)
    assert [r.seq for r in rows] == [1, 2, 3]
    assert rows[1].prev_hash == rows[0].hash and rows[2].prev_hash == rows[1].hash


def test_it_finds_a_row_edited_in_the_database() -> None:
    rows = _write(4)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET result = 'failed' WHERE id = %s", [rows[2].pk])
    _checked, breaks = audit_verify()
    assert [b.seq for b in breaks] == [3]
    with pytest.raises(CommandError, match="row #3"):
        call_command("audit", "verify")


def test_it_finds_a_row_deleted_from_the_middle() -> None:
    rows = _write(4)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [rows[1].pk])
    _checked, breaks = audit_verify()
    assert breaks and breaks[0].seq == 2


def test_it_finds_the_last_row_deleted() -> None:
    rows = _write(3)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [rows[-1].pk])
    _checked, breaks = audit_verify()
    assert breaks and "ends at #2" in breaks[0].message


def test_the_application_cannot_update_or_delete_a_row() -> None:
    row = _write(1)[0]
    row.result = "changed"
    with pytest.raises(RuntimeError):
        row.save()
    with pytest.raises(RuntimeError):
        row.delete()


def test_it_never_keeps_a_full_id_number() -> None:
    event = audit_record(
        action="test.reveal",
        object_id="13012619800101123X",
        details={"q": "find 130126198001011234 now", "list": ["13012619800101123x"]},
    )
    event.refresh_from_db()
    text = f"{event.object_id} {event.details}"
    assert "130126********123X" in text
    assert "19800101" not in text


def test_mask_leaves_other_numbers_alone() -> None:
    assert mask_id_numbers({"n": "12345", "phone": "13812345678"}) == {"n": "12345", "phone": "13812345678"}

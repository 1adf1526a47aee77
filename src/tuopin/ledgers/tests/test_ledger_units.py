"""Ledgers open to `unit` users (`Ledger.units_may_import`): who may import (ledger_may_import, for the page, the job
and ledger_import alike), a unit user's area cells are held to existence only (its rows are the ledger's `apply` to
check, against its units), and a ledger not open to units refuses such a user's file whole."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tuopin.accounts.models import User
from tuopin.assistance.models import HelpingUnit, UnitMember
from tuopin.assistance.services import unit_create, unit_member_link
from tuopin.audit.models import AuditEvent
from tuopin.audit.services import audit_record
from tuopin.conftest import MakeUser, write_workbook
from tuopin.core.excel import Problem
from tuopin.core.models import Job
from tuopin.ledgers.framework import (
    LEDGERS,
    Ledger,
    LedgerColumn,
    LedgerRow,
    ledger_import,
    ledger_may_import,
)
from tuopin.ledgers.tasks import ledger_import_job

pytestmark = pytest.mark.django_db

ENTRY = "test.unit_entry"
FAR_VILLAGE = "130127100201"  # 高邑县: outside the unit user's account area (灵寿县)


def _apply(rows: list[LedgerRow], *, actor: User | None) -> int:
    """Writes one audit row per entry; stands for a ledger whose apply checks the unit of each row."""
    for row in rows:
        audit_record(
            action=ENTRY,
            actor=actor,
            object_type="entry",
            object_id=row.values["number"],
            details={"area": row.values["area"]},
        )
    return len(rows)


OPEN = Ledger(
    name="unit_test",
    sheet="单位台账",
    label="单位台账",
    apply=_apply,
    page="",
    units_may_import=True,
    columns=(
        LedgerColumn("编号", "number", required=True),
        LedgerColumn("区域代码", "area", "area", required=True),
    ),
)
CLOSED = replace(OPEN, name="office_test", units_may_import=False)


@pytest.fixture(autouse=True)
def ledgers() -> Iterator[None]:
    for ledger in (OPEN, CLOSED):
        LEDGERS[ledger.name] = ledger
    yield
    for ledger in (OPEN, CLOSED):
        LEDGERS.pop(ledger.name, None)


@pytest.fixture
def unit(tree: object) -> HelpingUnit:
    return unit_create(actor=None, name="规划财务司", kind="department")


@pytest.fixture
def unit_user(make_user: MakeUser, unit: HelpingUnit) -> User:
    user = make_user("planning", "unit", "130126")
    unit_member_link(actor=None, user=user, unit=unit)
    return user


def _sheet(path: Path, rows: list[list[str]]) -> Path:
    return write_workbook(path, {"单位台账": [["编号", "区域代码"], *rows]})


def test_it_says_who_may_import_which_ledger(
    unit_user: User, make_user: MakeUser, own: User, inspector: User
) -> None:
    lone = make_user("lone", "unit", "130126")
    assert (ledger_may_import(own, OPEN), ledger_may_import(own, CLOSED)) == (True, True)
    assert (ledger_may_import(unit_user, OPEN), ledger_may_import(unit_user, CLOSED)) == (True, False)
    assert (ledger_may_import(lone, OPEN), ledger_may_import(inspector, OPEN)) == (False, False)
    unit_user.is_active = False
    assert not ledger_may_import(unit_user, OPEN)


def test_a_unit_users_area_cells_are_checked_for_existence_not_against_its_area(
    unit_user: User, tmp_path: Path
) -> None:
    result = ledger_import("unit_test", _sheet(tmp_path / "a.xlsx", [["A-1", FAR_VILLAGE]]), actor=unit_user)
    assert result.ok and result.created == 1, result.errors
    assert AuditEvent.objects.get(action=ENTRY).details["area"] == FAR_VILLAGE
    bad = ledger_import("unit_test", _sheet(tmp_path / "b.xlsx", [["A-2", "999999"]]), actor=unit_user)
    assert not bad.ok and [(e["row"], e["column"]) for e in bad.errors] == [(2, "区域代码")]
    assert AuditEvent.objects.filter(action=ENTRY).count() == 1


def test_an_office_users_area_cells_are_still_held_to_its_scope(own: User, tmp_path: Path) -> None:
    result = ledger_import("unit_test", _sheet(tmp_path / "a.xlsx", [["A-1", FAR_VILLAGE]]), actor=own)
    assert not result.ok and result.errors[0]["message"] == "不在您的管辖范围内。"
    assert not AuditEvent.objects.filter(action=ENTRY).exists()


def test_a_ledger_not_open_to_units_refuses_a_unit_users_file_whole(unit_user: User, tmp_path: Path) -> None:
    result = ledger_import(
        "office_test", _sheet(tmp_path / "a.xlsx", [["A-1", "130126100201"]]), actor=unit_user
    )
    assert not result.ok and result.created == 0
    assert [Problem(**e).message for e in result.errors] == ["您无权导入该台账。"]
    assert not AuditEvent.objects.filter(action=ENTRY).exists()
    assert AuditEvent.objects.filter(
        action="ledger.import", object_id="office_test", result="denied"
    ).exists()


def test_the_job_rechecks_the_unit_users_link_when_it_runs(unit_user: User, tmp_path: Path) -> None:
    path = _sheet(tmp_path / "a.xlsx", [["A-1", FAR_VILLAGE]])
    job = Job.objects.create(
        kind="ledger.import", user=unit_user, params={"path": str(path), "ledger": "unit_test"}
    )
    UnitMember.objects.filter(user=unit_user).delete()  # unlinked between the upload and the run
    ledger_import_job.call(job_id=str(job.pk))
    job.refresh_from_db()
    assert job.status == "failed" and job.result["refused"] == "permission"
    assert not AuditEvent.objects.filter(action=ENTRY).exists() and not path.exists()


def test_the_command_imports_for_a_unit_user_only_the_ledgers_open_to_units(
    unit_user: User, inspector: User, tmp_path: Path
) -> None:
    path = _sheet(tmp_path / "a.xlsx", [["A-1", FAR_VILLAGE]])
    call_command("import", "ledger", "unit_test", str(path), "--username", "planning", "--json")
    assert AuditEvent.objects.filter(action=ENTRY, object_id="A-1").count() == 1
    for name, username in (("office_test", "planning"), ("unit_test", "inspector")):
        with pytest.raises(CommandError, match="may not import"):
            call_command("import", "ledger", name, str(path), "--username", username)
    assert AuditEvent.objects.filter(action=ENTRY).count() == 1

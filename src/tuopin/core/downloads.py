"""THE response of a file the browser saves (an export, a report, an evidence file): named in UTF-8 (RFC 6266), never
cached — every download a page offers holds data of its user's scope."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(data: bytes, filename: str, content_type: str = XLSX) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "no-store"
    return response

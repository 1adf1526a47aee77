"""The shipped map shapes against the shipped divisions (no database)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tuopin.areas.divisions import Division, read_divisions
from tuopin.areas.maps import MAPS_DIR, is_zone, map_for, shape_codes

ALIASES = Path(__file__).resolve().parent.parent / "data" / "map_aliases.json"
CITIES = ["1301", "1302", "1303", "1304", "1305", "1306", "1307", "1308", "1309", "1310", "1311"]
# Hebei's bounding box, roughly (lon 113.45–119.85, lat 36.05–42.62).
LON, LAT = (113.0, 120.0), (36.0, 43.0)


@cache
def divisions() -> dict[str, Division]:
    return {d.code: d for d in read_divisions("13") if d.level in ("province", "city", "county")}


@cache
def shapes(code: str) -> dict[str, Any]:
    return dict(json.loads((MAPS_DIR / f"{code}.json").read_text(encoding="utf-8")))


def children(code: str) -> list[Division]:
    return [d for d in divisions().values() if d.parent == code]


def points(geometry: dict[str, Any]) -> Iterator[Any]:
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    for polygon in polygons:
        for ring in polygon:
            yield from ring


def test_it_ships_the_province_and_its_eleven_cities() -> None:
    assert [d.code for d in children("13")] == CITIES
    assert sorted(path.name for path in MAPS_DIR.iterdir()) == sorted(
        ["13.json", *(f"{code}.json" for code in CITIES), "LICENSE"]
    )


@pytest.mark.parametrize("code", ["13", *CITIES])
def test_it_draws_every_child_exactly_once(code: str) -> None:
    drawn = Counter(feature["properties"]["code"] for feature in shapes(code)["features"])
    expected = {d.code for d in children(code) if not is_zone(d.code)}
    assert set(drawn) == expected
    assert set(drawn.values()) == {1}
    assert shape_codes(code) == expected


@pytest.mark.parametrize("code", ["13", *CITIES])
def test_every_feature_is_a_child_of_the_files_area_with_its_name(code: str) -> None:
    for feature in shapes(code)["features"]:
        properties = feature["properties"]
        assert set(properties) == {"code", "name"}
        division = divisions()[properties["code"]]
        assert (division.parent, division.name) == (code, properties["name"])


def test_only_the_development_zones_are_left_off_the_maps() -> None:
    drawn = set().union(*(shape_codes(code) for code in ["13", *CITIES]))
    missing = {code for code, d in divisions().items() if d.level != "province"} - drawn
    assert missing == {code for code in missing if is_zone(code)}
    assert len(missing) == 23
    assert "130172" in missing
    assert "130126" in drawn


@pytest.mark.parametrize("code", ["13", *CITIES])
def test_coordinates_are_plain_and_within_hebei(code: str) -> None:
    collection = shapes(code)
    assert set(collection) == {"type", "features"}
    assert collection["type"] == "FeatureCollection"
    for feature in collection["features"]:
        geometry = feature["geometry"]
        assert set(geometry) == {"type", "coordinates"}
        assert geometry["type"] in ("Polygon", "MultiPolygon")
        for point in points(geometry):
            lon, lat = point
            assert isinstance(lon, float) and isinstance(lat, float)
            assert LON[0] < lon < LON[1] and LAT[0] < lat < LAT[1], (feature["properties"], point)
            assert round(lon, 4) == lon and round(lat, 4) == lat
    assert "UTF8Encoding" not in (MAPS_DIR / f"{code}.json").read_text(encoding="utf-8")


def test_every_alias_is_needed_and_drawn() -> None:
    aliases = json.loads(ALIASES.read_text(encoding="utf-8"))["aliases"]
    assert aliases
    for alias in aliases:
        assert alias["source"]
        names = {d.name for d in children(alias["city"])}
        assert alias["name"] not in names, f"{alias['name']} is still a division of {alias['city']}"
        assert divisions()[alias["code"]].parent == alias["city"]
        assert alias["code"] in shape_codes(alias["city"])


def test_merged_counties_are_one_multipolygon() -> None:
    xindu = next(f for f in shapes("1305")["features"] if f["properties"]["code"] == "130503")
    assert xindu["properties"]["name"] == "信都区"
    assert xindu["geometry"]["type"] == "MultiPolygon"
    assert len(xindu["geometry"]["coordinates"]) >= 2


@pytest.mark.parametrize(("code", "path"), [("13", "vendor/maps/13.json"), ("1301", "vendor/maps/1301.json")])
def test_it_gives_the_static_path_of_a_shipped_map(code: str, path: str) -> None:
    assert map_for(code) == path


@pytest.mark.parametrize(
    "code", ["130126", "130126100", "130126100201", "14", "1401", "", "../13", "13.json"]
)
def test_it_has_no_map_below_cities_nor_outside_hebei(code: str) -> None:
    assert map_for(code) is None
    assert shape_codes(code) == set()


def test_it_tells_zones_by_their_code() -> None:
    assert is_zone("130171") and is_zone("131172") and is_zone("130180")
    assert not is_zone("130170") and not is_zone("130181") and not is_zone("1301") and not is_zone("130126")

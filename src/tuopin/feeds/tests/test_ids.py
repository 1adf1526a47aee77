"""The ID checks in SQL say what `registry.idnumbers.parse_id` says, for every kind of number, one file at a time."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tuopin.feeds.importer import check_feed
from tuopin.feeds.sources import SOURCES
from tuopin.feeds.tests.factories import medical_rows, write_csv
from tuopin.registry.idnumbers import IdNumberError, make_id, parse_id
from tuopin.registry.services import region_known

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tree", "data_dir")]

# Counties of the test tree, a county of Hebei that is not loaded, other provinces (not loaded) and no province.
REGIONS = ["130126", "130127", "130722", "130724", "130199", "110101", "440305", "990101"]


def _expected(raw: str) -> str | None:
    try:
        parse_id(raw, region_known=region_known, today=timezone.localdate())
    except IdNumberError as error:
        return str(error)
    return None


def _reported(folder: Path, ids: list[str]) -> list[str | None]:
    path = write_csv(folder / "ids.csv", "medical", medical_rows(*ids))
    with check_feed(SOURCES["medical"], path) as checked:
        found = {p.row: p.message for p in checked.problems if p.column == "身份证号"}
        assert len(checked.problems) < 1000
    path.unlink()
    return [found.get(row) for row in range(2, len(ids) + 2)]


def _candidates(rng: random.Random) -> list[str]:
    today = timezone.localdate()
    out: list[str] = []
    for _n in range(150):
        birth = date(1890, 1, 1) + timedelta(days=rng.randrange((today - date(1890, 1, 1)).days + 400))
        valid = make_id(rng.choice(REGIONS), birth, rng.randrange(100), female=rng.random() < 0.5)
        position = rng.randrange(18)
        digit = rng.choice("0123456789X" if position == 17 else "0123456789")
        out += [valid, valid[:position] + digit + valid[position + 1 :]]
    base = make_id("130126", date(1984, 2, 29), 7, female=True)
    out += [
        base.lower(),
        f" {base[:6]} {base[6:]}\u3000",
        base[:15],
        base[:17],
        base + "1",
        base[:10] + "AB" + base[12:],
        base[:6] + "19840230" + base[14:],
        base[:6] + "19850229" + base[14:],
        "430" + base[3:],
    ]
    return out


def test_the_sql_checks_agree_with_parse_id(tmp_path: Path) -> None:
    ids = _candidates(random.Random(11643))
    assert _reported(tmp_path, ids) == [_expected(raw) for raw in ids]


digits = st.text(alphabet="0123456789X x", min_size=14, max_size=20)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(digits, min_size=1, max_size=50))
def test_the_sql_checks_agree_with_parse_id_on_any_text(tmp_path: Path, ids: list[str]) -> None:
    ids = [raw for raw in ids if raw.strip()]
    assert _reported(tmp_path, ids) == [_expected(raw) for raw in ids]

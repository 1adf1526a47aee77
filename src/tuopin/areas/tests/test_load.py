"""Loading the divisions of Hebei into the database, idempotently, through the command."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from tuopin.areas.models import Area

pytestmark = pytest.mark.django_db


def test_it_loads_hebei_and_counts_it(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("areas", "load", "--province", "13", "--json")
    loaded = json.loads(capsys.readouterr().out)
    assert loaded["created"] == 1 + 11 + 190 + 2365 + 54145
    call_command("areas", "count", "--province", "13", "--json")
    assert json.loads(capsys.readouterr().out) == {
        "province": 1,
        "city": 11,
        "county": 190,
        "township": 2365,
        "village": 54145,
    }
    assert Area.objects.get(code="130126").parent_id == "1301"
    call_command("areas", "load", "--province", "13", "--json")
    again = json.loads(capsys.readouterr().out)
    assert (again["created"], again["updated"]) == (0, 0)

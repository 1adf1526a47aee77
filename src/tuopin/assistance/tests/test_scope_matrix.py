"""SECURITY.md A1 for the assistance ledgers: for every role over a project and a pairing in each village of the
two-city tree, what the pages show is exactly the subtree (offices, inspectors) or exactly the unit's rows (a
helping unit's user, whatever its area)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tuopin.areas.models import Area
from tuopin.assistance.funds import project_record
from tuopin.assistance.models import HelpingUnit
from tuopin.assistance.services import pairing_start, unit_create, unit_member_link
from tuopin.conftest import TREE, MakeUser, client_for

pytestmark = pytest.mark.django_db

VILLAGES = [code for code in TREE if len(code) == 12]
PERSONAS = [
    ("province", "13"),
    ("city", "1301"),
    ("county", "130126"),
    ("township", "130126100"),
    ("village", "130126100201"),
    ("inspector", "1307"),
    ("unit", "130127"),
]


@pytest.mark.parametrize(("role", "root"), PERSONAS)
def test_projects_and_pairings_are_visible_exactly_in_scope(
    tree: dict[str, Area], make_user: MakeUser, role: str, root: str
) -> None:
    units = {code: unit_create(actor=None, name=f"单位{code}", kind="office") for code in VILLAGES}
    projects, pairings = {}, {}
    for code, unit in units.items():
        projects[code] = project_record(
            actor=None, year=2018, area_code=code, unit=unit, name=f"项目{code}", funds=Decimal(1000)
        ).pk
        pairings[code] = pairing_start(
            actor=None, kind="unit_village", area_code=code, unit=unit, valid_from=date(2018, 1, 1)
        ).pk
    user = make_user(f"u_{role}", role, root)
    mine: set[str]
    if role == "unit":  # linked to the unit of 张北县's 北村: its area (高邑县) plays no part
        unit_member_link(actor=None, user=user, unit=HelpingUnit.objects.get(name="单位130722100201"))
        mine = {"130722100201"}
    else:
        mine = {code for code in VILLAGES if code.startswith(root)}
    client = client_for(user)
    listed = client.get("/assistance/projects/").content.decode()
    assert {code for code in VILLAGES if f"项目{code}" in listed} == mine
    listed = client.get("/assistance/?kind=unit_village").content.decode()
    assert {code for code in VILLAGES if f"单位{code}" in listed.split('data-testid="pairings"')[1]} == mine
    seen = {code: client.get(f"/assistance/projects/{projects[code]}/").status_code for code in VILLAGES}
    assert seen == {code: 200 if code in mine else 404 for code in VILLAGES}
    seen = {code: client.get(f"/assistance/pairings/{pairings[code]}/").status_code for code in VILLAGES}
    assert seen == {code: 200 if code in mine else 404 for code in VILLAGES}

"""The XLSForms: each compiles, carries its id and version, mirrors the vocabularies, and holds no personal data."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from defusedxml import ElementTree
from pyxform.xls2json_backends import get_xlsform

from tuopin.accounts.models import User
from tuopin.conftest import MakeUser
from tuopin.fieldforms.forms import CHOICE_LISTS, FORMS, choice_list, forms_for

XF = "{http://www.w3.org/2002/xforms}"


@pytest.mark.parametrize("form_id", sorted(FORMS))
def test_it_compiles_each_form_with_its_id_and_version(form_id: str) -> None:
    spec = FORMS[form_id]
    root = ElementTree.fromstring(spec.xml())
    instance = root.find(f".//{XF}instance")
    assert instance is not None
    data = instance[0]
    assert data.get("id") == form_id
    assert data.get("version") == spec.version
    assert data.find(f"{XF}meta/{XF}instanceID") is not None
    assert spec.hash.startswith("md5:") and len(spec.hash) == 36
    assert spec.xml() is spec.xml()  # compiled once per version


@pytest.mark.parametrize("form_id", sorted(FORMS))
def test_it_labels_every_form_in_chinese_first_and_english(form_id: str) -> None:
    root = ElementTree.fromstring(FORMS[form_id].xml())
    languages = [t.get("lang") for t in root.iter(f"{XF}translation")]
    assert languages == ["Chinese (zh)", "English (en)"]
    english = next(t for t in root.iter(f"{XF}translation") if t.get("lang") == "English (en)")
    assert not any(re.search(r"[\u4e00-\u9fff]", v.text or "") for v in english.iter(f"{XF}value"))


def _choices(form_id: str) -> dict[str, dict[str, str]]:
    book = get_xlsform(xlsform=BytesIO(FORMS[form_id].path.read_bytes()), file_type=".xlsx")
    lists: dict[str, dict[str, str]] = {}
    for row in book.choices:
        lists.setdefault(str(row["list_name"]), {})[str(row["name"])] = str(row["label::Chinese (zh)"])
    return lists


def test_it_fails_when_a_vocabulary_and_a_form_list_differ() -> None:
    seen = set()
    for form_id in FORMS:
        for name, values in _choices(form_id).items():
            assert name in CHOICE_LISTS, f"{form_id}: list {name} mirrors no vocabulary"
            expected = {value: str(label) for value, label in choice_list(name)}
            assert values == expected, f"{form_id}: list {name} differs from {CHOICE_LISTS[name][0].__name__}"
            seen.add(name)
    assert seen == set(CHOICE_LISTS)


def test_it_holds_no_id_number_nor_phone_in_any_form() -> None:
    for spec in FORMS.values():
        text = spec.xml().decode()
        assert not re.search(r"(?<!\d)\d{17}[\dXx](?!\d)", text)
        assert not re.search(r"(?<!\d)1\d{10}(?!\d)", text)


def test_it_lists_forms_for_offices_of_villages_townships_and_counties(
    make_user: MakeUser, own: User, inspector: User
) -> None:
    village = make_user("cundong", "village", "130126100201")
    township = make_user("zhen", "township", "130126100")
    assert [f.form_id for f in forms_for(village)] == list(FORMS)
    assert forms_for(township) == forms_for(own) == list(FORMS.values())
    assert forms_for(inspector) == []
    assert forms_for(make_user("unit", "unit", "130126")) == []
    assert forms_for(make_user("judge", "judge", "130126")) == []
    assert forms_for(make_user("keeper", "keeper", "130126")) == []


def test_it_lists_no_form_for_a_user_without_an_area(make_user: MakeUser) -> None:
    user = make_user("nowhere", "village", "130126100201")
    user.area_links.all().delete()
    assert forms_for(User.objects.get(pk=user.pk)) == []

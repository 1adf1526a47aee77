"""The XLSForms served to ODK Collect (issue 19): which forms there are, who may submit each, and their XForms.

The forms are .xlsx files in `xlsforms/` (written first by scripts/fieldforms_xlsforms.py from the vocabularies,
then kept and edited as spreadsheets); pyxform compiles them. A form's version is a hash of its file, so editing
the spreadsheet is publishing a new version, and the XForm is compiled once per version. Choice lists that mirror
a registry or monitoring vocabulary are named in CHOICE_LISTS; tests/test_forms.py holds the two equal."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_noop

from tuopin.accounts.roles import Capability, Role
from tuopin.accounts.scope import held_area_codes
from tuopin.monitoring.models import AlertStatus, CaseType, RiskType
from tuopin.registry.vocab import DisabilityGrade, Health, Labour, SchoolStatus, WorkStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django_stubs_ext import StrOrPromise

    from tuopin.accounts.models import User

FORMS_DIR = Path(__file__).resolve().parent / "xlsforms"
ZH, EN = "Chinese (zh)", "English (en)"
SURVEY_COLUMNS = (
    "type",
    "name",
    f"label::{ZH}",
    f"label::{EN}",
    f"hint::{ZH}",
    f"hint::{EN}",
    "required",
    "relevant",
    "constraint",
    "appearance",
    "choice_filter",
    "calculation",
    "default",
    "parameters",
)

# The choice lists of the forms that mirror a vocabulary: list name -> (the choices, values the form leaves out).
CHOICE_LISTS: dict[str, tuple[type[models.Choices], frozenset[str]]] = {
    "school_status": (SchoolStatus, frozenset()),
    "health": (Health, frozenset()),
    "disability_grade": (DisabilityGrade, frozenset()),
    "labour": (Labour, frozenset()),
    "work_status": (WorkStatus, frozenset()),
    "case_type": (CaseType, frozenset()),
    "risk_type": (RiskType, frozenset()),
    # The verdict of a check is the status it leaves the alert in; "new" is the status before any check.
    "verdict": (AlertStatus, frozenset({AlertStatus.NEW.value})),
}


def choice_list(name: str) -> list[tuple[str, StrOrPromise]]:
    """The (value, label) pairs a form's choice list must hold: its vocabulary's, as text."""
    choices, left_out = CHOICE_LISTS[name]
    return [(str(value), label) for value, label in choices.choices if str(value) not in left_out]


OFFICES = frozenset({Role.VILLAGE.value, Role.TOWNSHIP.value, Role.COUNTY.value})


@dataclass(frozen=True)
class FormSpec:
    form_id: str
    title: str
    path: Path
    roles: frozenset[str]
    media: tuple[str, ...]

    @property
    def version(self) -> str:
        """A hash of the spreadsheet: stable while the file is unchanged, new with every edit."""
        return _file_hash(self.path, self.path.stat().st_mtime_ns)

    def xml(self) -> bytes:
        """The XForm pyxform compiles from the spreadsheet, with the form id and this version on its instance."""
        return _compiled(self.path, self.form_id, self.version)

    @property
    def hash(self) -> str:
        return "md5:" + hashlib.md5(self.xml(), usedforsecurity=False).hexdigest()


@cache
def _file_hash(path: Path, _mtime: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


@cache
def _compiled(path: Path, form_id: str, version: str) -> bytes:
    """pyxform's convert, step by step, so that the form id and version are set before the XForm is written."""
    from pyxform.builder import create_survey_element_from_dict
    from pyxform.xls2xform import get_xlsform, workbook_to_json

    book = get_xlsform(xlsform=path.read_bytes(), file_type=".xlsx")
    data = workbook_to_json(workbook_dict=book, form_name="data", fallback_form_name="data", warnings=[])
    data["id_string"], data["version"] = form_id, version
    survey = create_survey_element_from_dict(data)
    return str(survey.to_xml(validate=False, pretty_print=False, warnings=[])).encode()


def _spec(form_id: str, title: str, media: tuple[str, ...]) -> FormSpec:
    """`title` stays Chinese (the form list's default language); gettext(spec.title) gives it in another."""
    return FormSpec(form_id, title, FORMS_DIR / f"{form_id}.xlsx", OFFICES, media)


FORMS: dict[str, FormSpec] = {
    spec.form_id: spec
    for spec in (
        _spec("visit", gettext_noop("入户走访"), ("households.csv", "duties.csv")),
        _spec("household_update", gettext_noop("家庭信息更新"), ("households.csv", "members.csv")),
        _spec("alert_check", gettext_noop("预警核实"), ("alerts.csv",)),
        _spec("self_report", gettext_noop("自主申报"), ("villages.csv",)),
    )
}


def forms_for(user: User | AnonymousUser) -> list[FormSpec]:
    """The forms the user may submit: an office of a village, township or county that holds areas and may write."""
    if not user.is_authenticated or not held_area_codes(user) or not user.can(Capability.WRITE):
        return []
    return [spec for spec in FORMS.values() if getattr(user, "role", "") in spec.roles]

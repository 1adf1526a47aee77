"""Write the four XLSForms of tuopin.fieldforms (issue 19) from the vocabularies they mirror.

    TUOPIN_DATA_DIR=$(mktemp -d) .venv/bin/python scripts/fieldforms_xlsforms.py

The .xlsx files it writes are committed and stay human-editable: pyxform compiles them, not this script. Run it
again after a vocabulary changes (fieldforms/tests/test_forms.py fails until the forms hold the vocabulary's values).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuopin.settings")

import django  # noqa: E402

django.setup()

import xlsxwriter  # noqa: E402
from django.utils import translation  # noqa: E402

from tuopin.fieldforms.forms import FORMS_DIR, SURVEY_COLUMNS, choice_list  # noqa: E402

ZH, EN = "Chinese (zh)", "English (en)"
Row = dict[str, Any]


def q(type_: str, name: str, zh: str, en: str, **more: str) -> Row:
    return {"type": type_, "name": name, f"label::{ZH}": zh, f"label::{EN}": en, **more}


def hint(zh: str, en: str) -> dict[str, str]:
    return {f"hint::{ZH}": zh, f"hint::{EN}": en}


META = [q("start", "start", "", ""), q("end", "end", "", "")]

HOUSEHOLD = [
    q(
        "select_one_from_file households.csv",
        "household",
        "户",
        "Household",
        required="yes",
        appearance="search",
        **hint("户编号或户主姓名", "Household number or head's name"),
    ),
    q(
        "calculate",
        "household_version",
        "",
        "",
        calculation="pulldata('households', 'version', 'name', ${household})",
    ),
]

VISIT = [
    *META,
    *HOUSEHOLD,
    q(
        "select_one_from_file duties.csv",
        "duty",
        "走访任务",
        "Visiting duty",
        choice_filter="household=${household} or household=''",
        **hint("本次走访对应的走访任务（可不选）", "The duty this visit fulfils (optional)"),
    ),
    q("date", "visited_on", "走访日期", "Date of the visit", required="yes", default="today()"),
    q("text", "purpose", "走访事由", "Purpose", required="yes"),
    q(
        "text",
        "findings",
        "走访情况",
        "What was seen",
        appearance="multiline",
        **hint("所见所闻、发现的问题", "What you saw and any problems found"),
    ),
    q("image", "photo", "现场照片", "Photo", **{"parameters": "max-pixels=1600"}),
    q("geopoint", "location", "位置", "Location", **hint("在户门口采集", "Take it at the household's door")),
]

MEMBER_FIELDS = ("school_status", "health", "disability_grade", "labour", "work_status")
MEMBER_LABELS = {
    "school_status": ("在校生状况", "Schooling"),
    "health": ("健康状况", "Health"),
    "disability_grade": ("残疾等级", "Disability grade"),
    "labour": ("劳动能力", "Labour capacity"),
    "work_status": ("务工状况", "Work status"),
}
INCOME_LABELS = {
    "wage": ("工资性收入（元）", "Wages (yuan)"),
    "business": ("生产经营性收入（元）", "Business income (yuan)"),
    "property_income": ("财产性收入（元）", "Property income (yuan)"),
    "transfer": ("转移性收入（元）", "Transfers (yuan)"),
    "costs": ("生产经营支出（元）", "Business costs (yuan)"),
}


HOUSEHOLD_UPDATE = [
    *META,
    *HOUSEHOLD,
    q("begin_repeat", "members", "家庭成员", "Members"),
    q(
        "select_one_from_file members.csv",
        "member",
        "成员",
        "Member",
        required="yes",
        choice_filter="household=${household}",
    ),
    *(
        q(f"select_one {name}", name, *MEMBER_LABELS[name], relevant="${member} != ''")
        for name in MEMBER_FIELDS
    ),
    q("end_repeat", "", "", ""),
    q("integer", "year", "收入年度", "Income year", constraint=". >= 2010 and . <= 2100"),
    *(
        q("decimal", name, *INCOME_LABELS[name], relevant="${year} != ''", constraint=". >= 0")
        for name in INCOME_LABELS
    ),
]

ALERT_CHECK = [
    *META,
    q(
        "select_one_from_file alerts.csv",
        "alert",
        "预警",
        "Alert",
        required="yes",
        appearance="search",
    ),
    q(
        "calculate",
        "alert_version",
        "",
        "",
        calculation="pulldata('alerts', 'version', 'name', ${alert})",
    ),
    q("date", "checked_on", "核查日期", "Date of the check", required="yes", default="today()"),
    q("text", "finding", "核查情况", "Findings", required="yes", appearance="multiline"),
    q(
        "select_one verdict",
        "verdict",
        "核查结论",
        "Verdict",
        required="yes",
        **hint(
            "核查中：暂无结论；已排除：无返贫风险；已纳入监测：确定为监测对象",
            "Checking, no risk, or monitored",
        ),
    ),
    q("select_one case_type", "case_type", "监测对象类型", "Case type", relevant="${verdict} = 'case'"),
    q(
        "select_multiple risk_type",
        "risk_types",
        "风险类型",
        "Risk types",
        relevant="${verdict} = 'case'",
    ),
    q("text", "visited_by", "核实人", "Verified by", relevant="${verdict} = 'case'"),
    q(
        "image",
        "signature",
        "数据授权书签名",
        "Data authorisation signature",
        appearance="signature",
        relevant="${verdict} = 'case'",
        **hint("请户主在此签名，授权查询家庭数据", "The head of household signs the data authorisation"),
    ),
]

SELF_REPORT = [
    *META,
    q(
        "select_one_from_file villages.csv",
        "village",
        "所在村",
        "Village",
        required="yes",
    ),
    q("text", "name", "申报人姓名", "Reporter's name", required="yes"),
    q(
        "text",
        "phone",
        "联系电话",
        "Phone",
        required="yes",
        constraint="regex(., '^1[0-9]{10}$')",
        **hint("11位手机号码", "An 11-digit mobile number"),
    ),
    q("text", "text", "遇到的困难", "Hardship reported", required="yes", appearance="multiline"),
]

SURVEYS = {
    "visit": ("入户走访", VISIT),
    "household_update": ("家庭信息更新", HOUSEHOLD_UPDATE),
    "alert_check": ("预警核实", ALERT_CHECK),
    "self_report": ("自主申报", SELF_REPORT),
}


def choices_rows(lists: list[str]) -> list[Row]:
    rows = []
    for list_name in lists:
        for value, label in choice_list(list_name):
            with translation.override("zh-hans"):
                zh = str(label)
            with translation.override("en"):
                en = str(label)
            rows.append({"list_name": list_name, "name": str(value), f"label::{ZH}": zh, f"label::{EN}": en})
    return rows


def lists_of(survey: list[Row]) -> list[str]:
    names = []
    for row in survey:
        kind = row["type"].split()
        if kind[0] in ("select_one", "select_multiple") and len(kind) == 2 and kind[1] not in names:
            names.append(kind[1])
    return names


def write(form_id: str, title: str, survey: list[Row]) -> Path:
    path = FORMS_DIR / f"{form_id}.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheets: dict[str, tuple[list[str], list[Row]]] = {
        "survey": (list(SURVEY_COLUMNS), survey),
        "choices": (["list_name", "name", f"label::{ZH}", f"label::{EN}"], choices_rows(lists_of(survey))),
        "settings": (
            ["form_id", "form_title", "default_language", "instance_name"],
            [{"form_id": form_id, "form_title": title, "default_language": ZH, "instance_name": ""}],
        ),
    }
    for sheet, (columns, rows) in sheets.items():
        page = book.add_worksheet(sheet)
        for column, header in enumerate(columns):
            page.write_string(0, column, header)
        for number, row in enumerate(rows, start=1):
            for column, header in enumerate(columns):
                if row.get(header):
                    page.write_string(number, column, str(row[header]))
    book.close()
    return path


def main() -> None:
    for form_id, (title, survey) in SURVEYS.items():
        print(write(form_id, title, survey))


if __name__ == "__main__":
    main()

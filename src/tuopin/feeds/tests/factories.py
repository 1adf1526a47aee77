"""Department files for the tests: valid and broken ID numbers, rows of each source, CSV and xlsx writers."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import xlsxwriter

from tuopin.feeds.sources import SOURCES
from tuopin.registry.idnumbers import make_id


def person(serial: int, region: str = "130126", birth: date = date(1970, 3, 5)) -> str:
    """A valid ID number of a county of the test tree."""
    return make_id(region, birth, serial, female=serial % 2 == 0)


GOOD = person(1)
BAD_ID = GOOD[:17] + ("0" if GOOD[17] != "0" else "1")  # wrong check digit
BAD_IDS = {
    "校验位错误": BAD_ID,
    "出生日期无效": make_id("130126", date(1970, 3, 5), 1, female=False).replace("19700305", "19700230"),
    "行政区划代码不存在": person(1, region="130199"),
    "长度应为18位": GOOD[:17],
}


def medical_rows(*ids: str, **values: str) -> list[dict[str, str]]:
    base = {
        "结算日期": "2024-03-01",
        "就诊类型": "住院",
        "医疗总费用": "1000.50",
        "报销金额": "600.25",
        "个人自付": "400.25",
    }
    return [{"身份证号": id_number, **base, **values} for id_number in ids]


# One clean row per source, by canonical header (the ID added by `rows_of`).
CLEAN: dict[str, dict[str, str]] = {
    "medical": {
        "结算日期": "2024-03-01",
        "就诊类型": "门诊",
        "医疗总费用": "120.00",
        "报销金额": "80.00",
        "个人自付": "40.00",
    },
    "civil": {"日期": "2024-02-01", "事项": "低保退出", "金额": ""},
    "education": {"日期": "2024-03-15", "状态": "辍学", "学段": "初中", "自付学费": "1200"},
    "housing": {"鉴定日期": "2024/01/20", "安全等级": "C"},
    "disability": {"发证日期": "20240105", "残疾类别": "肢体", "残疾等级": "二级"},
    "disaster": {"日期": "2024-07-30", "灾种": "洪涝", "损失金额": "35000"},
    "employment": {"日期": "2024-05-01", "状态": "失业", "月收入": "0"},
}


def rows_of(source: str, *ids: str) -> list[dict[str, str]]:
    id_header = SOURCES[source].id_column.header
    return [{id_header: id_number, **CLEAN[source]} for id_number in ids]


def write_csv(
    path: Path,
    source: str,
    rows: list[dict[str, str]],
    *,
    encoding: str = "utf-8",
    headers: list[str] | None = None,
) -> Path:
    headers = headers or [column.header for column in SOURCES[source].columns]
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([row.get(header, "") for header in headers])
    return path


def write_xlsx(path: Path, source: str, rows: list[dict[str, Any]]) -> Path:
    headers = [column.header for column in SOURCES[source].columns]
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("数据")
    dates = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for index, header in enumerate(headers):
        sheet.write_string(0, index, header)
    for number, row in enumerate(rows, start=1):
        for index, header in enumerate(headers):
            value = row.get(header, "")
            if isinstance(value, date):
                sheet.write_datetime(number, index, value, dates)
            elif isinstance(value, str):
                sheet.write_string(number, index, value)
            else:
                sheet.write_number(number, index, value)
    workbook.close()
    return path

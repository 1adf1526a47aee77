"""The empty template of a department feed: the source's Chinese headers, text format for the ID column, and a
drop-down list for each enumeration (the labels on a hidden options sheet, as the registration template has them)."""

from __future__ import annotations

from pathlib import Path

import xlsxwriter
from django.utils import translation
from xlsxwriter.utility import xl_col_to_name

from tuopin.feeds.sources import SOURCES
from tuopin.registry.exporters import MAX_ROWS
from tuopin.registry.workbook import OPTIONS_SHEET


def write_template(source: str, path: Path) -> None:
    feed = SOURCES[source]
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    with translation.override("zh-hans"):
        sheet = workbook.add_worksheet(str(feed.label))
    options = workbook.add_worksheet(OPTIONS_SHEET)
    header = workbook.add_format({"bold": True, "bg_color": "#F2DCDB", "border": 1})
    text = workbook.add_format({"num_format": "@"})
    dates = workbook.add_format({"num_format": "yyyy-mm-dd"})
    listed = 0
    for index, column in enumerate(feed.columns):
        sheet.write_string(0, index, column.header, header)
        cell_format = {"id": text, "text": text, "date": dates}.get(column.kind)
        sheet.set_column(index, index, max(12, len(column.header) * 2.4), cell_format)
        if column.choices:
            options.write_string(0, listed, column.header)
            for row, choice in enumerate(column.choices, start=1):
                options.write_string(row, listed, choice.label)
            letter = xl_col_to_name(listed)
            source_range = f"='{OPTIONS_SHEET}'!${letter}$2:${letter}${len(column.choices) + 1}"
            sheet.data_validation(
                1,
                index,
                MAX_ROWS,
                index,
                {
                    "validate": "list",
                    "source": source_range,
                    "error_title": column.header,
                    "error_message": "请从下拉列表中选择",
                },
            )
            listed += 1
    options.hide()
    sheet.activate()
    sheet.freeze_panes(1, 0)
    workbook.close()

"""The data feeds of other departments, as data: one `Source` per department with its columns, each column with its
canonical Chinese header, English aliases, the field it becomes, its kind and whether it is required.

The importer (importer.py), the template (workbook.py) and the schema of the accepted Parquet files all read these
definitions, so a column added here appears in all three.

Parquet schema of every source (what `selectors.feed_files` returns, one file per accepted batch):

    id_index   string          HMAC-SHA256 blind index of the normalised ID number (tuopin.core.crypto.blind_index)
    id_masked  string          130126********123X
    id_key     int64           the blind index's integer form (tuopin.core.crypto.index_key), what screening joins on
    <fields>   by kind         date → date32, money → decimal128(14, 2), enum → string (the English code),
                               integer → int64, text → string; a blank optional cell is null
    batch_id   int64           the FeedBatch the row came with
    row        int64           the row of the file it came from (the header is row 1)

A source with `summed` (medical) also gets `<batch>.totals.parquet` per batch: one row per person (`totals_schema`).

No ID number is stored in clear.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

Kind = Literal["id", "date", "enum", "money", "integer", "text"]

# The Arrow type of each kind in the accepted Parquet files, and the DuckDB type that writes it.
ARROW_TYPES: dict[str, str] = {
    "id": "string",
    "date": "date32",
    "enum": "string",
    "money": "decimal128(14, 2)",
    "integer": "int64",
    "text": "string",
}
DUCKDB_TYPES: dict[str, str] = {
    "date": "DATE",
    "enum": "VARCHAR",
    "money": "DECIMAL(14, 2)",
    "integer": "BIGINT",
    "text": "VARCHAR",
}
TEXT_MAX = 100  # characters in a text cell


@dataclass(frozen=True)
class Choice:
    """One value of an enumeration: the code stored, the Chinese label of the department's files, other spellings."""

    code: str
    label: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class FeedColumn:
    header: str  # canonical Chinese header, as in the template
    field: str  # English snake_case name in the Parquet file
    kind: Kind
    aliases: tuple[str, ...] = ()
    required: bool = True
    choices: tuple[Choice, ...] = ()  # enum: the values; integer: words accepted for numbers (一级 → 1)
    minimum: int | None = None  # integer only
    maximum: int | None = None

    def spellings(self) -> dict[str, str]:
        """Every accepted spelling of a choice, lower-cased, to its code."""
        found: dict[str, str] = {}
        for choice in self.choices:
            for spelling in (choice.code, choice.label, *choice.aliases):
                found.setdefault(spelling.strip().lower(), choice.code)
        return found


@dataclass(frozen=True)
class Source:
    code: str
    label: Promise  # the department, for the pages
    columns: tuple[FeedColumn, ...]
    # For a feed whose amounts are summed per person over a period (medical costs): its date and money fields.
    # Each batch then also gets a totals file, one row per person (see `totals_schema`), with which the screening
    # skips the people who cannot reach a limit before it sums the rows of those who can.
    dated: str = ""
    summed: str = ""

    def __post_init__(self) -> None:
        kinds = [column.kind for column in self.columns]
        if kinds[0] != "id" or kinds.count("id") != 1:  # the importer reads the ID as the first column
            raise ValueError(f"{self.code}: the ID number must be the first column and the only one")

    @property
    def id_column(self) -> FeedColumn:
        return next(column for column in self.columns if column.kind == "id")

    @property
    def data_columns(self) -> tuple[FeedColumn, ...]:
        """The columns stored under their own name (the ID becomes id_index and id_masked)."""
        return tuple(column for column in self.columns if column.kind != "id")

    def header_map(self) -> dict[str, tuple[str, ...]]:
        """Canonical header → aliases, the shape `tuopin.core.excel.read_sheet` takes."""
        return {column.header: (column.field, *column.aliases) for column in self.columns}

    def required_headers(self) -> tuple[str, ...]:
        return tuple(column.header for column in self.columns if column.required)

    def arrow_schema(self) -> dict[str, str]:
        """Column name → Arrow type of the accepted Parquet files."""
        return {
            "id_index": "string",
            "id_masked": "string",
            "id_key": "int64",
            **{column.field: ARROW_TYPES[column.kind] for column in self.data_columns},
            "batch_id": "int64",
            "row": "int64",
        }

    def totals_schema(self) -> dict[str, str]:
        """Column name → Arrow type of a batch's totals file (only for a source with `summed`): per person, the
        batch, its rows, the first and last date, and the sum of the summed field."""
        return {
            "id_key": "int64",
            "batch_id": "int64",
            "rows": "int64",
            "first_on": "date32",
            "last_on": "date32",
            "total": "decimal128(38, 2)",
        }


def _id(header: str = "身份证号", *aliases: str) -> FeedColumn:
    return FeedColumn(header, "id_number", "id", ("id_number", "id", "证件号码", "公民身份号码", *aliases))


def _date(header: str, field: str, *aliases: str) -> FeedColumn:
    return FeedColumn(header, field, "date", ("date", *aliases))


GRADES = (
    Choice("1", "一级", ("1级", "一")),
    Choice("2", "二级", ("2级", "二")),
    Choice("3", "三级", ("3级", "三")),
    Choice("4", "四级", ("4级", "四")),
)

SOURCES: dict[str, Source] = {
    source.code: source
    for source in (
        Source(
            "medical",
            _("医保结算"),
            (
                _id(),
                _date("结算日期", "settled_on", "settlement_date", "settled_on"),
                FeedColumn(
                    "就诊类型",
                    "visit_type",
                    "enum",
                    ("visit_type",),
                    choices=(Choice("inpatient", "住院"), Choice("outpatient", "门诊")),
                ),
                FeedColumn("医疗总费用", "total_cost", "money", ("total_cost", "总费用")),
                FeedColumn(
                    "报销金额",
                    "reimbursed",
                    "money",
                    ("reimbursed", "reimbursement", "统筹支付"),
                    required=False,
                ),
                FeedColumn(
                    "个人自付", "out_of_pocket", "money", ("out_of_pocket", "个人负担", "个人自付金额")
                ),
            ),
            dated="settled_on",
            summed="out_of_pocket",
        ),
        Source(
            "civil",
            _("民政"),
            (
                _id(),
                _date("日期", "occurred_on", "occurred_on", "event_date"),
                FeedColumn(
                    "事项",
                    "item",
                    "enum",
                    ("item", "event"),
                    choices=(
                        Choice("dibao_in", "低保纳入"),
                        Choice("dibao_out", "低保退出"),
                        Choice("tekun_in", "特困纳入"),
                        Choice("tekun_out", "特困退出"),
                        Choice("temporary", "临时救助"),
                    ),
                ),
                FeedColumn("金额", "amount", "money", ("amount",), required=False),
            ),
        ),
        Source(
            "education",
            _("教育"),
            (
                _id(),
                _date("日期", "occurred_on", "occurred_on", "event_date"),
                FeedColumn(
                    "状态",
                    "status",
                    "enum",
                    ("status",),
                    choices=(
                        Choice("in_school", "在校"),
                        Choice("dropout", "辍学"),
                        Choice("suspended", "休学"),
                    ),
                ),
                FeedColumn("学段", "stage", "text", ("stage", "school_stage"), required=False),
                FeedColumn("自付学费", "tuition", "money", ("tuition", "tuition_paid"), required=False),
            ),
        ),
        Source(
            "housing",
            _("住建"),
            (
                _id("户主身份证号", "身份证号", "head_id_number"),
                _date("鉴定日期", "appraised_on", "appraised_on", "appraisal_date"),
                FeedColumn(
                    "安全等级",
                    "rating",
                    "enum",
                    ("rating", "safety_rating", "鉴定等级"),
                    choices=tuple(Choice(grade, grade, (f"{grade}级",)) for grade in "ABCD"),
                ),
            ),
        ),
        Source(
            "disability",
            _("残联"),
            (
                _id(),
                _date("发证日期", "issued_on", "issued_on", "issue_date"),
                FeedColumn(
                    "残疾类别",
                    "category",
                    "enum",
                    ("category", "disability_category"),
                    required=False,
                    choices=tuple(
                        Choice(code, f"{label}残疾", (label,))
                        for code, label in (
                            ("vision", "视力"),
                            ("hearing", "听力"),
                            ("speech", "言语"),
                            ("physical", "肢体"),
                            ("intellectual", "智力"),
                            ("mental", "精神"),
                            ("multiple", "多重"),
                        )
                    ),
                ),
                FeedColumn(
                    "残疾等级",
                    "grade",
                    "integer",
                    ("grade", "disability_grade"),
                    choices=GRADES,
                    minimum=1,
                    maximum=4,
                ),
            ),
        ),
        Source(
            "disaster",
            _("应急"),
            (
                _id("户主身份证号", "身份证号", "head_id_number"),
                _date("日期", "occurred_on", "occurred_on", "disaster_date"),
                FeedColumn("灾种", "hazard", "text", ("hazard", "disaster_type")),
                FeedColumn("损失金额", "loss", "money", ("loss", "loss_amount", "直接经济损失")),
            ),
        ),
        Source(
            "employment",
            _("人社"),
            (
                _id(),
                _date("日期", "occurred_on", "occurred_on", "event_date"),
                FeedColumn(
                    "状态",
                    "status",
                    "enum",
                    ("status", "employment_status"),
                    choices=(Choice("employed", "就业"), Choice("unemployed", "失业")),
                ),
                FeedColumn("月收入", "monthly_income", "money", ("monthly_income", "income"), required=False),
            ),
        ),
    )
}


def source_choices() -> list[tuple[str, Promise]]:
    return [(source.code, source.label) for source in SOURCES.values()]

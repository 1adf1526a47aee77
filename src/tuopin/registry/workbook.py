"""The registration workbook in the official shape: one definition of its sheets and columns, shared by the
template, the import and the export (POLICY.md §3). Headers are Chinese; English names and the national system's
export headers are accepted as aliases."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from tuopin.registry.vocab import (
    Category,
    Cause,
    DisabilityGrade,
    Education,
    Ethnicity,
    Health,
    HousingSafety,
    Labour,
    PopulationType,
    Relation,
    SchoolStatus,
    Standard,
    Status,
    WorkStatus,
)

HOUSEHOLDS, MEMBERS, INCOMES = "户信息", "成员信息", "收入信息"
OPTIONS_SHEET = "选项"


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    kind: str  # text | number | year | money | yesno | enum | enum2 | id | phone | combined_category
    aliases: tuple[str, ...] = ()
    vocab: type[models.Choices] | None = None
    required: bool = False


HOUSEHOLD_COLUMNS = (
    Column("户编号", "number", "text", ("household_number", "number"), required=True),
    Column("村代码", "village", "text", ("village_code", "village", "行政区划代码"), required=True),
    Column("户主身份证号", "head_id", "id", ("head_id_number", "户主证件号码"), required=True),
    Column("贫困户属性", "category", "combined_category", ("category",), Category),
    Column("识别标准", "standard", "enum", ("standard",), Standard),
    Column("主要致贫原因", "main_cause", "enum", ("main_cause", "致贫原因1"), Cause),
    Column("其他致贫原因", "other_causes", "enum2", ("other_causes", "致贫原因2"), Cause),
    Column("致贫原因3", "other_cause_3", "enum", ("other_cause_3",), Cause),
    Column("人口类型", "population_type", "enum", ("population_type",), PopulationType, required=True),
    Column("识别年度", "identification_year", "year", ("identification_year", "首次识别时间")),
    Column("脱贫状态", "status", "enum", ("status", "poverty_status"), Status),
    Column("脱贫年度", "exit_year", "year", ("exit_year", "脱贫时间")),
    Column("住房安全等级", "housing_safety", "enum", ("housing_safety",), HousingSafety),
    Column("是否易地搬迁", "relocated", "yesno", ("relocated", "易地搬迁")),
    Column("饮水安全", "water_safe", "yesno", ("water_safe", "饮水是否安全")),
    Column("联系电话", "phone", "phone", ("phone", "联系方式")),
)
MEMBER_COLUMNS = (
    Column("户编号", "household", "text", ("household_number", "number"), required=True),
    Column("姓名", "name", "text", ("name",), required=True),
    Column("身份证号", "id_number", "id", ("id_number", "证件号码"), required=True),
    Column("与户主关系", "relation", "enum", ("relation",), Relation, required=True),
    Column("民族", "ethnicity", "enum", ("ethnicity",), Ethnicity),
    Column("文化程度", "education", "enum", ("education",), Education),
    Column("在校生状况", "school_status", "enum", ("school_status",), SchoolStatus),
    Column("健康状况", "health", "enum2", ("health",), Health),
    Column("残疾等级", "disability_grade", "enum", ("disability_grade",), DisabilityGrade),
    Column("劳动能力", "labour", "enum", ("labour", "劳动技能"), Labour),
    Column("务工状况", "work_status", "enum", ("work_status",), WorkStatus),
    Column("参加医保", "medical_insurance", "yesno", ("medical_insurance", "是否参加城乡居民基本医疗保险")),
    Column(
        "参加养老保险", "pension_insurance", "yesno", ("pension_insurance", "是否参加城乡居民基本养老保险")
    ),
    Column("低保人口", "dibao", "yesno", ("dibao", "是否低保")),
)
INCOME_COLUMNS = (
    Column("户编号", "household", "text", ("household_number", "number"), required=True),
    Column("年度", "year", "year", ("year",), required=True),
    Column("工资性收入", "wage", "money", ("wage",)),
    Column("生产经营性收入", "business", "money", ("business", "家庭经营性收入")),
    Column("财产性收入", "property_income", "money", ("property_income", "property")),
    Column("转移性收入", "transfer", "money", ("transfer",)),
    Column("生产经营支出", "costs", "money", ("costs", "生产经营性支出")),
)
SHEETS = {HOUSEHOLDS: HOUSEHOLD_COLUMNS, MEMBERS: MEMBER_COLUMNS, INCOMES: INCOME_COLUMNS}
# The template shows these columns; the national system's third-cause column is accepted on import only.
TEMPLATE_HIDDEN = {"other_cause_3"}


def column_map(columns: tuple[Column, ...]) -> dict[str, tuple[str, ...]]:
    return {column.header: column.aliases for column in columns}


def required_headers(columns: tuple[Column, ...]) -> tuple[str, ...]:
    return tuple(column.header for column in columns if column.required)

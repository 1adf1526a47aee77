"""Importing department files: every problem reported with row, column and a masked value, nothing written from a
file with problems unless asked, accepted rows in Parquet keyed by the blind index and never an ID in clear."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command

from tuopin.audit.models import AuditEvent
from tuopin.core.crypto import blind_index, index_key
from tuopin.feeds.importer import ERROR_CAP
from tuopin.feeds.models import FeedBatch
from tuopin.feeds.selectors import feed_files
from tuopin.feeds.services import feed_import
from tuopin.feeds.sources import SOURCES
from tuopin.feeds.tests.factories import (
    BAD_ID,
    BAD_IDS,
    CLEAN,
    GOOD,
    medical_rows,
    person,
    rows_of,
    write_csv,
    write_xlsx,
)
from tuopin.registry.idnumbers import mask_id

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tree", "data_dir")]

ARROW = {
    "string": pa.string(),
    "date32": pa.date32(),
    "decimal128(14, 2)": pa.decimal128(14, 2),
    "int64": pa.int64(),
}
# What the clean row of each source (factories.CLEAN) becomes in the Parquet file.
EXPECTED: dict[str, dict[str, Any]] = {
    "medical": {
        "settled_on": date(2024, 3, 1),
        "visit_type": "outpatient",
        "total_cost": Decimal("120.00"),
        "reimbursed": Decimal("80.00"),
        "out_of_pocket": Decimal("40.00"),
    },
    "civil": {"occurred_on": date(2024, 2, 1), "item": "dibao_out", "amount": None},
    "education": {
        "occurred_on": date(2024, 3, 15),
        "status": "dropout",
        "stage": "初中",
        "tuition": Decimal("1200.00"),
    },
    "housing": {"appraised_on": date(2024, 1, 20), "rating": "C"},
    "disability": {"issued_on": date(2024, 1, 5), "category": "physical", "grade": 2},
    "disaster": {"occurred_on": date(2024, 7, 30), "hazard": "洪涝", "loss": Decimal("35000.00")},
    "employment": {
        "occurred_on": date(2024, 5, 1),
        "status": "unemployed",
        "monthly_income": Decimal("0.00"),
    },
}


def _run(*args: str) -> tuple[dict[str, Any], bool]:
    """`tuopin feeds import … --json`: the printed JSON and whether the command failed."""
    out = StringIO()
    try:
        call_command("feeds", "import", *args, "--json", stdout=out)
    except CommandError:
        return json.loads(out.getvalue()), True
    return json.loads(out.getvalue()), False


def _table(source: str) -> pa.Table:
    return pa.concat_tables(pq.read_table(path) for path in feed_files(source))


def _no_clear_id(path: Path, ids: list[str]) -> None:
    raw = path.read_bytes()
    for id_number in ids:
        assert id_number.encode() not in raw and id_number.lower().encode() not in raw
    table = pq.read_table(path)
    for name in table.column_names:
        values = {str(value) for value in table.column(name).to_pylist()}
        assert not values & set(ids)
        if name not in ("id_index", "id_key"):  # its hex digits (or their number) may hold 18 decimal ones
            assert not any(re.search(r"\d{17}[\dXx]", value) for value in values)


@pytest.mark.parametrize("source", list(SOURCES))
def test_a_clean_file_of_each_source_lands_in_parquet(source: str, tmp_path: Path) -> None:
    ids = [person(1), person(2, region="130722")]
    path = write_csv(tmp_path / f"{source}.csv", source, rows_of(source, *ids))
    data, failed = _run("--source", source, str(path), "--period", "2024-03")
    assert not failed
    assert data == {"source": source, "rows": 2, "accepted": 2, "rejected": 0, "errors": []}
    batch = FeedBatch.objects.get()
    assert (batch.source, batch.period, batch.rows, batch.accepted, batch.rejected) == (
        source,
        "2024-03",
        2,
        2,
        0,
    )
    assert batch.path == f"feeds/{source}/{batch.pk}.parquet" and feed_files(source) == [batch.parquet]
    table = pq.read_table(batch.parquet)
    assert {f.name: f.type for f in table.schema} == {
        name: ARROW[kind] for name, kind in SOURCES[source].arrow_schema().items()
    }
    rows = sorted(table.to_pylist(), key=lambda r: r["row"])
    assert rows == [
        {
            "id_index": blind_index(id_number),
            "id_masked": mask_id(id_number),
            "id_key": index_key(blind_index(id_number)),
            **EXPECTED[source],
            "batch_id": batch.pk,
            "row": number,
        }
        for number, id_number in enumerate(ids, start=2)
    ]
    _no_clear_id(batch.parquet, ids)
    assert batch.totals.exists() == bool(SOURCES[source].summed)


def test_a_summed_feed_gets_each_persons_total_beside_its_rows(tmp_path: Path) -> None:
    """The medical batch's totals file: per person its rows, first and last date and summed costs."""
    first, second = person(1), person(2)
    rows = [*rows_of("medical", first, first), *rows_of("medical", second)]
    rows[1] = {**rows[1], "结算日期": "2024-05-20", "个人自付": "60.50"}
    path = write_csv(tmp_path / "medical.csv", "medical", rows)
    assert feed_import(actor=None, source="medical", path=path).accepted == 3
    batch = FeedBatch.objects.get()
    assert feed_files("medical", totals=True) == [batch.totals]
    totals = {row["id_key"]: row for row in pq.read_table(batch.totals).to_pylist()}
    assert totals == {
        index_key(blind_index(first)): {
            "id_key": index_key(blind_index(first)),
            "batch_id": batch.pk,
            "rows": 2,
            "first_on": date(2024, 3, 1),
            "last_on": date(2024, 5, 20),
            "total": Decimal("100.50"),
        },
        index_key(blind_index(second)): {
            "id_key": index_key(blind_index(second)),
            "batch_id": batch.pk,
            "rows": 1,
            "first_on": date(2024, 3, 1),
            "last_on": date(2024, 3, 1),
            "total": Decimal("40.00"),
        },
    }


def test_an_xlsx_file_is_read_with_its_dates_and_numbers(tmp_path: Path) -> None:
    rows = [
        {"身份证号": GOOD, "发证日期": date(2024, 1, 5), "残疾类别": "视力残疾", "残疾等级": 1},
        {"身份证号": person(3), "发证日期": "2024-02-01", "残疾类别": "", "残疾等级": "四级"},
    ]
    report = feed_import(
        actor=None, source="disability", path=write_xlsx(tmp_path / "残联.xlsx", "disability", rows)
    )
    assert (report.accepted, report.rejected) == (2, 0)
    got = sorted(_table("disability").to_pylist(), key=lambda r: r["row"])
    assert [(r["issued_on"], r["category"], r["grade"]) for r in got] == [
        (date(2024, 1, 5), "vision", 1),
        (date(2024, 2, 1), None, 4),
    ]


def test_bad_ids_are_each_reported_masked_and_nothing_is_written(tmp_path: Path) -> None:
    rows = medical_rows(GOOD, *BAD_IDS.values(), "", "130126********0011", "13012619700305013")
    data, failed = _run("--source", "medical", str(write_csv(tmp_path / "bad.csv", "medical", rows)))
    assert failed
    assert (data["rows"], data["accepted"], data["rejected"]) == (8, 0, 7)
    expected = [(row, message) for row, message in enumerate(BAD_IDS, start=3)]
    expected += [(7, "必填。"), (8, "身份证号已脱敏，不能用于导入。"), (9, "长度应为18位")]
    assert [(e["row"], e["message"]) for e in data["errors"]] == expected
    assert all(e["column"] == "身份证号" for e in data["errors"])
    assert data["errors"][0]["value"] == mask_id(BAD_ID) == f"{BAD_ID[:6]}********{BAD_ID[-4:]}"
    assert data["errors"][3]["value"] == "*" * 13 + BAD_IDS["长度应为18位"][-4:]
    assert not re.search(r"\d{17}", json.dumps(data))
    assert FeedBatch.objects.count() == 0 and not (Path(tmp_path / "data" / "feeds")).exists()
    assert AuditEvent.objects.get(action="feeds.import").result == "refused"


def test_bad_cells_of_every_kind_are_reported_together(tmp_path: Path) -> None:
    rows = medical_rows(GOOD, GOOD, GOOD, GOOD, GOOD)
    rows[0].update({"结算日期": "2024-02-30", "就诊类型": "急诊"})
    rows[1].update({"医疗总费用": "-1", "个人自付": "abc", "报销金额": ""})  # 报销金额 is optional
    rows[2].update({"结算日期": "2099-01-01", "个人自付": ""})
    rows[3].update(
        {"结算日期": " 20240301 ", "就诊类型": " Inpatient ", "医疗总费用": " 1,234.50 "}
    )  # all fine
    data, failed = _run("--source", "medical", str(write_csv(tmp_path / "bad.csv", "medical", rows)))
    assert failed and (data["rows"], data["rejected"]) == (5, 3)
    assert [(e["row"], e["column"], e["value"], e["message"]) for e in data["errors"]] == [
        (2, "结算日期", "2024-02-30", "日期无效，应为“2024-03-01”的格式。"),
        (2, "就诊类型", "急诊", "不是可选值（住院、门诊）。"),
        (3, "医疗总费用", "-1", "应为非负金额。"),
        (3, "个人自付", "abc", "应为非负金额。"),
        (4, "结算日期", "2099-01-01", "日期不能晚于今天。"),
        (4, "个人自付", "", "必填。"),
    ]
    assert FeedBatch.objects.count() == 0


def test_enumerations_integers_and_text_are_checked(tmp_path: Path) -> None:
    rows = [
        {"身份证号": GOOD, "发证日期": "2024-01-05", "残疾类别": "聋", "残疾等级": "5"},
        {"身份证号": GOOD, "发证日期": "2024-01-05", "残疾类别": "", "残疾等级": "二级"},
    ]
    report = feed_import(
        actor=None, source="disability", path=write_csv(tmp_path / "d.csv", "disability", rows)
    )
    assert [(p.row, p.column, p.message) for p in report.errors] == [
        (
            2,
            "残疾类别",
            "不是可选值（视力残疾、听力残疾、言语残疾、肢体残疾、智力残疾、精神残疾、多重残疾）。",
        ),
        (2, "残疾等级", "应为1到4的整数。"),
    ]
    hazard = [
        {"户主身份证号": GOOD, "日期": "2024-07-30", "灾种": f"洪涝 {person(5)}", "损失金额": "1"},
        {"户主身份证号": GOOD, "日期": "2024-07-30", "灾种": "洪" * 101, "损失金额": "1"},
    ]
    report = feed_import(
        actor=None, source="disaster", path=write_csv(tmp_path / "z.csv", "disaster", hazard)
    )
    assert [(p.row, p.value[:9], p.message) for p in report.errors] == [
        (2, "洪涝 130126", "不能包含身份证号。"),
        (3, "洪" * 9, "内容过长（最多100个字）。"),
    ]
    assert person(5) not in report.errors[0].value  # an ID inside other text is masked too


def test_accept_valid_writes_only_the_good_rows(tmp_path: Path) -> None:
    rows = medical_rows(person(1), BAD_ID, person(2), person(3))
    rows[2]["就诊类型"] = "急诊"
    path = write_csv(tmp_path / "mixed.csv", "medical", rows)
    data, failed = _run("--source", "medical", str(path), "--accept-valid")
    assert not failed
    assert (data["rows"], data["accepted"], data["rejected"]) == (4, 2, 2)
    assert [(e["row"], e["column"]) for e in data["errors"]] == [(3, "身份证号"), (4, "就诊类型")]
    table = _table("medical")
    assert sorted(table.column("row").to_pylist()) == [2, 5]
    assert sorted(table.column("id_index").to_pylist()) == sorted(
        [blind_index(person(1)), blind_index(person(3))]
    )
    batch = FeedBatch.objects.get()
    assert (batch.rows, batch.accepted, batch.rejected) == (4, 2, 2)


def test_a_file_whose_every_row_is_bad_writes_nothing_even_when_accepting_valid_rows(tmp_path: Path) -> None:
    data, failed = _run(
        "--source",
        "medical",
        str(write_csv(tmp_path / "b.csv", "medical", medical_rows(BAD_ID))),
        "--accept-valid",
    )
    assert failed and data["accepted"] == 0 and FeedBatch.objects.count() == 0


def test_reimporting_the_same_file_changes_nothing(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", "medical", medical_rows(person(1), person(2)))
    first, _failed = _run("--source", "medical", str(path))
    again, failed = _run("--source", "medical", str(path))
    assert not failed
    assert again == {**first, "duplicate": True}
    assert FeedBatch.objects.count() == 1 and len(feed_files("medical")) == 1
    assert list(
        AuditEvent.objects.filter(action="feeds.import").values_list("result", flat=True).order_by("id")
    ) == [
        "ok",
        "duplicate",
    ]
    assert feed_import(
        actor=None, source="civil", path=path
    ).failed  # the same file as another source is no duplicate


def test_the_sql_blind_index_equals_blind_index_for_many_ids(tmp_path: Path) -> None:
    ids = [
        person(
            n % 100,
            region=("130126", "130127", "130722", "130724")[n % 4],
            birth=date(1940 + n % 80, 1 + n % 12, 1 + n % 28),
        )
        for n in range(600)
    ]
    shown = [
        f" {i.lower()} " if n % 3 == 0 else i for n, i in enumerate(ids)
    ]  # spaces and a lower-case x too
    assert any(i.endswith("X") for i in ids)
    report = feed_import(
        actor=None, source="medical", path=write_csv(tmp_path / "m.csv", "medical", medical_rows(*shown))
    )
    assert report.accepted == 600
    table = _table("medical")
    by_row = dict(zip(table.column("row").to_pylist(), table.column("id_index").to_pylist(), strict=True))
    assert [by_row[n] for n in range(2, 602)] == [blind_index(i) for i in ids]
    masked = dict(zip(table.column("row").to_pylist(), table.column("id_masked").to_pylist(), strict=True))
    assert [masked[n] for n in range(2, 602)] == [mask_id(i) for i in ids]
    _no_clear_id(feed_files("medical")[0], ids)


def test_bom_and_gbk_files_are_read(tmp_path: Path) -> None:
    bom = write_csv(tmp_path / "bom.csv", "housing", rows_of("housing", person(1)), encoding="utf-8-sig")
    gbk = write_csv(tmp_path / "gbk.csv", "housing", rows_of("housing", person(2)), encoding="gbk")
    for path in (bom, gbk):
        assert feed_import(actor=None, source="housing", path=path).accepted == 1
    assert sorted(_table("housing").column("rating").to_pylist()) == ["C", "C"]


def test_headers_are_matched_by_english_alias_and_a_missing_column_is_reported(tmp_path: Path) -> None:
    aliases = ["id_number", "settled_on", "visit_type", "total_cost", "out_of_pocket"]
    rows = [dict(zip(aliases, [GOOD, "2024-03-01", "inpatient", "10", "5"], strict=True))]
    path = write_csv(tmp_path / "en.csv", "medical", rows, headers=aliases)
    assert feed_import(actor=None, source="medical", path=path).accepted == 1
    short = write_csv(tmp_path / "short.csv", "medical", rows, headers=aliases[:3])
    data, failed = _run("--source", "medical", str(short))
    assert failed and data == {
        "source": "medical",
        "rows": 0,
        "accepted": 0,
        "rejected": 0,
        "errors": [
            {"row": 1, "column": "医疗总费用", "value": "", "message": "缺少必需的列。"},
            {"row": 1, "column": "个人自付", "value": "", "message": "缺少必需的列。"},
        ],
    }


def test_lines_with_the_wrong_number_of_cells_are_reported_and_later_rows_keep_their_numbers(
    tmp_path: Path,
) -> None:
    path = write_csv(tmp_path / "a.csv", "medical", medical_rows(person(1)))
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"{person(2)},2024-03-01\n")
        handle.write(f"{BAD_ID},2024-03-01,住院,1,1,1\n")
        handle.write("1,2,3,4,5,6,7\n")
        handle.write(f"{person(3)},2024-03-01,住院,1,1,1\n")
    report = feed_import(actor=None, source="medical", path=path, accept_valid=True)
    assert (report.rows, report.accepted, report.rejected) == (5, 2, 3)
    assert [(p.row, p.column, p.message) for p in report.errors] == [
        (3, "", "列数比表头少。"),
        (4, "身份证号", "校验位错误"),
        (5, "", "列数比表头多。"),
    ]
    assert sorted(_table("medical").column("row").to_pylist()) == [2, 6]


def test_the_error_list_is_capped_but_the_counts_are_exact(tmp_path: Path) -> None:
    rows = medical_rows(*([BAD_ID] * (ERROR_CAP + 200)), 结算日期="bad")
    data, failed = _run("--source", "medical", str(write_csv(tmp_path / "many.csv", "medical", rows)))
    assert failed and len(data["errors"]) == ERROR_CAP
    assert (data["rows"], data["rejected"]) == (ERROR_CAP + 200, ERROR_CAP + 200)
    assert data["errors"][:2] == [
        {"row": 2, "column": "身份证号", "value": mask_id(BAD_ID), "message": "校验位错误"},
        {"row": 2, "column": "结算日期", "value": "bad", "message": "日期无效，应为“2024-03-01”的格式。"},
    ]


def test_files_that_are_not_tables_are_refused(tmp_path: Path) -> None:
    empty = write_csv(tmp_path / "empty.csv", "medical", [])
    data, failed = _run("--source", "medical", str(empty))
    assert failed and data["errors"] == [
        {"row": 0, "column": "", "value": "", "message": "文件中没有数据行。"}
    ]
    binary = tmp_path / "x.csv"
    binary.write_bytes(b"MZ\x90\x00" + bytes(range(256)))
    data, failed = _run("--source", "medical", str(binary))
    assert failed and "不是CSV" in data["errors"][0]["message"]
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    with pytest.raises(CommandError, match="只接受"):
        call_command("feeds", "import", "--source", "medical", str(pdf))


def test_the_file_name_is_stored_with_any_id_masked(tmp_path: Path) -> None:
    path = write_csv(tmp_path / f"{GOOD}.csv", "medical", medical_rows(person(1)))
    feed_import(actor=None, source="medical", path=path)
    assert FeedBatch.objects.get().file_name == f"{mask_id(GOOD)}.csv"


def test_feed_files_come_oldest_first(tmp_path: Path) -> None:
    for n in range(3):
        feed_import(
            actor=None,
            source="civil",
            path=write_csv(tmp_path / f"{n}.csv", "civil", rows_of("civil", person(n))),
        )
    batches = list(FeedBatch.objects.order_by("id"))
    assert feed_files("civil") == [b.parquet for b in batches] and feed_files("medical") == []
    assert CLEAN["civil"]["事项"] == "低保退出"


def test_a_period_must_name_a_month(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", "medical", medical_rows(person(1)))
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("feeds", "import", "--source", "medical", str(path), "--period", "2024-13")
    assert FeedBatch.objects.count() == 0

"""The circulated report (issue 16, item 6): the PDF (a real page with its Chinese fonts embedded), the workbook,
who may download them, and the audit of each download."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from tuopin.accounts.models import User
from tuopin.audit.models import AuditEvent
from tuopin.conftest import MakeUser, client_for
from tuopin.contest.models import Round, RoundState
from tuopin.contest.report import RANKING_FIRST_ROW, report_build, report_pdf, report_workbook
from tuopin.contest.tests.report_data import JUDGE_NAMES, judges, make_round
from tuopin.contest.tests.report_data import province_round as province_round_of

pytestmark = pytest.mark.django_db
QUERIES = (
    19  # the session and user (3), the round, its ranking and report (8), the audit row (5), the session (3)
)
POPPLER = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils is not installed")


@pytest.fixture
def panel(make_user: MakeUser) -> list[User]:
    return judges(make_user)


@pytest.fixture
def published(panel: list[User]) -> Round:
    return make_round(panel)


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    target = tmp_path / "report.pdf"
    target.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(target), "-"], check=True, capture_output=True, text=True
    ).stdout


@POPPLER
def test_it_renders_the_pdf_as_a_real_page_with_its_title_areas_and_grades(
    published: Round, tmp_path: Path
) -> None:
    pdf = report_pdf(report_build(published))
    target = tmp_path / "report.pdf"
    target.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(target), str(tmp_path / "page")],
        check=True,
    )
    page = next(tmp_path.glob("page*.png"))
    assert page.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert page.stat().st_size > 10_000  # a page with text and a chart, not a blank one
    text = _pdf_text(pdf, tmp_path)
    assert "灵寿县2019年第二次乡镇党委书记擂台赛通报" in text
    assert "灵寿镇" in text
    assert "陈庄镇" in text
    assert "较好" in text
    assert "草稿" not in text
    assert "2019年6月20日" in text
    assert "通报日期" in text
    assert "0.6000" not in text  # the weights as written: ×0.6, ×0.4


@POPPLER
def test_it_embeds_a_cjk_font_in_the_pdf(published: Round, tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    target.write_bytes(report_pdf(report_build(published)))
    fonts = subprocess.run(["pdffonts", str(target)], check=True, capture_output=True, text=True).stdout
    lines = [line for line in fonts.splitlines()[2:] if "CJK" in line]
    assert lines
    assert all(line.split()[-5] == "yes" for line in lines)  # the "emb" column


def _sheets(data: bytes) -> dict[str, list[list[object]]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def test_the_workbook_holds_the_ranking_in_rank_order(published: Round) -> None:
    sheets = _sheets(report_workbook(report_build(published)))
    assert list(sheets) == ["排名", "评分明细", "指标"]
    ranking = sheets["排名"]
    assert ranking[0][0] == "灵寿县2019年第二次乡镇党委书记擂台赛通报"
    header, *rows = ranking[RANKING_FIRST_ROW:]
    assert header[:3] == ["名次", "区划代码", "参赛单位"]
    assert [(row[0], row[1], row[8]) for row in rows] == [
        (1, "130126100", "好"),
        (2, "130126101", "较好"),
        (2, "130126102", "较好"),
        (4, "130126103", "一般"),
    ]
    totals = [row[7] for row in rows]
    assert totals == sorted(totals, reverse=True)


def test_the_workbook_has_a_native_bar_chart_of_the_totals(published: Round) -> None:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(report_workbook(report_build(published)))) as archive:
        charts = [name for name in archive.namelist() if name.startswith("xl/charts/chart")]
        assert len(charts) == 1
        chart = archive.read(charts[0]).decode()
    assert "<c:barChart>" in chart
    assert "$H$5:$H$8" in chart  # the totals of the four contestants


def test_the_scores_sheet_marks_the_dropped_totals_and_lists_judges_by_label(published: Round) -> None:
    header, *rows = _sheets(report_workbook(report_build(published)))["评分明细"]
    assert header == [
        "名次",
        "区划代码",
        "参赛单位",
        "评委",
        "汇报（100）",
        "答问（20）",
        "合计",
        "去掉的分数",
    ]
    first = [row for row in rows if row[1] == "130126100"]
    assert [row[3] for row in first] == ["评委1", "评委2", "评委3", "评委4", "评委5"]
    assert [row[6] for row in first] == [110, 114, 107, 118, 100]
    assert [row[7] for row in first] == ["", "", "", "是", "是"]  # the highest (118) and the lowest (100)
    assert not any(name in str(rows) for name in JUDGE_NAMES)


def test_judges_are_named_only_where_the_round_says_so(panel: list[User], tmp_path: Path) -> None:
    named = make_round(panel, name_judges=True, with_run=False)
    _header, *rows = _sheets(report_workbook(report_build(named)))["评分明细"]
    assert [row[3] for row in rows[:5]] == JUDGE_NAMES
    if shutil.which("pdftotext"):
        assert "周评审" in _pdf_text(report_pdf(report_build(named)), tmp_path)


def test_the_indicator_sheet_holds_the_values_their_weights_and_sources(published: Round) -> None:
    header, *rows = _sheets(report_workbook(report_build(published)))["指标"]
    assert header == [
        "区划代码",
        "参赛单位",
        "指标组",
        "指标代码",
        "指标",
        "权重",
        "数值",
        "单位",
        "计算依据",
        "得分",
        "来源",
    ]
    exit_rate = [row for row in rows if row[3] == "exit_rate"]
    assert exit_rate[0] == [
        "130126100",
        "灵寿镇",
        "减贫成效",
        "exit_rate",
        "计划脱贫户退出率",
        "60.0%",
        90.0,
        "%",
        "90/100",
        90.0,
        "建档立卡数据库（2019-05-31快照）",
    ]
    no_data = [row for row in rows if row[3] == "visit_compliance"]
    assert no_data[0][6] == ""  # no value
    assert no_data[0][10] == "乡镇脱贫攻坚考核 第1版"  # no source of its own: the system version


# The downloads -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [("contest:report_pdf", "application/pdf"), ("contest:report_workbook", "spreadsheetml")],
)
def test_a_user_in_scope_downloads_the_report_and_the_download_is_audited(
    published: Round, own: User, inspector: User, name: str, kind: str, django_assert_max_num_queries: object
) -> None:
    from django.urls import reverse

    for user in (own, inspector):
        client = client_for(user)
        with django_assert_max_num_queries(QUERIES):  # type: ignore[operator]
            response = client.get(reverse(name, args=[published.pk]))
        assert response.status_code == 200
        assert kind in response["Content-Type"]
        assert "no-store" in response["Cache-Control"]
        assert "attachment" in response["Content-Disposition"]
    rows = AuditEvent.objects.filter(action="contest.report", object_id=str(published.pk))
    assert rows.count() == 2
    assert {row.actor for row in rows} == {"lingshou", "inspector"}
    assert all(row.details["preview"] is False for row in rows)


def test_another_county_gets_404_and_a_denial_row(published: Round, neighbour: User) -> None:
    from django.urls import reverse

    for name in ("contest:report_pdf", "contest:report_workbook"):
        assert client_for(neighbour).get(reverse(name, args=[published.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action="contest.report").exists()
    assert AuditEvent.objects.filter(action="access.not_found", object_id=str(published.pk)).count() == 2


def test_a_province_round_is_circulated_to_the_counties_below_it(
    make_user: MakeUser, neighbour: User
) -> None:
    from django.urls import reverse

    province_round = province_round_of(make_user)
    assert (
        client_for(neighbour).get(reverse("contest:report_workbook", args=[province_round.pk])).status_code
        == 200
    )
    province = make_user("hebei", "province", "13")
    assert (
        client_for(province).get(reverse("contest:report_workbook", args=[province_round.pk])).status_code
        == 200
    )


@pytest.mark.parametrize("state", [RoundState.DRAFT, RoundState.OPEN])
def test_a_round_still_being_prepared_or_scored_has_no_report(
    panel: list[User], own: User, make_user: MakeUser, state: str
) -> None:
    from django.urls import reverse

    contest_round = make_round(panel, state=state)
    province = make_user("hebei", "province", "13")
    for user in (own, province, *panel):
        assert client_for(user).get(reverse("contest:report_pdf", args=[contest_round.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action="contest.report").exists()


def test_a_closed_round_s_report_is_a_preview_for_its_offices_and_404_for_its_judges_and_others(
    panel: list[User], own: User, neighbour: User, make_user: MakeUser, tmp_path: Path
) -> None:
    from django.urls import reverse

    contest_round = make_round(panel, state=RoundState.CLOSED)
    url = reverse("contest:report_pdf", args=[contest_round.pk])
    for outsider in (*panel, neighbour):
        assert client_for(outsider).get(url).status_code == 404, outsider.username
    province = make_user("hebei", "province", "13")
    assert client_for(province).get(url).status_code == 200  # an office above the organiser
    response = client_for(own).get(url)
    assert response.status_code == 200
    assert "%E9%A2%84%E8%A7%88" in response["Content-Disposition"]  # 预览
    if shutil.which("pdftotext"):
        text = _pdf_text(response.content, tmp_path)
        assert "草稿/预览" in text
        assert "预览日期" in text
    rows = AuditEvent.objects.filter(action="contest.report")
    assert {row.actor for row in rows} == {"hebei", "lingshou"}
    assert all(row.details["preview"] is True for row in rows)


def test_a_preview_of_a_round_with_a_sheet_missing_lists_what_is_missing(
    panel: list[User], own: User
) -> None:
    from django.urls import reverse

    contest_round = make_round(panel, state=RoundState.CLOSED, missing=(3, "130126101"))
    response = client_for(own).get(reverse("contest:report_workbook", args=[contest_round.pk]))
    assert response.status_code == 409
    assert "130126101" in response.content.decode()
    assert not AuditEvent.objects.filter(action="contest.report").exists()


def test_a_revision_says_why_and_the_round_it_corrected_points_to_it(panel: list[User]) -> None:
    from tuopin.contest.services import round_revise

    first = make_round(panel, with_run=False)
    second = round_revise(actor=None, contest_round=first, reason="评委3的答问分录入有误")
    assert (
        "第2版（修订原因：评委3的答问分录入有误）"
        in _sheets(report_workbook(report_build(second)))["排名"][1][0]
    )
    assert "以修订版为准" in _sheets(report_workbook(report_build(first)))["排名"][1][0]


def test_without_a_run_the_indicator_sheet_says_where_the_scores_come_from(panel: list[User]) -> None:
    contest_round = make_round(panel, with_run=False)
    rows = _sheets(report_workbook(report_build(contest_round)))["指标"]
    assert rows[2][0] == "指标得分由组织单位录入，未关联指标计算。"

"""Every page answers in a bounded number of queries that does not grow with the data (issue 15).

The test walks the URL resolver: each routed pattern is filled from a dataset built through the services (the
factories of the other tests), requested as the county office of 灵寿县 (its API routes with that office's token) at
two sizes of the dataset, and must answer as expected with the same number of queries at both sizes, at most
MAX_QUERIES. A page that reads a row per household, per alert or per ledger row fails here. A new URL pattern fails
until this test knows how to fill it (PARAMS) or says why it is not requested (SKIPPED)."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver

from tuopin.accounts.models import Token, User
from tuopin.accounts.services import token_create
from tuopin.areas.models import AreaYear
from tuopin.assessment.models import Run
from tuopin.assessment.services import EVALUATION_FIELDS, assessment_run, evaluation_record
from tuopin.assistance.funds import (
    acceptance_record,
    fund_entry_record,
    fund_source_get,
    loan_record,
    project_record,
    repayment_record,
)
from tuopin.assistance.models import HelpingUnit, Loan, Pairing, Project, Visit
from tuopin.assistance.services import (
    agreement_record,
    measure_add,
    pairing_start,
    plan_record,
    unit_create,
    unit_member_link,
)
from tuopin.assistance.visits import duty_record, visit_record
from tuopin.conftest import MakeUser, RegisterHousehold, client_for
from tuopin.contest.models import Contestant, IndicatorRun, IndicatorSystem
from tuopin.contest.models import Round as ContestRound
from tuopin.contest.ranking import Grading
from tuopin.contest.ranking import Item as SheetItem
from tuopin.contest.runs import indicator_run
from tuopin.contest.services import (
    ContestantData,
    round_close,
    round_open,
    round_publish,
    round_run_set,
    sheet_submit,
)
from tuopin.contest.services import RoundData as ContestRoundData
from tuopin.contest.services import round_create as contest_round_create
from tuopin.core.models import Job
from tuopin.dashboards.figures import figures_refresh
from tuopin.feeds.tests.factories import medical_rows, person, write_csv
from tuopin.fieldforms.models import Attachment, Submission, SubmissionStatus
from tuopin.ledgers.framework import LEDGERS
from tuopin.medwaste.models import Disposer, Facility, FacilityKind, Handover, PlaceKind, TransferPoint
from tuopin.monitoring.cases import Verification, case_open, measure_record
from tuopin.monitoring.models import OPEN_STATUSES, Alert, Case, SelfReport
from tuopin.monitoring.services import screening_run, self_report
from tuopin.procedures.flows import Kind
from tuopin.procedures.models import Procedure
from tuopin.procedures.services import Proposal, procedure_act, procedure_propose
from tuopin.registry.models import Household, Income, Member
from tuopin.registry.services import income_set
from tuopin.supervision.models import Checklist, Evidence, Item, ListedArea, ListedList, Question, Round
from tuopin.supervision.services import (
    ItemData,
    RoundData,
    answer_publish,
    evidence_add,
    finding_record,
    item_act,
    item_create,
    listed_entry_add,
    listing_add_area,
    listing_create,
    question_ask,
    round_create,
)

pytestmark = pytest.mark.django_db

SMALL, LARGE = 2, 12  # households per village
MAX_QUERIES = 25
COUNTY = "130126"
TOWNSHIP = "130126100"
VILLAGES = ("130126100201", "130126100202")
AS_OF = date(2024, 6, 28)  # the screening's day
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


# --- the dataset ---------------------------------------------------------------------------------------------------


@dataclass
class World:
    """What the pages show, built through the services and grown in place from SMALL to LARGE households per
    village: each household brings its incomes, alerts, a case, a procedure, pairings, a plan, measures, a loan,
    visits, a rectification item, a question; and the first object of each kind gains children (fund entries,
    repayments, case events, evidence, answers) at the same rate, so that detail pages grow too."""

    register: RegisterHousehold
    make_user: MakeUser
    office: User
    tmp: Path
    size: int = 0
    units: dict[str, HelpingUnit] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def grow(self, size: int) -> None:
        for index in range(self.size, size):
            for village in VILLAGES:
                self._household(index, village)
            self._per_index(index)
        self.size = size
        screening_run(actor=None, as_of=AS_OF)
        # Half the households' alerts become cases (in each village from the first size on), half stay open.
        opened = Alert.objects.filter(rule="income", household__cases__isnull=True, status__in=OPEN_STATUSES)
        for alert in opened.select_related("household"):
            if alert.household is not None and int(alert.household.number[-3:]) % 4 == 1:
                self._case(alert)
        for _run in (1, 2):  # the latest run holds every household, and a run before it gives the differences
            assessment_run(actor=None, year=2019, area="13")
        listing = listing_create(actor=None, name=f"挂牌督战{size}", year=2020, area_code=COUNTY)
        listed = listing_add_area(actor=None, listing=listing, area_code=VILLAGES[0], leader="副县长")
        for listed_person in listed.persons.all()[:size]:
            listed_entry_add(
                actor=None, person=listed_person, kind="measure", text="安排公益岗位", on=date(2020, 3, 1)
            )
        self._contest(size)
        figures_refresh()  # the dashboards' stored figures, as the batch engine refreshes them

    def _contest(self, size: int) -> None:
        """A township round of the county judged by its office and one village account per household index, scored,
        its indicators from a run of the township system, published; and a draft beside it."""
        if "contest_run" not in self.extra:
            system = IndicatorSystem.objects.get(key="hebei_township")
            self.extra["contest_run"] = indicator_run(
                actor=None,
                version=system.versions.order_by("-version")[0],
                organiser=self.office.area_links.get().area,
                areas=[TOWNSHIP],
                year=2019,
                as_of=date(2019, 12, 31),
            )
        panel = [self.office, *User.objects.filter(username__startswith="cun").order_by("pk")[:size]]
        data = ContestRoundData(
            title=f"灵寿县乡镇党委书记擂台赛（{size}）",
            level="county",
            held_on=date(2019, 6, 1),
            organiser_code=COUNTY,
            items=(SheetItem("汇报", Decimal(100)), SheetItem("答问", Decimal(20))),
            grading=Grading("thresholds", (("好", Decimal(90)), ("较好", Decimal(80))), "一般"),
            contestants=(ContestantData(TOWNSHIP, "镇党委书记"),),
            judges=tuple(judge.pk for judge in panel),
            w_judges=Decimal("0.7"),
            w_indicators=Decimal("0.3"),
        )
        contest_round_create(actor=None, data=replace(data, title=f"{data.title}草稿"))
        contest_round = contest_round_create(actor=None, data=data)
        round_run_set(actor=None, contest_round=contest_round, run=self.extra["contest_run"])
        round_open(actor=None, contest_round=contest_round)
        contestant = contest_round.contestants.get()
        for number, judge in enumerate(panel):
            sheet_submit(
                judge_user=judge, contestant=contestant, scores={"汇报": 80 + number % 20, "答问": 15}
            )
        round_close(actor=None, contest_round=contest_round)
        round_publish(actor=None, contest_round=contest_round)

    # one household and what hangs on it

    def _household(self, index: int, village: str) -> None:
        number = f"H{village[-3:]}{index:03d}"
        poor = index % 2 == 0
        household = self.register(
            number,
            village=village,
            water_safe=True,
            **({} if poor else {"status": "exited_policy", "exit_year": 2019}),
        )
        amounts = {"wage": Decimal("12000" if poor else "6000"), "business": 0, "property_income": 0}
        for year in (2019, 2023):
            Income.objects.create(household=household, year=year, transfer=0, costs=0, **amounts)
        if poor:  # proposed for exit, and the village's appraisal held for the first of each village
            procedure = procedure_propose(
                actor=None,
                on=date(2019, 11, 1),
                proposal=Proposal(Kind.HOUSEHOLD_EXIT, 2019, household=household),
            )
            if index == 0:
                procedure_act(
                    actor=None,
                    procedure=procedure,
                    version=procedure.version,
                    on=date(2019, 11, 3),
                    data={"attendance": 30, "votes_for": 28, "votes_against": 1},
                )
        start = date(2017, 1, 1)
        if index % 3 != 2:  # every third household lacks a responsible cadre (the coverage page lists them)
            pairing_start(
                actor=None,
                kind="cadre_household",
                household=household,
                helper_name=f"帮扶人{index}",
                helper_role="科员",
                phone="13912345678",
                valid_from=start,
            )
        plan_record(
            actor=None,
            household=household,
            year=2018,
            path="发展产业",
            measures=["industry"],
            responsible=f"帮扶人{index}",
        )
        measure_add(
            actor=None, household=household, type="industry", on=date(2018, 3, 1), amount=Decimal("500")
        )
        loan = loan_record(
            actor=None,
            household=household,
            borrower=f"借款人{index}",
            lender="农村信用社",
            amount=Decimal("50000"),
            term_months=36,
            issued_on=date(2017, 3, 1),
        )
        repayment_record(actor=None, loan=loan, on=date(2018, 3, 1), principal=Decimal("1000"))
        visit_record(
            actor=None,
            who=f"帮扶人{index}",
            on=date(2018, 2, 1),
            target_type="household",
            target_code=number,
            purpose="走访",
            photo_name="photo.png",
            photo_data=PNG,
        )
        duty_record(
            actor=None,
            who=f"帮扶人{index}",
            target_type="household",
            target_code=number,
            frequency="month",
            valid_from=start,
        )
        item = item_create(
            actor=None,
            data=ItemData(
                number=f"ZG-{number}",
                source="national",
                category="idle_funds",
                area_code=village,
                description="扶贫资金闲置",
                unit="灵寿镇政府",
                person="张三",
                found_on=date(2019, 6, 1),
                deadline=date(2019, 9, 30),
            ),
        )
        item_act(actor=None, item=item, action="start", note="已部署", on=date(2019, 6, 5))
        question = question_ask(actor=None, area_code=village, text=f"{number}的光伏收益怎么分配？")
        answer_publish(
            actor=None,
            question=question,
            text="按村集体收益分配办法。",
            office="县扶贫办",
            area_codes=[COUNTY],
        )
        self_report(
            village=village,
            name=f"报告人{index}",
            phone=f"139{index:04d}{int(village[-1]):04d}",
            text="老伴突发脑梗住院",
            client=f"10.0.{index}.{village[-1]}",
        )

    def _case(self, alert: Alert) -> None:
        assert alert.household is not None
        case_open(
            actor=None,
            household=alert.household,
            type="sudden",
            risk_types=["illness"],
            verification=Verification(date(2024, 7, 1), "驻村工作队 王五", True, "户主住院"),
            alert=alert,
        )

    # the first object of each kind gains a child per index; each index brings a few shared rows

    def _per_index(self, index: int) -> None:
        if index == 0:
            self._first()
        units, on = self.units, date(2018, 4, index % 28 + 1)
        project = self.extra["project"]
        fund_entry_record(
            actor=None,
            project=project,
            source=self.extra["source"],
            kind="disbursement",
            on=on,
            amount=Decimal("100"),
        )
        acceptance_record(actor=None, project=project, year=2018, result="accepted", on=on)
        project_record(
            actor=None,
            year=2018,
            area_code=VILLAGES[index % 2],
            unit=units["planning"],
            name=f"项目{index}",
            funds=Decimal("1000"),
            content="垃圾收集点",
            implementer="县环保局",
            beneficiaries="全村",
            expected_effect="改善人居环境",
        )
        repayment_record(actor=None, loan=self.extra["loan"], on=on, principal=Decimal("10"))
        measure_add(actor=None, household=self.extra["household"], type="employment", on=on)
        agreement_record(
            actor=None,
            pairing=self.extra["county_pairing"],
            title=f"协议{index}",
            signed_on=on,
            funds=Decimal("1"),
        )
        income_set(
            actor=None,
            household=self.extra["household"],
            year=2000 + index,
            amounts={"wage": Decimal("100"), "business": 0, "property_income": 0, "transfer": 0, "costs": 0},
            reason="补录",
        )
        evidence_add(actor=None, item=self.extra["item"], name=f"报告{index}.pdf", data=b"%PDF-1.4 report")
        answer_publish(
            actor=None,
            question=self.extra["question"],
            text=f"补充{index}",
            office="县扶贫办",
            area_codes=[COUNTY],
        )
        checklist = self.extra["checklist"]
        item = checklist.items.order_by("position")[index % checklist.items.count()]
        finding_record(
            actor=None,
            round=self.extra["round"],
            checklist_item=item,
            area_code=VILLAGES[index // checklist.items.count() % 2],
            result="ok",
            note=f"检查{index}",
        )
        duty_record(
            actor=None,
            who="孙司长",
            role="司长",
            unit_name=units["planning"].name,
            target_type="village",
            target_code=VILLAGES[0],
            frequency="half",
            valid_from=on,
        )
        visit_record(
            actor=None,
            who="孙司长",
            role="司长",
            unit_name=units["planning"].name,
            on=on,
            target_type="village",
            target_code=VILLAGES[0],
            purpose="调研",
        )
        evaluation_record(
            actor=None,
            county=COUNTY,
            year=2008 + index,
            counts=dict.fromkeys(EVALUATION_FIELDS, 1),
            evaluated_on=date(2020, 1, 1),
            evaluator="第三方评估机构",
        )
        self.make_user(f"cun{index}", "village", VILLAGES[index % 2])
        department = unit_create(actor=None, name=f"第{index}司", kind="department", parent=units["ministry"])
        unit_member_link(actor=None, user=self.make_user(f"unit{index}", "unit", COUNTY), unit=department)
        token_create(user=self.office, name=f"令牌{index}")
        self._feed(index)
        self._medwaste(index)
        self._fieldforms(index)
        case = Case.objects.order_by("id").first()
        if case is not None:
            measure_record(
                actor=None, case=case, on=on.replace(year=2024, month=7), type="industry", text="产业帮扶"
            )

    def _medwaste(self, index: int) -> None:
        """A transfer point, a clinic and a disposal unit per index, and two handovers (a clinic's collection, the
        point's removal), so that the places' lists and the handovers' grow."""
        point = TransferPoint.objects.create(
            code=f"P{index}", name=f"周转点{index}", area_id=TOWNSHIP, capacity_kg=Decimal("500")
        )
        clinic = Facility.objects.create(
            code=f"F{index}",
            name=f"卫生室{index}",
            kind=FacilityKind.VILLAGE_CLINIC,
            area_id=VILLAGES[index % 2],
            point=point,
            daily_kg=Decimal("0.5"),
        )
        disposer = Disposer.objects.create(
            code=f"D{index}", name=f"处置中心{index}", area_id=COUNTY, daily_tonnes=Decimal("1")
        )
        disposer.serves.set([COUNTY])
        at = datetime(2018, 4, index % 28 + 1, 9, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
        for number, giver, receiver in (
            (f"LD{index}", (PlaceKind.FACILITY, clinic.code), (PlaceKind.POINT, point.code)),
            (f"ZY{index}", (PlaceKind.POINT, point.code), (PlaceKind.DISPOSER, disposer.code)),
        ):
            Handover.objects.create(
                number=number,
                at=at,
                giver_kind=giver[0],
                giver_code=giver[1],
                receiver_kind=receiver[0],
                receiver_code=receiver[1],
                area_id=clinic.area_id if giver[0] == PlaceKind.FACILITY else TOWNSHIP,
                category="infectious",
                kg=Decimal("3"),
                packages=1,
                giver_person="王医生",
                receiver_person="李师傅",
            )

    def _fieldforms(self, index: int) -> None:
        """Two submissions from a village's phone per index, one applied and one in review, so that the submissions
        page and the review queue grow; the first has a photo (the attachment view)."""
        user = User.objects.get(username=f"cun{index}")
        number = f"H{user.area_links.get().area_id[-3:]}{index:03d}"
        for status in (SubmissionStatus.REVIEW, SubmissionStatus.APPLIED):
            submission = Submission.objects.create(
                instance_id=f"uuid:{number}-{status}",
                form_id="household_update",
                user=user,
                area_id=user.area_links.get().area_id,
                xml=f"<data><household>{number}</household><meta><instanceID>x</instanceID></meta></data>",
                status=status,
                reason="该户在下载后已修改" if status == SubmissionStatus.REVIEW else "",
                target={"household": number},
            )
            if index == 0 and status == SubmissionStatus.REVIEW:
                (self.tmp / "fieldforms").mkdir(exist_ok=True)
                (self.tmp / "fieldforms" / "photo.png").write_bytes(PNG)
                Attachment.objects.create(
                    submission=submission,
                    name="photo.png",
                    path="fieldforms/photo.png",
                    content_type="image/png",
                    size=len(PNG),
                    sha256="0" * 64,
                )

    def _first(self) -> None:
        """The shared rows, and the first objects whose pages grow."""
        ministry = unit_create(actor=None, name="环境保护部", kind="ministry")
        self.units["planning"] = unit_create(
            actor=None, name="规划财务司", kind="department", parent=ministry
        )
        self.units["ministry"] = ministry
        unit_member_link(
            actor=None, user=self.make_user("planning", "unit", COUNTY), unit=self.units["planning"]
        )
        start = date(2017, 1, 1)
        for village in VILLAGES:
            pairing_start(
                actor=None,
                kind="unit_village",
                area_code=village,
                unit=self.units["planning"],
                valid_from=start,
            )
            for year in (2017, 2018):
                AreaYear.objects.get_or_create(area_id=village, year=year, defaults={"poor_village": True})
        self.extra["county_pairing"] = pairing_start(
            actor=None, kind="county_county", area_code=COUNTY, helper_area_code="130722", valid_from=start
        )
        self.extra["source"] = fund_source_get(name="中央财政专项资金", level="central")
        self.extra["project"] = project_record(
            actor=None,
            year=2017,
            area_code=VILLAGES[0],
            unit=self.units["planning"],
            name="垃圾处理项目",
            funds=Decimal("300000"),
            content="垃圾收集点",
            implementer="县环保局",
            beneficiaries="全村",
            expected_effect="改善人居环境",
        )
        fund_entry_record(
            actor=None,
            project=self.extra["project"],
            source=self.extra["source"],
            kind="allocation",
            on=date(2017, 3, 1),
            amount=Decimal("300000"),
        )
        self.extra["household"] = Household.objects.order_by("id").first()
        self.extra["loan"] = Loan.objects.order_by("id").first()
        self.extra["item"] = Item.objects.order_by("id").first()
        self.extra["question"] = Question.objects.order_by("id").first()
        checklist = Checklist.objects.get(code="baikan-bacha")
        self.extra["checklist"] = checklist
        self.extra["round"] = round_create(
            actor=None,
            data=RoundData(
                "县级督查",
                "inspection",
                "第二督查组",
                "李四",
                COUNTY,
                checklist.pk,
                date(2019, 5, 6),
                date(2019, 5, 9),
            ),
        )

    def _feed(self, index: int) -> None:
        """A department's batch, imported through the upload page as a job (the feeds page lists batches, the job
        pages show it)."""
        path = write_csv(self.tmp / f"medical{index}.csv", "medical", medical_rows(person(index + 1)))
        client = client_for(self.office)
        with self.extra["capture"](execute=True), path.open("rb") as handle:
            client.post("/feeds/upload/", {"source": "medical", "file": handle})
        if index == 0:  # a what-if of the assessment, a job with a result page of its own
            with self.extra["capture"](execute=True):
                client.post(
                    "/assessment/",
                    {"form": "what_if", "year": 2019, "area": COUNTY, "key": "poverty_line", "value": "4000"},
                )


# --- filling the URL patterns ----------------------------------------------------------------------------------------


def _first(model: Any, **filters: Any) -> str:
    found = model.objects.filter(**filters).order_by("pk").first()
    assert found is not None, f"the dataset has no {model.__name__} {filters}"
    return str(found.pk)


def _latest(model: Any, **filters: Any) -> str:
    found = model.objects.filter(**filters).order_by("-pk").first()
    assert found is not None, f"the dataset has no {model.__name__} {filters}"
    return str(found.pk)


def _household() -> str:
    return Household.objects.filter(village_id=VILLAGES[0]).order_by("pk").values_list("number", flat=True)[0]


def _contest_round(state: str = "published") -> str:
    return _latest(ContestRound, state=state)


def _contestant() -> str:
    return _first(Contestant, round_id=_contest_round())


def _job(kind: str) -> Callable[[], str]:
    return lambda: _first(Job, kind=kind, status="done")


# A URL parameter's value by its name, or by the URL's name and its own where one name means different things.
Fill = Callable[[], "str | list[str]"]
PARAMS: dict[str, Fill] = {
    "number": _household,
    "member_id": lambda: _first(Member, household__number=_household(), relation="son"),
    "user_id": lambda: _first(User, username="cun0"),
    "token_id": lambda: _first(Token, name="令牌0"),
    "device_id": lambda: "1",  # only its revoke takes one, and a GET of that is refused before any lookup
    "code": lambda: VILLAGES[0],
    "key": lambda: "poverty_line",
    "run_id": lambda: _latest(Run),
    "procedure_id": lambda: _first(Procedure, household__isnull=False),
    "alert_id": lambda: _first(Alert, rule="income"),
    "report_id": lambda: _first(SelfReport),
    "case_id": lambda: _first(Case),
    "pairing_id": lambda: _first(Pairing, kind="county_county"),
    "loan_id": lambda: _first(Loan),
    "project_id": lambda: _first(Project),
    "visit_id": lambda: _first(Visit, photo__gt=""),
    "unit_id": lambda: _first(HelpingUnit, parent__isnull=True),
    "item_id": lambda: _first(Item),
    "evidence_id": lambda: _first(Evidence),
    "round_id": lambda: _first(Round),
    "listing_id": lambda: _latest(ListedList),
    "listed_id": lambda: _latest(ListedArea),
    "question_id": lambda: _first(Question),
    "name": lambda: sorted(LEDGERS),  # every ledger's pages
    "year": lambda: "2019",
    "contest_round_id": _contest_round,
    "contestant_id": _contestant,
}
PARAMS_BY_URL: dict[tuple[str, str], Fill] = {
    ("site:job", "job_id"): _job("feeds.import"),
    ("feeds:job", "job_id"): _job("feeds.import"),
    ("assessment:what_if", "job_id"): _job("assessment.what_if"),
    ("api-v1:ledger_rows", "name"): lambda: sorted(name for name, ledger in LEDGERS.items() if ledger.export),
    # the contest: the county's latest published township round (the office judges it too), its draft, its run
    ("medwaste:handover", "number"): lambda: "LD0",
    ("medwaste:handover_reverse", "number"): lambda: "LD0",
    ("medwaste:point", "code"): lambda: "P0",
    ("medwaste:filing_xlsx", "code"): lambda: "P0",
    ("medwaste:filing_pdf", "code"): lambda: "P0",
    ("medwaste:filing_mark", "code"): lambda: "P0",
    ("fieldforms:submission", "submission_id"): lambda: _first(Submission),
    ("fieldforms:attachment", "submission_id"): lambda: _first(Submission),
    ("fieldforms:attachment", "name"): lambda: "photo.png",
    ("fieldforms:resolve", "submission_id"): lambda: _first(Submission),
    ("contest:round_edit", "contest_round_id"): lambda: _contest_round("draft"),
    ("contest:run", "run_id"): lambda: _latest(IndicatorRun),
    ("contest:system", "key"): lambda: "hebei_township",
    ("contest:system_edit", "key"): lambda: "hebei_township",
    ("contest:run_start", "key"): lambda: "hebei_township",
    ("contest:report_pdf", "pk"): _contest_round,
    ("contest:report_workbook", "pk"): _contest_round,
    ("api-v1:contest_round", "round_id"): _contest_round,
    ("api-v1:contest_ranking", "round_id"): _contest_round,
    ("api-v1:contest_run_values", "run_id"): lambda: _latest(IndicatorRun),
}
# Query strings some pages need to show their rows (the pattern itself is requested too).
VARIANTS: dict[str, list[str]] = {
    "assessment:run": [f"?area={VILLAGES[0]}"],  # a village's households, read from the run's Parquet files
    "registry:households": ["?q=王"],
    "dashboards:area": [f"?area={VILLAGES[0]}", f"?area={COUNTY}&export=children"],
    "measures:measures": ["?area=130126100"],
    "monitoring:alerts": ["?status="],
    "procedures:village": ["?kind=household_exit&year=2019"],
    "supervision:reconcile": [f"?area={COUNTY}"],
    "api-v1:ledger_rows": ["?reason=核对"],
    "api-v1:visits_compliance": ["?period=2018"],
    "report_areas": ["?township=130126100"],
    "assistance:compliance": ["?period=2018"],
    "medwaste:overview": ["?quarter=2018Q2"],
    "medwaste:board": [
        "?quarter=2018Q2&measure=overstays",
        "?area=130126100&quarter=2018Q2",
        "?quarter=2018Q2&export=xlsx",
    ],
    "medwaste:handovers": ["?category=infectious&from=2018-04-01&to=2018-06-30"],
    "medwaste:keeper": ["?point=P0", "?point=P0&action=receipt", "?point=P0&action=removal"],
    "medwaste:point": ["?quarter=2018Q2"],
    "medwaste:filing_xlsx": ["?quarter=2018Q2"],
    "medwaste:filing_pdf": ["?quarter=2018Q2"],
    "fieldforms:submissions": ["?status=review&form=household_update&area=130126100"],
}
# What a GET answers where it is not a page (the query count is still bounded and compared).
NOT_A_PAGE: dict[str, tuple[int, str]] = {
    "accounts:logout": (405, "POST only: signing out"),
    "accounts:scope_switch": (405, "POST only: choosing the active area"),
    "accounts:token_revoke": (405, "POST only: revoking a token"),
    "accounts:login_verify": (302, "no sign-in waits for its second factor: back to the sign-in"),
    "feeds:upload": (405, "POST only: the upload form lives on the feeds page"),
    "supervision:item_evidence": (405, "POST only: the evidence form lives on the item's page"),
    "registry:member_reveal": (405, "POST only: a reveal is for a stated reason"),
    "monitoring:report_phone": (405, "POST only: a reveal is for a stated reason"),
    "assistance:agreement_add": (
        302,
        "the pairing page's form posts here; a GET records nothing and goes back",
    ),
    "procedures:village_go": (302, "the village chooser: without a village, back to the list"),
    "registry:dashboard": (301, "the dashboards moved to /dashboard/; old bookmarks are redirected"),
    "site:set_language": (302, "Django's set_language: a GET changes nothing and goes back"),
    "api-v1:search_households": (405, "POST only: a search that may hold an ID number is never in a URL"),
    "api-v1:add_member": (405, "POST only"),
    "api-v1:put_income": (405, "PUT only"),
    "api-v1:ledger_upload": (405, "POST only: an import"),
    "api-v1:api-root": (404, "django-ninja's root has no page"),
    "contest:system_new": (404, "only a province office makes an indicator system; the walk is a county's"),
    "contest:system_edit": (404, "a shipped system is copied, never edited"),
    "contest:round_state": (405, "POST only: a round's state change"),
    "contest:round_revise": (405, "POST only: a published round's revision"),
    "contest:round_run": (405, "POST only: the run a round scores its indicators from"),
    "medwaste:handover_reverse": (405, "POST only: the reversal form lives on the handover's page"),
    "medwaste:filing_mark": (405, "POST only: the marking form lives on the point's page"),
    "fieldforms:resolve": (405, "POST only: the apply and reject buttons live on the review queue"),
    "fieldforms:device_revoke": (405, "POST only: the revoke button lives on the devices page"),
}
# Where the bare pattern lacks a required query (the variant above has it): refused as invalid.
NOT_A_PAGE_VARIANT = {
    "api-v1:ledger_rows": 422,
    "api-v1:visits_compliance": 422,
    "medwaste:filing_xlsx": 302,  # a filing's file names its quarter: to the page's default quarter
    "medwaste:filing_pdf": 302,
}
# URL name, or a namespace ("contest:"), and why it is not requested.
SKIPPED: dict[str, str] = {
    "openrosa:": "ODK Collect's OpenRosa protocol, not pages: Basic auth with a device password, XML answers "
    "(fieldforms/tests/test_openrosa.py walks it as the phone does)",
}
# Pages whose body must be larger with more data: the walk reaches the rows (the rest are forms, files, or pages of
# one object whose children do not grow here).
GROWING = [
    "/registry/",
    "/registry/households/<number>/",
    "/dashboard/",
    "/measures/?area=130126100",
    "/assessment/evaluations/",
    "/assessment/<run_id>/?area=130126100201",
    "/procedures/",
    "/procedures/village/<code>/?kind=household_exit&year=2019",
    "/monitoring/",
    "/monitoring/cases/",
    "/monitoring/cases/<case_id>/",
    "/feeds/",
    "/assistance/",
    "/assistance/pairings/<pairing_id>/",
    "/assistance/coverage/",
    "/assistance/households/<number>/",
    "/assistance/plans/",
    "/assistance/loans/",
    "/assistance/loans/<loan_id>/",
    "/assistance/projects/",
    "/assistance/projects/<project_id>/",
    "/assistance/visits/",
    "/assistance/duties/",
    "/assistance/units/",
    "/assistance/units/<unit_id>/",
    "/supervision/",
    "/supervision/items/<item_id>/",
    "/supervision/rounds/<round_id>/",
    "/supervision/listed/areas/<listed_id>/",
    "/supervision/qa/",
    "/supervision/qa/<question_id>/",
    "/contest/rounds/",
    "/contest/rounds/<contest_round_id>/",
    "/contest/rounds/<contest_round_id>/screen/",
    "/medwaste/?quarter=2018Q2",
    "/medwaste/board/?quarter=2018Q2&measure=overstays",
    "/medwaste/points/",
    "/medwaste/facilities/",
    "/medwaste/disposers/",
    "/medwaste/handovers/",
    "/medwaste/handovers/?category=infectious&from=2018-04-01&to=2018-06-30",
    "/medwaste/keeper/",  # the points an office may record at
    "/fieldforms/submissions/",
    "/fieldforms/submissions/?status=review&form=household_update&area=130126100",
    "/fieldforms/review/",
    "/accounts/users/",
    "/accounts/tokens/",
    "/api/v1/households",
    "/api/v1/alerts",
    "/api/v1/ledgers/visits?reason=核对",
]


def _patterns(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = (
                f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else pattern.namespace
            )
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern), inner or namespace)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace else str(pattern.name)
            yield prefix + str(pattern.pattern), name


PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


@dataclass(frozen=True)
class Request:
    label: str  # the same at both sizes: the route, with the ledger's name where it has one
    name: str
    url: str
    api: bool


def _requests() -> tuple[list[Request], list[str]]:
    """Every GET the walk makes, and the patterns it cannot fill."""
    requests: dict[str, Request] = {}
    unknown = []
    for route, name in _patterns(get_resolver().url_patterns):
        if name in SKIPPED or name.split(":")[0] + ":" in SKIPPED:
            continue
        urls = [("/" + route, "/" + route)]
        for parameter in PARAMETER.findall(route):
            fill = PARAMS_BY_URL.get((name, parameter)) or PARAMS.get(parameter)
            if fill is None:
                unknown.append(f"{name} ({route}): <{parameter}>")
                urls = []
                break
            values = fill()
            values = values if isinstance(values, list) else [values]
            pattern = re.compile(rf"<(?:\w+:)?{parameter}>")
            urls = [
                (
                    pattern.sub(value, url),
                    pattern.sub(value if parameter == "name" else f"<{parameter}>", label),
                )
                for url, label in urls
                for value in values
            ]
        for url, label in urls:
            for suffix in ["", *VARIANTS.get(name, [])]:
                key = label + suffix
                requests.setdefault(key, Request(key, name, url + suffix, route.startswith("api/")))
    return list(requests.values()), unknown


def _expected(request: Request) -> int:
    if "?" not in request.url and request.name in NOT_A_PAGE_VARIANT:
        return NOT_A_PAGE_VARIANT[request.name]
    return NOT_A_PAGE.get(request.name, (200, ""))[0]


@dataclass(frozen=True)
class Answer:
    expected: int
    status: int
    queries: int
    size: int  # of the body


def _get(client: Client, request: Request, headers: dict[str, str]) -> Answer:
    extra = headers if request.api else {}
    client.get(request.url, **extra)  # warm: sessions, caches and first-visit writes (a pending TOTP device)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(request.url, **extra)
    body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
    return Answer(_expected(request), response.status_code, len(queries), len(body))


def _walk(client: Client, headers: dict[str, str]) -> dict[str, Answer]:
    requests, unknown = _requests()
    assert not unknown, f"URL patterns this test cannot fill (add them to PARAMS or SKIPPED): {unknown}"
    return {request.label: _get(client, request, headers) for request in requests}


@pytest.fixture
def world(
    register: RegisterHousehold,
    make_user: MakeUser,
    settings: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> World:
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.TUOPIN_THROTTLE_EXPORTS = 1000  # the walk exports every ledger through the API four times
    office = make_user("lingshou", "county", COUNTY, manage=True)
    built = World(register, make_user, office, tmp_path)
    built.extra["capture"] = django_capture_on_commit_callbacks
    return built


def test_every_page_takes_as_many_queries_for_many_rows_as_for_few(world: World) -> None:
    client = client_for(world.office)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=world.office, name='walk')}"}
    world.grow(SMALL)
    few = _walk(client, headers)
    world.grow(LARGE)
    many = _walk(client, headers)
    assert few.keys() == many.keys()
    wrong = {label: (a.status, a.expected) for label, a in many.items() if a.status != a.expected}
    assert not wrong, f"status (got, expected): {wrong}"
    growing = {
        label: (few[label].queries, a.queries) for label, a in many.items() if a.queries != few[label].queries
    }
    assert not growing, f"queries grow with the data (few, many): {growing}"
    heavy = {label: a.queries for label, a in many.items() if a.queries > MAX_QUERIES}
    assert not heavy, f"more than {MAX_QUERIES} queries: {heavy}"
    shown = {label for label, a in many.items() if a.size > few[label].size}
    assert not set(GROWING) - shown, (
        f"pages that should show more rows at {LARGE} households: {set(GROWING) - shown}"
    )
    assert len(many) >= 100  # the walk reached every pattern (and each ledger's)

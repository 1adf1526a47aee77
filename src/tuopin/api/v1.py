"""REST API v1: the registry, monitoring alerts and the offices' ledgers, with the same scope, masking, validation
and audit as the pages.

Authentication: `Authorization: Bearer <personal access token>` (`tuopin token create --username U`); a token acts
exactly as its user. The schema is served at /api/v1/openapi.json.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import islice
from pathlib import Path as FilePath
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Path, Query, Schema, Status
from ninja.security import HttpBearer
from pydantic import Field

from tuopin.accounts.models import User
from tuopin.accounts.permissions import WriteRefused
from tuopin.accounts.roles import Capability
from tuopin.accounts.services import token_user
from tuopin.accounts.throttle import Throttled, carries_id_number, compact, throttle_check
from tuopin.api.schemas import (
    NO_NUL,
    AlertOut,
    ComplianceOut,
    HouseholdDetailOut,
    HouseholdIn,
    HouseholdPage,
    HouseholdPatch,
    IncomeIn,
    IncomeOut,
    LedgerImportOut,
    LedgerOut,
    LedgerPage,
    MemberIn,
    MemberOut,
    OverdueOut,
    Problem,
)
from tuopin.audit.services import audit_record, import_refusal_record
from tuopin.core.errors import StaleEdit
from tuopin.core.uploads import UploadRejected, upload_keep
from tuopin.ledgers.framework import LEDGERS, Ledger, ledger_import, ledger_may_import
from tuopin.registry.idnumbers import ID_PATTERN
from tuopin.registry.models import Household, Income, Member
from tuopin.registry.selectors import (
    PAGE_SIZE,
    HouseholdFilter,
    current_members,
    household_for,
    household_list_for,
)
from tuopin.registry.services import (
    INCOME_FIELDS,
    MemberData,
    household_register,
    household_update,
    income_set,
    member_add,
)

NumberPath = Annotated[str, Path(min_length=1, max_length=32, pattern=NO_NUL)]
YearPath = Annotated[int, Path(ge=1990, le=2100)]
Reason = Annotated[str, Query(min_length=1, max_length=200, pattern=NO_NUL)]
ERRORS = {401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem}
LIMITED = {**ERRORS, 429: Problem}  # the operations limited per user (tuopin.accounts.throttle)
SEARCH_PATH = "/api/v1/households/search"


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = token_user(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Tuopin API",
    version="1",
    urls_namespace="api-v1",
    auth=BearerToken(),
    docs_url=None,
    openapi_url="/openapi.json",
)


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


def _require(request: HttpRequest, capability: str) -> User:
    user = _user(request)
    if not user.can(capability):
        raise PermissionDenied(f"needs {capability}")
    return user


@api.exception_handler(PermissionDenied)
def _denied(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
    if isinstance(error, WriteRefused):
        error.record(request)  # a refused write audited itself: again only if a rollback took its row
    else:
        audit_record(
            action="access.denied",
            request=request,
            object_type="api",
            object_id=request.path[:64],
            result="denied",
            details={"reason": str(error)} if str(error) else {},
        )
    return api.create_response(request, {"detail": "forbidden"}, status=403)


@api.exception_handler(StaleEdit)
def _stale(request: HttpRequest, error: StaleEdit) -> HttpResponse:
    return api.create_response(request, {"detail": "conflict", "messages": error.messages}, status=409)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, error: ValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": "invalid", "messages": error.messages}, status=422)


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, error: Throttled) -> HttpResponse:
    response = api.create_response(request, {"detail": "throttled", "messages": [error.message]}, status=429)
    response["Retry-After"] = str(error.retry_after)
    return response


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": "not found"}, status=404)


def _household(request: HttpRequest, number: str) -> Household:
    household = household_for(request.user, number)
    if household is None:
        audit_record(
            action="access.not_found",
            request=request,
            object_type="household",
            object_id=number[:64],
            result="denied",
        )
        raise Http404
    return household


def _household_out(household: Household, persons: int) -> dict[str, Any]:
    return {
        "number": household.number,
        "village": household.village_id,
        "head": household.head.name if household.head else None,
        "category": household.category,
        "standard": household.standard,
        "main_cause": household.main_cause,
        "other_causes": household.other_causes,
        "population_type": household.population_type,
        "identification_year": household.identification_year,
        "status": household.status,
        "exit_year": household.exit_year,
        "housing_safety": household.housing_safety,
        "relocated": household.relocated,
        "water_safe": household.water_safe,
        "phone": household.phone_masked,
        "persons": persons,
        "version": household.version,
    }


def _member_out(member: Member) -> dict[str, Any]:
    return {
        "id": member.pk,
        "name": member.name,
        "id_number": member.id_masked,
        "sex": member.sex,
        "birth_date": member.birth_date,
        "relation": member.relation,
        "health": member.health,
        "health_2": member.health_2,
        "disability_grade": member.disability_grade,
        "labour": member.labour,
        "school_status": member.school_status,
        "medical_insurance": member.medical_insurance,
        "version": member.version,
    }


def _income_out(income: Income, persons: int) -> dict[str, Any]:
    cents = Decimal("0.01")
    amounts = {name: getattr(income, name).quantize(cents) for name in INCOME_FIELDS}
    net = income.net.quantize(cents)
    return {
        "year": income.year,
        **amounts,
        "net": net,
        "per_capita_net": (income.net / persons).quantize(cents) if persons else None,
        "version": income.version,
    }


def _detail(household: Household) -> dict[str, Any]:
    members = current_members(household)
    return {
        **_household_out(household, len(members)),
        "members": [_member_out(m) for m in members],
        "incomes": [_income_out(i, len(members)) for i in household.incomes.all()],
    }


class ListFilters(Schema):
    area: str = Field(default="", pattern=NO_NUL, max_length=12)
    category: str = Field(default="", pattern=NO_NUL, max_length=16)
    cause: str = Field(default="", pattern=NO_NUL, max_length=16)
    status: str = Field(default="", pattern=NO_NUL, max_length=16)
    population_type: str = Field(default="", pattern=NO_NUL, max_length=16)
    year: int | None = Field(default=None, ge=1990, le=2100)
    q: str = Field(
        default="",
        pattern=NO_NUL,
        max_length=40,
        description="a name or a household number, or their beginning; a text that may hold an ID number "
        f"is refused (400): POST it to {SEARCH_PATH}",
    )
    after: str = Field(default="", pattern=NO_NUL, max_length=32)


class HouseholdSearch(ListFilters):
    q: str = Field(
        default="",
        pattern=NO_NUL,
        max_length=40,
        description="a name, a household number or their beginning, or a full ID number (that search is "
        "audited and limited per user)",
    )
    limit: int = Field(default=PAGE_SIZE, ge=1, le=PAGE_SIZE)


def _household_page(request: HttpRequest, filters: ListFilters, *, size: int = PAGE_SIZE) -> dict[str, Any]:
    values = filters.dict(exclude={"after", "limit"})
    page = household_list_for(
        request.user, HouseholdFilter(**values), after=filters.after, request=request, size=size
    )
    return {
        "items": [_household_out(h, h.size) for h in page.households],  # type: ignore[attr-defined]
        "next_after": page.next_after or None,
    }


@api.get(
    "/households",
    response={200: HouseholdPage, 400: Problem, **ERRORS},
    summary="Households in the token's scope (keyset pagination); a search by ID number is POST /households/search",
)
def list_households(request: HttpRequest, filters: Query[ListFilters]) -> Any:
    """A query that may hold an ID number is refused (400), not searched: a URL ends up in access logs and proxies
    (SECURITY.md B5)."""
    _require(request, Capability.READ)
    if carries_id_number(filters.q):
        message = _("身份证号不能出现在网址中：按身份证号查询请使用 POST %(path)s。") % {"path": SEARCH_PATH}
        return Status(
            400, {"detail": f"an ID number must not be in the URL: POST {SEARCH_PATH}", "messages": [message]}
        )
    return _household_page(request, filters)


@api.post(
    "/households/search",
    response={200: HouseholdPage, **LIMITED},
    summary="Households in the token's scope matching a search in the body, a full ID number included (audited and "
    "limited per user)",
)
def search_households(request: HttpRequest, payload: HouseholdSearch) -> dict[str, Any]:
    _require(request, Capability.READ)
    if ID_PATTERN.fullmatch(compact(payload.q)):  # typed in groups: searched (limited, audited) as the number
        payload = payload.model_copy(update={"q": compact(payload.q)})
    return _household_page(request, payload, size=payload.limit)


@api.get("/households/{number}", response={200: HouseholdDetailOut, **ERRORS})
def get_household(request: HttpRequest, number: NumberPath) -> dict[str, Any]:
    _require(request, Capability.READ)
    return _detail(_household(request, number))


@api.post("/households", response={201: HouseholdDetailOut, **ERRORS})
def create_household(request: HttpRequest, payload: HouseholdIn) -> Status[dict[str, Any]]:
    user = _require(request, Capability.WRITE)
    data = payload.dict()
    members = [
        MemberData(m.pop("name"), m.pop("id_number"), m.pop("relation"), m) for m in data.pop("members")
    ]
    number, village, reason, phone = (
        data.pop("number"),
        data.pop("village"),
        data.pop("reason"),
        data.pop("phone"),
    )
    values = {k: v for k, v in data.items() if v not in ("", None)}
    household = household_register(
        actor=user,
        number=number,
        village_code=village,
        values=values,
        members=members,
        reason=reason,
        phone=phone,
    )
    return Status(201, _detail(_household(request, household.number)))


@api.patch("/households/{number}", response={200: HouseholdDetailOut, **ERRORS})
def update_household(request: HttpRequest, number: NumberPath, payload: HouseholdPatch) -> dict[str, Any]:
    user = _require(request, Capability.WRITE)
    household = _household(request, number)
    data = payload.dict(exclude_none=True)
    version, reason = data.pop("version"), data.pop("reason")
    household_update(actor=user, household=household, version=version, values=data, reason=reason)
    return _detail(_household(request, number))


@api.post("/households/{number}/members", response={201: MemberOut, **ERRORS})
def add_member(
    request: HttpRequest, number: NumberPath, payload: MemberIn, reason: Reason
) -> Status[dict[str, Any]]:
    user = _require(request, Capability.WRITE)
    household = _household(request, number)
    data = payload.dict()
    member = member_add(
        actor=user,
        household=household,
        reason=reason,
        data=MemberData(data.pop("name"), data.pop("id_number"), data.pop("relation"), data),
    )
    return Status(201, _member_out(member))


@api.put("/households/{number}/incomes/{year}", response={200: IncomeOut, **ERRORS})
def put_income(request: HttpRequest, number: NumberPath, year: YearPath, payload: IncomeIn) -> dict[str, Any]:
    user = _require(request, Capability.WRITE)
    household = _household(request, number)
    data = {name: Decimal(value) for name, value in payload.dict().items() if name != "reason"}
    reason = payload.reason
    income = income_set(actor=user, household=household, year=year, amounts=data, reason=reason)
    persons = len(current_members(household))  # the members household_for read
    return _income_out(income, persons)


class AlertFilters(Schema):
    area: str = Field(default="", pattern=NO_NUL, max_length=12)
    rule: str = Field(default="", pattern=NO_NUL, max_length=16)
    status: str = Field(
        default="open", pattern=NO_NUL, max_length=10, description="open (default), a status, or ''"
    )
    limit: int = Field(default=200, ge=1, le=1000)
    offset: int = Field(default=0, ge=0, le=10_000_000)


@api.get(
    "/alerts", response={200: list[AlertOut], **ERRORS}, summary="Monitoring alerts in the token's scope"
)
def list_alerts(request: HttpRequest, filters: Query[AlertFilters]) -> list[dict[str, Any]]:
    from tuopin.monitoring.selectors import AlertFilter, alerts_listed, due

    _require(request, Capability.READ)
    chosen = AlertFilter(rule=filters.rule, status=filters.status, area=filters.area)
    alerts = alerts_listed(_user(request), chosen, offset=filters.offset, limit=filters.limit)
    return [
        {
            "id": a.pk,
            "household": a.household.number if a.household else None,
            "person": a.person_masked or None,
            "area": a.area_id,
            "rule": a.rule,
            "status": a.status,
            "evidence": a.evidence,
            "first_seen": a.first_seen,
            "last_seen": a.last_seen,
            "due": due(a),
        }
        for a in alerts
    ]


# --- ledgers: the same rows as the Excel export, the same import as the upload page -------------------------------


def _ledger(name: str) -> Ledger:
    ledger = LEDGERS.get(name)
    if ledger is None:
        raise Http404
    return ledger


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


@api.get("/ledgers", response={200: list[LedgerOut], **ERRORS}, summary="The Excel ledgers and their columns")
def list_ledgers(request: HttpRequest) -> list[dict[str, Any]]:
    user = _require(request, Capability.READ)
    return [
        {
            "name": ledger.name,
            "sheet": ledger.sheet,
            "label": str(ledger.label),
            "columns": [
                {
                    "header": c.header,
                    "field": c.field,
                    "kind": c.kind,
                    "required": c.required,
                    "choices": [[code, str(label)] for code, label in c.choices],
                }
                for c in ledger.columns
            ],
            "may_import": ledger_may_import(user, ledger),
        }
        for ledger in sorted(LEDGERS.values(), key=lambda ledger: ledger.name)
    ]


class LedgerRange(Schema):
    reason: str = Field(
        min_length=1,
        max_length=200,
        pattern=r"^[^\x00]*\S[^\x00]*$",
        description="why the rows are needed (audited, as every export of personal data)",
    )
    limit: int = Field(default=500, ge=1, le=5000)
    offset: int = Field(default=0, ge=0, le=10_000_000)


@api.get(
    "/ledgers/{name}",
    response={200: LedgerPage, **LIMITED},
    summary="A ledger's rows in the token's scope (what its Excel export holds; for a reason, audited as an export)",
)
def ledger_rows(
    request: HttpRequest, name: Annotated[str, Path(max_length=40, pattern=NO_NUL)], page: Query[LedgerRange]
) -> dict[str, Any]:
    user = _require(request, Capability.READ)
    ledger = _ledger(name)
    if ledger.export is None:
        raise Http404
    throttle_check(
        user, "ledger.export", request=request, object_type="ledger", object_id=name, details={"api": True}
    )
    fetched = list(islice(ledger.export(user), page.offset, page.offset + page.limit + 1))
    rows = [{key: _json_value(value) for key, value in row.items()} for row in fetched[: page.limit]]
    audit_record(
        action="ledger.export",
        request=request,
        object_type="ledger",
        object_id=name,
        details={"rows": len(rows), "offset": page.offset, "reason": page.reason.strip(), "api": True},
    )
    more = len(fetched) > page.limit
    return {"ledger": name, "rows": rows, "next_offset": page.offset + page.limit if more else None}


UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {"type": "string", "format": "binary", "description": "the workbook (.xlsx)"}
                },
            }
        }
    },
}


@api.post(
    "/ledgers/{name}/import",
    response={
        200: LedgerImportOut,
        409: LedgerImportOut,
        401: Problem,
        403: Problem,
        404: Problem,
        422: Problem,
    },
    summary="Import a ledger workbook (.xlsx): all or nothing, every problem at once (409 with the problems)",
    openapi_extra={"requestBody": UPLOAD_BODY},
)
def ledger_upload(
    request: HttpRequest, name: Annotated[str, Path(max_length=40, pattern=NO_NUL)], dry_run: bool = False
) -> Any:
    """The file is read from the form by hand: an empty or foreign file is the import's refusal (409, the same
    report as the command's), not a malformed request."""
    user = _user(request)
    ledger = _ledger(name)
    if not ledger_may_import(user, ledger):
        raise PermissionDenied(f"needs {Capability.WRITE}")
    file = request.FILES.get("file")
    if file is None:
        raise ValidationError(_("请选择要导入的 Excel 文件。"))
    filename = FilePath(file.name or "upload.xlsx").name[:100]
    try:
        path = upload_keep(file)
    except UploadRejected as error:  # refused at the door, before the import that audits its own refusals
        import_refusal_record(
            action="ledger.import",
            actor=user,
            request=request,
            filename=filename,
            ledger=name,
            message=str(error),
            dry_run=dry_run,
        )
        return Status(409, _refused(name, dry_run, str(error)))
    try:
        result = ledger_import(name, path, actor=user, dry_run=dry_run, filename=filename)
    except UploadRejected as error:
        return Status(409, _refused(name, dry_run, str(error)))
    finally:
        path.unlink(missing_ok=True)
    return Status(200 if result.ok else 409, result.as_dict())


def _refused(name: str, dry_run: bool, message: str) -> dict[str, Any]:
    return {
        "ledger": name,
        "ok": False,
        "rows": 0,
        "created": 0,
        "dry_run": dry_run,
        "errors": [{"sheet": "", "row": 0, "column": "", "value": "", "message": message}],
    }


class OverdueQuery(Schema):
    as_of: date | None = Field(default=None, description="the day to judge at (default today)")
    area: str = Field(default="", pattern=r"^\d{0,12}$")


@api.get(
    "/rectification/overdue",
    response={200: OverdueOut, **ERRORS},
    summary="Rectification items past their deadline and not closed, in the token's scope",
)
def rectification_overdue(request: HttpRequest, query: Query[OverdueQuery]) -> dict[str, Any]:
    from django.utils import timezone

    from tuopin.supervision.selectors import overdue_report

    user = _require(request, Capability.READ)
    return overdue_report(user, as_of=query.as_of or timezone.localdate(), within=query.area)


class ComplianceQuery(Schema):
    period: str = Field(
        pattern=r"^(19|20)\d{2}(H[12]|Q[1-4]|-(0[1-9]|1[0-2])|W(0[1-9]|[1-4]\d|5[0-3]))?$",
        description="2019, 2019H2, 2019Q3, 2019-07 or 2019W27 (an ISO week)",
    )
    area: str = Field(default="", pattern=r"^\d{0,12}$")
    as_of: date | None = Field(default=None, description="judge duty periods ended before this day")


@api.get(
    "/visits/compliance",
    response={200: ComplianceOut, **ERRORS},
    summary="Visit duties judged once per duty period inside the period, in the token's scope",
)
def visits_compliance(request: HttpRequest, query: Query[ComplianceQuery]) -> dict[str, Any]:
    from tuopin.assistance import periods
    from tuopin.assistance.selectors import compliance_for

    user = _require(request, Capability.READ)
    try:
        period = periods.parse(query.period)
    except ValueError as error:  # only week 53 of a year that has 52: a period that does not exist
        raise Http404 from error
    return compliance_for(user, period, as_of=query.as_of, within=query.area).as_dict()

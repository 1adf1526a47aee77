"""Assistance ledgers: who helps whom (pairings, a dated graph), with what (plans and measures, projects and funds,
microcredit) and whether they went (duties and visits).

Every ledger is append-only. Nothing here is updated or deleted by the app: a pairing ends with a `PairingEnd`
row and a change starts a new pairing that `supersedes` the old one; a wrong project, plan, measure, duty, visit or
loan is corrected by a new row that `supersedes` it (lists show only rows nobody superseded); a wrong fund entry or
repayment by a reversing entry (`reverses`, the opposite amount).

Scope: each row carries the area code it belongs to (`area`: the village of a household, the paired village, the
helped county …). Rows that hang on a helping unit carry it too (`unit`), which is what a `unit` user sees
(tuopin.accounts.scope.ledger_q).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tuopin.assistance.catalogue import CHOICES as MEASURE_CHOICES
from tuopin.assistance.catalogue import LABOUR_GROUP_CHOICES
from tuopin.assistance.periods import FREQUENCIES

PUBLIC = "public"


def _public(*names: str) -> dict[str, str]:
    return dict.fromkeys(names, PUBLIC)


def _amount(label: object) -> models.DecimalField[Decimal, Decimal]:
    return models.DecimalField(label, max_digits=14, decimal_places=2)  # type: ignore[arg-type]


class UnitKind(models.TextChoices):
    MINISTRY = "ministry", _("中央单位")
    DEPARTMENT = "department", _("司局或直属单位")
    COUNTY = "county", _("帮扶县（市、区）")
    OFFICE = "office", _("党政机关")
    ENTERPRISE = "enterprise", _("企业")
    OTHER = "other", _("其他")


class HelpingUnit(models.Model):
    """A helping unit (帮扶单位): a ministry and its departments, a helping county, an office, a company."""

    name = models.CharField(_("单位名称"), max_length=100, unique=True)
    kind = models.CharField(_("单位类型"), max_length=12, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级单位"),
    )
    group = models.ForeignKey(
        "WorkingGroup",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="units",
        verbose_name=_("扶贫工作小组"),
    )
    area = models.ForeignKey(
        "areas.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所在区划"),
    )

    PRIVACY = _public("id", "name", "kind", "parent", "group", "area")

    class Meta:
        ordering = ["name"]
        verbose_name = _("帮扶单位")

    def __str__(self) -> str:
        return self.name


class WorkingGroup(models.Model):
    """A working group of a helping unit (seed 002: the ministry's 42 departments in 13 groups)."""

    unit = models.ForeignKey(
        HelpingUnit, on_delete=models.PROTECT, related_name="groups", verbose_name=_("帮扶单位")
    )
    name = models.CharField(_("小组名称"), max_length=60)
    number = models.PositiveSmallIntegerField(_("序号"), default=0)

    PRIVACY = _public("id", "unit", "name", "number")

    class Meta:
        ordering = ["unit", "number", "id"]
        verbose_name = _("扶贫工作小组")
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="workinggroup_unique")]

    def __str__(self) -> str:
        return self.name


class UnitMember(models.Model):
    """A `unit` user acts for a helping unit (and the departments under it): the scope of what it sees."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="unit_links")
    unit = models.ForeignKey(HelpingUnit, on_delete=models.PROTECT, related_name="members")
    linked_at = models.DateTimeField(auto_now_add=True)
    linked_by = models.CharField(max_length=150)

    PRIVACY = _public("id", "user", "unit", "linked_at") | {"linked_by": "personal"}

    class Meta:
        ordering = ["unit", "user"]
        verbose_name = _("帮扶单位用户")
        constraints = [models.UniqueConstraint(fields=["user", "unit"], name="unitmember_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.unit_id}"


class PairingKind(models.TextChoices):
    CADRE_HOUSEHOLD = "cadre_household", _("帮扶责任人—户")
    UNIT_VILLAGE = "unit_village", _("帮扶单位—村（定点帮扶）")
    COUNTY_COUNTY = "county_county", _("县—县（对口帮扶）")
    TASK_FORCE = "task_force", _("驻村工作队—村")
    FIRST_SECRETARY = "first_secretary", _("第一书记—村")
    LEADER_COUNTY = "leader_county", _("省领导包县")
    LEADER_TOWNSHIP = "leader_township", _("市领导包乡")
    LEADER_VILLAGE = "leader_village", _("县领导包村")


# The level of the area each kind pairs with (a household's area is its village).
TARGET_LEVEL = {
    "cadre_household": "village",
    "unit_village": "village",
    "county_county": "county",
    "task_force": "village",
    "first_secretary": "village",
    "leader_county": "county",
    "leader_township": "township",
    "leader_village": "village",
}


class Pairing(models.Model):
    """One edge of the pairing graph, valid from a day; it ends with a PairingEnd (a change ends it and starts a
    successor that `supersedes` it)."""

    kind = models.CharField(_("结对类型"), max_length=16, choices=PairingKind.choices)
    # The helping side: a person (cadre, leader, first secretary, team leader), a unit, a county, or several.
    helper_name = models.CharField(_("帮扶人"), max_length=60, blank=True)
    helper_role = models.CharField(_("职务"), max_length=60, blank=True)
    helper_phone_encrypted = models.TextField(blank=True)
    helper_phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True)
    unit = models.ForeignKey(
        HelpingUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pairings",
        verbose_name=_("帮扶单位"),
    )
    group = models.ForeignKey(
        WorkingGroup,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pairings",
        verbose_name=_("扶贫工作小组"),
    )
    helper_area = models.ForeignKey(
        "areas.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("帮扶县"),
    )
    # The helped side: a household (in its village) or an area.
    household = models.ForeignKey(
        "registry.Household",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pairings",
        verbose_name=_("户"),
    )
    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("受援区划")
    )
    valid_from = models.DateField(_("起始日期"))
    reason = models.CharField(_("结对原因"), max_length=200, blank=True)
    supersedes = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="successor",
        verbose_name=_("接替"),
    )
    actor = models.CharField(_("录入人"), max_length=150)
    at = models.DateTimeField(auto_now_add=True)

    PRIVACY = _public(
        "id",
        "kind",
        "helper_role",
        "unit",
        "group",
        "helper_area",
        "area",
        "valid_from",
        "reason",
        "supersedes",
        "at",
    ) | {
        "helper_name": "personal",
        "helper_phone_encrypted": "sensitive",
        "helper_phone_masked": "personal",
        "household": "personal",
        "actor": "personal",
    }

    class Meta:
        ordering = ["area", "kind", "valid_from", "id"]
        verbose_name = _("结对帮扶")
        indexes = [
            models.Index(fields=["area", "kind"], name="pairing_area_kind"),
            models.Index(fields=["household", "kind"], name="pairing_household_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class PairingEnd(models.Model):
    """The end of a pairing: the last day it held, and why (a change, the household's exit, a transfer …)."""

    pairing = models.OneToOneField(Pairing, on_delete=models.PROTECT, related_name="end")
    valid_to = models.DateField(_("终止日期"))
    reason = models.CharField(_("变更原因"), max_length=200)
    actor = models.CharField(_("录入人"), max_length=150)
    at = models.DateTimeField(auto_now_add=True)

    PRIVACY = _public("id", "pairing", "valid_to", "reason", "at") | {"actor": "personal"}

    class Meta:
        verbose_name = _("结对终止")

    def __str__(self) -> str:
        return f"{self.pairing_id} → {self.valid_to}"


class Agreement(models.Model):
    """An agreement of a county-to-county pairing and what it delivers (seed 003)."""

    pairing = models.ForeignKey(Pairing, on_delete=models.PROTECT, related_name="agreements")
    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("受援县")
    )
    title = models.CharField(_("协议名称"), max_length=200)
    signed_on = models.DateField(_("签订日期"))
    funds = _amount(_("帮扶资金（元）"))
    training_places = models.PositiveIntegerField(_("培训名额"), default=0)
    jobs = models.PositiveIntegerField(_("就业岗位"), default=0)
    cadres_exchanged = models.PositiveIntegerField(_("互派干部"), default=0)
    projects = models.PositiveIntegerField(_("合作项目"), default=0)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="successor"
    )
    actor = models.CharField(_("录入人"), max_length=150)
    at = models.DateTimeField(auto_now_add=True)

    PRIVACY = _public(
        "id",
        "pairing",
        "area",
        "title",
        "signed_on",
        "funds",
        "training_places",
        "jobs",
        "cadres_exchanged",
        "projects",
        "note",
        "supersedes",
        "at",
    ) | {"actor": "personal"}

    class Meta:
        ordering = ["signed_on", "id"]
        verbose_name = _("对口帮扶协议")

    def __str__(self) -> str:
        return self.title


class Plan(models.Model):
    """One household, one policy: the path out, the measures planned and the person responsible. The household's
    plan is its latest that no later plan supersedes."""

    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="plans", verbose_name=_("户")
    )
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("村"))
    year = models.PositiveSmallIntegerField(_("年度"))
    labour_group = models.CharField(_("劳动能力分类"), max_length=12, choices=LABOUR_GROUP_CHOICES)
    path = models.CharField(_("脱贫路径"), max_length=300)
    measures = models.JSONField(_("帮扶措施"), default=list)  # catalogue codes
    responsible = models.CharField(_("帮扶责任人"), max_length=60)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="successor"
    )
    actor = models.CharField(_("录入人"), max_length=150)
    at = models.DateTimeField(auto_now_add=True)

    PRIVACY = _public("id", "area", "year", "supersedes", "at") | {
        "household": "personal",
        "labour_group": "personal",
        "path": "personal",
        "measures": "personal",
        "responsible": "personal",
        "note": "personal",
        "actor": "personal",
    }

    class Meta:
        ordering = ["area", "household", "-id"]
        verbose_name = _("帮扶计划")

    def __str__(self) -> str:
        return f"{self.household_id} {self.year}"


class MeasureRecord(models.Model):
    """A measure delivered to a household: its catalogue type, date, amount, provider and evidence."""

    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="measure_records", verbose_name=_("户")
    )
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("村"))
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.PROTECT, related_name="records")
    type = models.CharField(_("措施类型"), max_length=20, choices=MEASURE_CHOICES)
    on = models.DateField(_("日期"))
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    provider = models.CharField(_("提供单位"), max_length=100, blank=True)
    evidence = models.CharField(_("佐证材料"), max_length=300, blank=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="successor"
    )
    actor = models.CharField(_("录入人"), max_length=150)
    at = models.DateTimeField(auto_now_add=True)

    PRIVACY = _public("id", "area", "plan", "type", "on", "provider", "supersedes", "at") | {
        "household": "personal",
        "amount": "personal",
        "evidence": "personal",
        "note": "personal",
        "actor": "personal",
    }

    class Meta:
        ordering = ["area", "household", "on", "id"]
        verbose_name = _("帮扶措施记录")

    def __str__(self) -> str:
        return f"{self.household_id} {self.type} {self.on}"


class AcceptanceResult(models.TextChoices):
    ACCEPTED = "accepted", _("验收通过")
    REJECTED = "rejected", _("验收未通过")


class Project(models.Model):
    """A project of the designated-help ledger (seed 002): working group, unit, paired village, project, content,
    implementer, beneficiaries, funds, expected effect; accepted or rejected at year end."""

    year = models.PositiveSmallIntegerField(_("年度"))
    group = models.ForeignKey(
        WorkingGroup,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name=_("扶贫工作小组"),
    )
    unit = models.ForeignKey(
        HelpingUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name=_("帮扶单位"),
    )
    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("结对帮扶村")
    )
    name = models.CharField(_("项目名称"), max_length=200)
    content = models.CharField(_("项目内容"), max_length=500, blank=True)
    implementer = models.CharField(_("实施单位"), max_length=100, blank=True)
    beneficiaries = models.CharField(_("扶贫对象"), max_length=200, blank=True)
    funds = _amount(_("经费（元）"))
    expected_effect = models.CharField(_("预期扶贫效果"), max_length=500, blank=True)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="successor"
    )
    actor = models.CharField(_("录入人"), max_length=150)
    at = models.DateTimeField(auto_now_add=True)

    PRIVACY = _public(
        "id",
        "year",
        "group",
        "unit",
        "area",
        "name",
        "content",
        "implementer",
        "beneficiaries",
        "funds",
        "expected_effect",
        "supersedes",
        "at",
    ) | {"actor": "personal"}

    class Meta:
        ordering = ["-year", "area", "id"]
        verbose_name = _("帮扶项目")
        indexes = [models.Index(fields=["area", "year"], name="project_area_year")]

    def __str__(self) -> str:
        return self.name


class Acceptance(models.Model):
    """A year-end acceptance of a project; a later one for the same project and year supersedes it."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="acceptances")
    year = models.PositiveSmallIntegerField(_("年度"))
    result = models.CharField(_("验收结果"), max_length=10, choices=AcceptanceResult.choices)
    on = models.DateField(_("验收日期"))
    notes = models.CharField(_("验收意见"), max_length=500, blank=True)
    actor = models.CharField(_("验收人"), max_length=150)
    at = models.DateTimeField(auto_now_add=True)

    PRIVACY = _public("id", "project", "year", "result", "on", "notes", "at") | {"actor": "personal"}

    class Meta:
        ordering = ["project", "year", "id"]
        verbose_name = _("项目验收")

    def __str__(self) -> str:
        return f"{self.project_id} {self.year} {self.result}"


class FundLevel(models.TextChoices):
    CENTRAL = "central", _("中央财政")
    PROVINCE = "province", _("省级财政")
    CITY = "city", _("市级财政")
    COUNTY = "county", _("县级财政")
    UNIT = "unit", _("帮扶单位自筹")
    SOCIAL = "social", _("社会帮扶")


class FundSource(models.Model):
    """Where money comes from (a budget line of a level of government, a unit, a donor)."""

    name = models.CharField(_("资金来源"), max_length=100, unique=True)
    level = models.CharField(_("资金级别"), max_length=10, choices=FundLevel.choices)

    PRIVACY = _public("id", "name", "level")

    class Meta:
        ordering = ["level", "name"]
        verbose_name = _("资金来源")

    def __str__(self) -> str:
        return self.name


class FundKind(models.TextChoices):
    ALLOCATION = "allocation", _("拨付（下达）")
    DISBURSEMENT = "disbursement", _("支出")


class FundEntry(models.Model):
    """A fund ledger entry of a project: an allocation to it or a disbursement from it. A wrong entry is reversed by
    an entry of the opposite amount that names it."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="fund_entries")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    source = models.ForeignKey(
        FundSource, on_delete=models.PROTECT, related_name="entries", verbose_name=_("资金来源")
    )
    kind = models.CharField(_("类型"), max_length=12, choices=FundKind.choices)
    on = models.DateField(_("日期"))
    amount = _amount(_("金额（元）"))
    note = models.CharField(_("说明"), max_length=300, blank=True)
    reverses = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversal",
        verbose_name=_("冲销"),
    )
    actor = models.CharField(_("录入人"), max_length=150)
    at = models.DateTimeField(auto_now_add=True)

    PRIVACY = _public("id", "project", "area", "source", "kind", "on", "amount", "note", "reverses", "at") | {
        "actor": "personal"
    }

    class Meta:
        ordering = ["project", "on", "id"]
        verbose_name = _("资金台账")
        indexes = [models.Index(fields=["area", "on"], name="fundentry_area_on")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.kind} {self.amount}"


class Loan(models.Model):
    """A poverty-alleviation microcredit loan (扶贫小额信贷, seed 003): at most the policy's amount and term, without
    guarantee or collateral, its interest subsidised by the treasury at the base rate."""

    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="loans", verbose_name=_("户")
    )
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("村"))
    borrower = models.CharField(_("借款人"), max_length=60)
    lender = models.CharField(_("放贷机构"), max_length=100)
    amount = _amount(_("贷款金额（元）"))
    term_months = models.PositiveSmallIntegerField(_("期限（月）"))
    issued_on = models.DateField(_("放款日期"))
    purpose = models.CharField(_("用途"), max_length=200, blank=True)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="successor"
    )
    actor = models.CharField(_("录入人"), max_length=150)
    at = models.DateTimeField(auto_now_add=True)

    PRIVACY = _public("id", "area", "lender", "term_months", "supersedes", "at") | {
        "household": "personal",
        "borrower": "personal",
        "amount": "personal",
        "issued_on": "personal",
        "purpose": "personal",
        "actor": "personal",
    }

    class Meta:
        ordering = ["area", "issued_on", "id"]
        verbose_name = _("扶贫小额信贷")

    def __str__(self) -> str:
        return f"{self.household_id} {self.amount}"


class Repayment(models.Model):
    """A repayment of principal (a wrong one is reversed by a negative repayment that names it)."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="repayments")
    on = models.DateField(_("还款日期"))
    principal = _amount(_("归还本金（元）"))
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversal"
    )
    actor = models.CharField(_("录入人"), max_length=150)
    at = models.DateTimeField(auto_now_add=True)

    PRIVACY = _public("id", "loan", "reverses", "at") | {
        "on": "personal",
        "principal": "personal",
        "actor": "personal",
    }

    class Meta:
        ordering = ["loan", "on", "id"]
        verbose_name = _("还款")

    def __str__(self) -> str:
        return f"{self.loan_id} {self.principal}"


class TargetType(models.TextChoices):
    COUNTY = "county", _("县")
    TOWNSHIP = "township", _("乡镇")
    VILLAGE = "village", _("村")
    HOUSEHOLD = "household", _("户")


class Duty(models.Model):
    """Who must visit what, how often (seed 002: the minister yearly per paired county, department heads every half
    year per paired village, the poverty office every quarter per county; seed 003: weekly supervision)."""

    who = models.CharField(_("责任人"), max_length=60)
    role = models.CharField(_("职务"), max_length=60, blank=True)
    unit = models.ForeignKey(
        HelpingUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duties",
        verbose_name=_("单位"),
    )
    unit_name = models.CharField(_("单位"), max_length=100, blank=True)
    target_type = models.CharField(_("对象类型"), max_length=10, choices=TargetType.choices)
    target_code = models.CharField(_("对象代码"), max_length=32)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("区划"))
    frequency = models.CharField(_("频次"), max_length=8, choices=FREQUENCIES)
    per_period = models.PositiveSmallIntegerField(_("每期次数"), default=1)
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("终止日期"), null=True, blank=True)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="successor"
    )
    actor = models.CharField(_("录入人"), max_length=150)
    at = models.DateTimeField(auto_now_add=True)

    PRIVACY = _public(
        "id",
        "role",
        "unit",
        "unit_name",
        "target_type",
        "area",
        "frequency",
        "per_period",
        "valid_from",
        "valid_to",
        "supersedes",
        "at",
    ) | {"who": "personal", "target_code": "personal", "actor": "personal"}

    class Meta:
        ordering = ["who", "target_code", "id"]
        verbose_name = _("走访职责")
        indexes = [models.Index(fields=["area"], name="duty_area")]

    def __str__(self) -> str:
        return f"{self.who} {self.target_code} {self.frequency}"


class Visit(models.Model):
    """A visit: who (with role and unit), where (a county, township, village or household), when, why, what was
    found."""

    who = models.CharField(_("走访人"), max_length=60)
    role = models.CharField(_("职务"), max_length=60, blank=True)
    unit = models.ForeignKey(
        HelpingUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
        verbose_name=_("单位"),
    )
    unit_name = models.CharField(_("单位"), max_length=100, blank=True)
    on = models.DateField(_("走访日期"))
    target_type = models.CharField(_("对象类型"), max_length=10, choices=TargetType.choices)
    target_code = models.CharField(_("对象代码"), max_length=32)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("区划"))
    purpose = models.CharField(_("事由"), max_length=300)
    findings = models.CharField(_("发现问题"), max_length=1000, blank=True)
    photo = models.CharField(_("照片"), max_length=200, blank=True)  # a file under the data directory
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="successor"
    )
    actor = models.CharField(_("录入人"), max_length=150)
    at = models.DateTimeField(auto_now_add=True)

    PRIVACY = _public(
        "id", "role", "unit", "unit_name", "on", "target_type", "area", "purpose", "supersedes", "at"
    ) | {
        "who": "personal",
        "target_code": "personal",
        "findings": "personal",
        "photo": "personal",
        "actor": "personal",
    }

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = _("走访记录")
        indexes = [
            models.Index(fields=["area", "on"], name="visit_area_on"),
            models.Index(fields=["who", "on"], name="visit_who_on"),
        ]

    def __str__(self) -> str:
        return f"{self.who} {self.on} {self.target_code}"

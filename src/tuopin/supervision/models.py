"""Supervision ledgers: rectification items and their steps and evidence (seed 001: 台账管理, 逐项对账销号), inspection
checklists, rounds and findings (seed 000: 八看八查), listed supervision with a ledger per person (seed 004: 挂牌督战),
and the field's questions and answers (seed 000).

Every table here is append-only: the services in `services.py` create rows and never update or delete them, except
the cached current state of an item and of a listed person, which only the service that writes the step sets. A
correction is a new row (a step that supersedes, a new answer)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tuopin.core.vocab import vocabulary_aliases


class Source(models.TextChoices):
    NATIONAL = "national", _("国家考核")
    PROVINCIAL = "provincial", _("省级考核")
    PATROL = "patrol", _("巡视")
    INSPECTION = "inspection", _("督查")
    AUDIT = "audit", _("审计")
    SELF = "self", _("自查")


class Category(models.TextChoices):
    """Seed 001's six problems found by the national assessment, in its words, and the rest."""

    IDLE_FUNDS = "idle_funds", _("扶贫资金闲置")
    HOUSING = "housing", _("危房鉴定不规范")
    HEALTH = "health", _("健康扶贫政策落实不到位")
    RELOCATION_JOBS = "relocation_jobs", _("易地扶贫搬迁后续就业难")
    BENEFIT_LINKAGE = "benefit_linkage", _("扶贫产业利益联结机制不健全")
    SATISFACTION = "satisfaction", _("帮扶工作群众满意度不高")
    OTHER = "other", _("其他")


# The shorter forms county offices also write (and the app's own earlier labels); every import and the pages accept
# them (tuopin.core.vocab).
vocabulary_aliases(
    Category,
    {
        "资金闲置": Category.IDLE_FUNDS,
        "扶贫资金闲置滞留": Category.IDLE_FUNDS,
        "资金闲置滞留": Category.IDLE_FUNDS,
        "住房鉴定不规范": Category.HOUSING,
        "危房鉴定": Category.HOUSING,
        "住房安全鉴定不规范": Category.HOUSING,
        "健康扶贫": Category.HEALTH,
        "健康扶贫政策落实不到位问题": Category.HEALTH,
        "搬迁后就业": Category.RELOCATION_JOBS,
        "搬迁后续就业难": Category.RELOCATION_JOBS,
        "易地搬迁后续就业难": Category.RELOCATION_JOBS,
        "利益联结不紧密": Category.BENEFIT_LINKAGE,
        "利益联结机制不健全": Category.BENEFIT_LINKAGE,
        "产业利益联结机制不健全": Category.BENEFIT_LINKAGE,
        "满意度不高": Category.SATISFACTION,
        "群众满意度不高": Category.SATISFACTION,
        "帮扶满意度不高": Category.SATISFACTION,
    },
)
vocabulary_aliases(
    Source,
    {
        "国家考核反馈": Source.NATIONAL,
        "国家成效考核": Source.NATIONAL,
        "省级考核反馈": Source.PROVINCIAL,
        "省考核": Source.PROVINCIAL,
        "巡视反馈": Source.PATROL,
        "审计发现": Source.AUDIT,
        "自查自纠": Source.SELF,
    },
)


class Status(models.TextChoices):
    OPEN = "open", _("待整改")
    RECTIFYING = "rectifying", _("整改中")
    SUBMITTED = "submitted", _("已提交")
    VERIFIED = "verified", _("已验收")
    CLOSED = "closed", _("已销号")


class Item(models.Model):
    number = models.CharField(_("编号"), max_length=40, unique=True)
    source = models.CharField(_("问题来源"), max_length=12, choices=Source.choices)
    category = models.CharField(_("问题类别"), max_length=20, choices=Category.choices)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("区划"))
    description = models.TextField(_("问题描述"))
    unit = models.CharField(_("责任单位"), max_length=100)
    person = models.CharField(_("责任人"), max_length=60)
    found_on = models.DateField(_("发现日期"))
    deadline = models.DateField(_("整改时限"))
    measures = models.TextField(_("整改措施"), blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN)  # cache
    finding = models.OneToOneField(
        "Finding",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="item",
        verbose_name=_("督查发现"),
    )
    created_by = models.CharField(_("录入人"), max_length=150)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    PRIVACY = (
        dict.fromkeys(
            (
                "id",
                "number",
                "source",
                "category",
                "area",
                "found_on",
                "deadline",
                "status",
                "finding",
                "created_at",
            ),
            "public",
        )
        | dict.fromkeys(("description", "unit", "measures"), "public")
        | {"person": "personal", "created_by": "personal"}
    )

    class Meta:
        ordering = ["deadline", "number"]
        verbose_name = _("整改事项")
        indexes = [
            models.Index(fields=["area", "status"], name="rectify_area_status"),
            models.Index(fields=["deadline"], name="rectify_deadline"),
        ]

    def __str__(self) -> str:
        return self.number


class ItemStep(models.Model):
    """One change of an item's state: who, when, why. The item's state is the last step's."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="steps")
    before = models.CharField(_("原状态"), max_length=12, choices=Status.choices, blank=True)
    after = models.CharField(_("新状态"), max_length=12, choices=Status.choices)
    action = models.CharField(_("办理"), max_length=12)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    on = models.DateField(_("日期"))
    actor = models.CharField(_("经办人"), max_length=150)
    at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    PRIVACY = dict.fromkeys(("id", "item", "before", "after", "action", "on", "at"), "public") | {
        "note": "personal",
        "actor": "personal",
    }

    class Meta:
        ordering = ["item", "id"]
        verbose_name = _("整改步骤")

    def __str__(self) -> str:
        return f"{self.item_id} {self.before}→{self.after}"


class Evidence(models.Model):
    """A file that proves a measure was taken, kept under the data directory (never served without the scope)."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="evidence")
    name = models.CharField(_("文件名"), max_length=150)
    stored = models.CharField(max_length=80)  # the file's name under DATA_DIR/files/evidence
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.CharField(_("上传人"), max_length=150)
    at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    PRIVACY = dict.fromkeys(("id", "item", "size", "sha256", "at", "stored"), "public") | {
        "name": "personal",
        "uploaded_by": "personal",
    }

    class Meta:
        ordering = ["item", "id"]
        verbose_name = _("整改佐证")

    def __str__(self) -> str:
        return self.name


# --- inspections -----------------------------------------------------------------------------------------------


class Checklist(models.Model):
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    source = models.CharField(_("出处"), max_length=300, blank=True)

    PRIVACY = dict.fromkeys(("id", "code", "name", "source"), "public")

    class Meta:
        ordering = ["code"]
        verbose_name = _("督查清单")

    def __str__(self) -> str:
        return str(self.name)


class ChecklistItem(models.Model):
    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveSmallIntegerField(_("序号"))
    look = models.CharField(_("看"), max_length=200)
    inquiry = models.CharField(_("查"), max_length=200)

    PRIVACY = dict.fromkeys(("id", "checklist", "position", "look", "inquiry"), "public")

    class Meta:
        ordering = ["checklist", "position"]
        verbose_name = _("清单条目")
        constraints = [
            models.UniqueConstraint(fields=["checklist", "position"], name="checklist_item_position")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.look}"


class RoundKind(models.TextChoices):
    INSPECTION = "inspection", _("督查")
    PATROL = "patrol", _("巡视")


class Round(models.Model):
    """An inspection round: a team goes over an area (and everything below it) with a checklist."""

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=12, choices=RoundKind.choices)
    team = models.CharField(_("督查组"), max_length=100)
    members = models.CharField(_("成员"), max_length=300)
    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("督查范围")
    )
    checklist = models.ForeignKey(
        Checklist, on_delete=models.PROTECT, related_name="+", verbose_name=_("清单")
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    created_by = models.CharField(_("录入人"), max_length=150)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    PRIVACY = dict.fromkeys(
        ("id", "name", "kind", "team", "area", "checklist", "starts_on", "ends_on", "created_at"), "public"
    ) | {"members": "personal", "created_by": "personal"}

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("督查轮次")

    def __str__(self) -> str:
        return str(self.name)


class Result(models.TextChoices):
    OK = "ok", _("无问题")
    PROBLEM = "problem", _("发现问题")


class Finding(models.Model):
    """What a round found for one checklist item in one area; a problem becomes a rectification item."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="findings")
    checklist_item = models.ForeignKey(
        ChecklistItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("清单条目")
    )
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("区划"))
    result = models.CharField(_("结果"), max_length=10, choices=Result.choices)
    note = models.TextField(_("情况说明"), blank=True)
    recorded_by = models.CharField(_("录入人"), max_length=150)
    at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    PRIVACY = dict.fromkeys(("id", "round", "checklist_item", "area", "result", "at"), "public") | {
        "note": "public",
        "recorded_by": "personal",
    }

    class Meta:
        ordering = ["round", "checklist_item__position", "area"]
        verbose_name = _("督查发现")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "checklist_item", "area"], name="finding_one_per_item_area"
            )
        ]

    def __str__(self) -> str:
        return f"{self.round_id} {self.checklist_item_id} {self.area_id}"


# --- listed supervision ----------------------------------------------------------------------------------------


class ListedList(models.Model):
    """A list of counties and villages under listed supervision (挂牌督战), issued by an office."""

    name = models.CharField(_("名称"), max_length=100)
    year = models.PositiveSmallIntegerField(_("年度"))
    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("发布单位区划")
    )
    created_by = models.CharField(_("录入人"), max_length=150)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    PRIVACY = dict.fromkeys(("id", "name", "year", "area", "created_at"), "public") | {
        "created_by": "personal"
    }

    class Meta:
        ordering = ["-year", "-id"]
        verbose_name = _("挂牌督战名单")

    def __str__(self) -> str:
        return str(self.name)


class ListedArea(models.Model):
    listing = models.ForeignKey(ListedList, on_delete=models.PROTECT, related_name="areas")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("区划"))
    leader = models.CharField(_("包联领导"), max_length=60)

    PRIVACY = {"id": "public", "listing": "public", "area": "public", "leader": "personal"}

    class Meta:
        ordering = ["listing", "area"]
        verbose_name = _("挂牌督战县村")
        constraints = [models.UniqueConstraint(fields=["listing", "area"], name="listed_area_once")]

    def __str__(self) -> str:
        return f"{self.listing_id} {self.area_id}"


class ListedPerson(models.Model):
    """One remaining poor person of a listed village (逐人建立清单台账), taken from the registry when listed."""

    listed = models.ForeignKey(ListedArea, on_delete=models.PROTECT, related_name="persons")
    member = models.ForeignKey("registry.Member", on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")
    cleared_on = models.DateField(_("销号日期"), null=True, blank=True)  # cache of the last clearance entry

    PRIVACY = {
        "id": "public",
        "listed": "public",
        "member": "personal",
        "village": "public",
        "cleared_on": "public",
    }

    class Meta:
        ordering = ["listed", "village", "id"]
        verbose_name = _("挂牌督战对象")
        constraints = [models.UniqueConstraint(fields=["listed", "member"], name="listed_person_once")]
        indexes = [models.Index(fields=["village"], name="listed_person_village")]

    def __str__(self) -> str:
        return f"{self.listed_id} {self.member_id}"


class EntryKind(models.TextChoices):
    MEASURE = "measure", _("帮扶措施")
    CLEARED = "cleared", _("销号")
    REOPENED = "reopened", _("撤销销号")


class ListedEntry(models.Model):
    """A measure for a listed person, or their clearance (or its withdrawal): the per-person ledger."""

    person = models.ForeignKey(ListedPerson, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("类型"), max_length=10, choices=EntryKind.choices)
    text = models.CharField(_("内容"), max_length=300)
    on = models.DateField(_("日期"))
    actor = models.CharField(_("经办人"), max_length=150)
    at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    PRIVACY = dict.fromkeys(("id", "person", "kind", "on", "at"), "public") | {
        "text": "personal",
        "actor": "personal",
    }

    class Meta:
        ordering = ["person", "id"]
        verbose_name = _("挂牌督战台账")

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind}"


# --- questions and answers -------------------------------------------------------------------------------------


class Question(models.Model):
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("区划"))
    text = models.TextField(_("问题"))
    asker = models.CharField(_("提问人"), max_length=150)
    asked_at = models.DateTimeField(_("提问时间"), auto_now_add=True)

    PRIVACY = {"id": "public", "area": "public", "text": "public", "asker": "personal", "asked_at": "public"}

    class Meta:
        ordering = ["-asked_at", "-id"]
        verbose_name = _("问题")
        indexes = [models.Index(fields=["area"], name="question_area")]

    def __str__(self) -> str:
        return self.text[:30]


class Answer(models.Model):
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    text = models.TextField(_("答复"))
    office = models.CharField(_("答复单位"), max_length=100)
    answered_by = models.CharField(_("答复人"), max_length=150)
    answered_at = models.DateTimeField(_("答复时间"), auto_now_add=True)

    PRIVACY = {
        "id": "public",
        "question": "public",
        "text": "public",
        "office": "public",
        "answered_by": "personal",
        "answered_at": "public",
    }

    class Meta:
        ordering = ["question", "id"]
        verbose_name = _("答复")

    def __str__(self) -> str:
        return self.text[:30]


class AnswerArea(models.Model):
    """An area an answer is published to: users whose scope overlaps it see the answer."""

    answer = models.ForeignKey(Answer, on_delete=models.PROTECT, related_name="published")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+")

    PRIVACY = {"id": "public", "answer": "public", "area": "public"}

    class Meta:
        verbose_name = _("答复发布范围")
        constraints = [models.UniqueConstraint(fields=["answer", "area"], name="answer_area_once")]
        indexes = [models.Index(fields=["area", "answer"], name="answer_area_lookup")]

    def __str__(self) -> str:
        return f"{self.answer_id} {self.area_id}"

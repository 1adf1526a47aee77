"""The places of the medical-waste network and the handovers between them (POLICY.md §8, seed 000).

A handover is append-only: it is never edited, and removed by no role while younger than the retention period (a
policy value). A correction is a reversing entry (`reverses`): the rules count neither the reversed handover nor its
reversal."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FacilityKind(models.TextChoices):
    HOSPITAL = "hospital", _("医院")
    TOWNSHIP_HOSPITAL = "township_hospital", _("乡镇卫生院")
    COMMUNITY_CENTRE = "community_centre", _("社区卫生服务中心")
    VILLAGE_CLINIC = "village_clinic", _("村卫生室")
    CLINIC = "clinic", _("诊所")
    OTHER = "other", _("其他")


class WasteCategory(models.TextChoices):
    """The five categories of the 2021 catalogue (医疗废物分类目录)."""

    INFECTIOUS = "infectious", _("感染性")
    SHARPS = "sharps", _("损伤性")
    PATHOLOGICAL = "pathological", _("病理性")
    PHARMACEUTICAL = "pharmaceutical", _("药物性")
    CHEMICAL = "chemical", _("化学性")


class PlaceKind(models.TextChoices):
    FACILITY = "facility", _("医疗机构")
    POINT = "point", _("周转点")
    DISPOSER = "disposer", _("处置单位")


class TransferPoint(models.Model):
    """A township's transfer point (周转场/点): where village clinics' waste is received, weighed and removed."""

    code = models.CharField(_("周转点代码"), max_length=32, unique=True)
    name = models.CharField(_("周转点名称"), max_length=100)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("区域"))
    capacity_kg = models.DecimalField(_("贮存能力(千克)"), max_digits=12, decimal_places=3)
    metering = models.BooleanField(_("计量设施"), default=False)
    video = models.BooleanField(_("视频监控"), default=False)

    PRIVACY = dict.fromkeys(("id", "code", "name", "area", "capacity_kg", "metering", "video"), "public")

    class Meta:
        ordering = ["code"]
        verbose_name = _("周转点")
        verbose_name_plural = _("周转点")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Facility(models.Model):
    """A medical facility that produces waste, attached to the transfer point that collects it (or none: a
    hospital handing over straight to a disposal unit)."""

    code = models.CharField(_("机构代码"), max_length=32, unique=True)
    name = models.CharField(_("机构名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=FacilityKind.choices)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("区域"))
    point = models.ForeignKey(
        TransferPoint,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="facilities",
        verbose_name=_("所属周转点"),
    )
    daily_kg = models.DecimalField(_("日均产废量(千克)"), max_digits=12, decimal_places=3)

    PRIVACY = dict.fromkeys(("id", "code", "name", "kind", "area", "point", "daily_kg"), "public")

    class Meta:
        ordering = ["code"]
        verbose_name = _("医疗机构")
        verbose_name_plural = _("医疗机构")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Disposer(models.Model):
    """A centralised disposal unit and the cities or counties it serves."""

    code = models.CharField(_("处置单位代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("区域"))
    daily_tonnes = models.DecimalField(_("日处置能力(吨)"), max_digits=10, decimal_places=3)
    serves = models.ManyToManyField("areas.Area", related_name="+", verbose_name=_("服务区域"))

    PRIVACY = dict.fromkeys(("id", "code", "name", "area", "daily_tonnes", "serves"), "public")

    class Meta:
        ordering = ["code"]
        verbose_name = _("处置单位")
        verbose_name_plural = _("处置单位")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Handover(models.Model):
    """One weighed handover (交接记录, 转移联单): facility → point, facility → disposal unit, or point → disposal unit.
    The giver and the receiver are named by kind and code (codes are unique within a kind); `area` is the giver's,
    for scope."""

    number = models.CharField(_("联单编号"), max_length=40, unique=True)
    at = models.DateTimeField(_("交接时间"), db_index=True)
    giver_kind = models.CharField(_("交出方类型"), max_length=10, choices=PlaceKind.choices)
    giver_code = models.CharField(_("交出方代码"), max_length=32)
    receiver_kind = models.CharField(_("接收方类型"), max_length=10, choices=PlaceKind.choices)
    receiver_code = models.CharField(_("接收方代码"), max_length=32)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("区域"))
    category = models.CharField(_("类别"), max_length=16, choices=WasteCategory.choices)
    kg = models.DecimalField(_("重量(千克)"), max_digits=12, decimal_places=3)  # negative only in a reversal
    packages = models.PositiveIntegerField(_("包数"), default=0)
    giver_person = models.CharField(_("交接人"), max_length=60)
    receiver_person = models.CharField(_("接收人"), max_length=60)
    vehicle = models.CharField(_("车辆"), max_length=40, blank=True)
    disposal_method = models.CharField(_("处置方式"), max_length=60, blank=True)
    destination = models.CharField(_("最终去向"), max_length=100, blank=True)
    reverses = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversal",
        verbose_name=_("冲正"),
    )
    reason = models.CharField(_("冲正原因"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    PRIVACY = {
        **dict.fromkeys(
            (
                "id",
                "number",
                "at",
                "giver_kind",
                "giver_code",
                "receiver_kind",
                "receiver_code",
                "area",
                "category",
                "kg",
                "packages",
                "vehicle",
                "disposal_method",
                "destination",
                "reverses",
                "reason",
                "recorded_at",
            ),
            "public",
        ),
        **dict.fromkeys(("giver_person", "receiver_person", "recorded_by"), "personal"),
    }

    class Meta:
        ordering = ["at", "number"]
        verbose_name = _("交接记录")
        verbose_name_plural = _("交接记录")
        indexes = [
            models.Index(fields=["giver_kind", "giver_code", "at"], name="handover_giver_at"),
            models.Index(fields=["receiver_kind", "receiver_code", "at"], name="handover_receiver_at"),
            models.Index(fields=["area", "at"], name="handover_area_at"),
        ]

    def __str__(self) -> str:
        return self.number


class PlaceMember(models.Model):
    """A user of a medical-waste role linked to the place it acts for: a keeper (role `keeper`) to a transfer point,
    a facility's user (role `facility`) to its facility. The link is the whole of what such a user sees and records
    (tuopin.medwaste.selectors)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="medwaste_places"
    )
    point = models.ForeignKey(
        TransferPoint, null=True, blank=True, on_delete=models.CASCADE, related_name="members"
    )
    facility = models.ForeignKey(
        Facility, null=True, blank=True, on_delete=models.CASCADE, related_name="members"
    )
    linked_by = models.CharField(_("关联人"), max_length=150)
    linked_at = models.DateTimeField(_("关联时间"), auto_now_add=True)

    PRIVACY = {
        **dict.fromkeys(("id", "point", "facility", "linked_at"), "public"),
        **dict.fromkeys(("user", "linked_by"), "personal"),
    }

    class Meta:
        verbose_name = _("医疗废物台账用户关联")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(point__isnull=False, facility__isnull=True)
                | models.Q(point__isnull=True, facility__isnull=False),
                name="place_member_one_place",
            ),
            models.UniqueConstraint(fields=["user", "point"], name="place_member_user_point"),
            models.UniqueConstraint(fields=["user", "facility"], name="place_member_user_facility"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.point_id or self.facility_id}"


class Filing(models.Model):
    """A transfer point's quarterly filing (季度台账报送) with the county environment and health departments: the
    quarter's ledger, marked filed on a date by a user. One per point and quarter; the report itself is made from
    the ledger whenever it is asked for (tuopin.medwaste.filing)."""

    point = models.ForeignKey(TransferPoint, on_delete=models.PROTECT, related_name="filings")
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"))
    filed_on = models.DateField(_("报送日期"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    PRIVACY = {
        **dict.fromkeys(("id", "point", "year", "quarter", "filed_on", "recorded_at", "note"), "public"),
        "filed_by": "personal",
    }

    class Meta:
        ordering = ["point", "year", "quarter"]
        verbose_name = _("季度报送")
        constraints = [
            models.UniqueConstraint(fields=["point", "year", "quarter"], name="filing_point_quarter"),
            models.CheckConstraint(condition=models.Q(quarter__gte=1, quarter__lte=4), name="filing_quarter"),
        ]

    def __str__(self) -> str:
        return f"{self.point.code} {self.year}Q{self.quarter}"

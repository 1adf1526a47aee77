"""The five-level division tree (NBS codes) and yearly attributes per area.

The code is the key: a prefix of a code is its ancestor's code, so the area scope of a user is a prefix match on an
indexed code column everywhere in the system.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县")
    TOWNSHIP = "township", _("乡镇")
    VILLAGE = "village", _("村")


class Area(models.Model):
    code = models.CharField(_("代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=100, db_index=True)
    level = models.CharField(_("级别"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", db_index=True
    )

    PRIVACY = {"code": "public", "name": "public", "level": "public", "parent": "public"}

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class AreaYear(models.Model):
    """Attributes of an area in one year. A blank value means "not recorded"."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="years")
    year = models.PositiveSmallIntegerField(_("年度"))
    rural_population = models.PositiveIntegerField(_("农村人口"), null=True, blank=True)
    poor_county = models.BooleanField(_("贫困县"), null=True, blank=True)
    poor_village = models.BooleanField(_("贫困村"), null=True, blank=True)
    western = models.BooleanField(_("西部地区"), null=True, blank=True)

    PRIVACY = dict.fromkeys(
        ("id", "area", "year", "rural_population", "poor_county", "poor_village", "western"), "public"
    )

    class Meta:
        ordering = ["area_id", "year"]
        constraints = [models.UniqueConstraint(fields=["area", "year"], name="areayear_unique_area_year")]
        verbose_name = _("区划年度属性")

    def __str__(self) -> str:
        return f"{self.area_id} {self.year}"

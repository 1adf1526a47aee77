"""Policy profiles: one value per key, year and profile (the national profile, or a province's overrides), each
with its source. A value holds from its year until a later year's value of the same profile; a province's value,
where it has one, comes before the national one. Every change is kept (PolicyChange)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PolicyValue(models.Model):
    province = models.CharField(_("省份"), max_length=2, blank=True, help_text=_("空为全国"))
    year = models.PositiveSmallIntegerField(_("起始年度"))
    key = models.CharField(_("参数"), max_length=48)
    value = models.CharField(_("值"), max_length=32)
    source = models.TextField(_("依据"))
    note = models.TextField(_("说明"), blank=True)
    version = models.PositiveIntegerField(default=1)
    changed_at = models.DateTimeField(_("修改时间"), auto_now=True)
    changed_by = models.CharField(_("修改人"), max_length=150, default="system")

    PRIVACY = dict.fromkeys(
        ("id", "province", "year", "key", "value", "source", "note", "version", "changed_at", "changed_by"),
        "public",
    )

    class Meta:
        ordering = ["key", "province", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "province", "year"], name="policyvalue_unique_key_profile_year"
            )
        ]
        verbose_name = _("政策参数值")

    def __str__(self) -> str:
        return f"{self.key} {self.province or 'national'} {self.year} = {self.value}"


class PolicyChange(models.Model):
    """One change of a policy value: who, when, old and new value and source."""

    policy_value = models.ForeignKey(PolicyValue, on_delete=models.PROTECT, related_name="changes")
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_name = models.CharField(_("修改人"), max_length=150)
    old_value = models.CharField(_("原值"), max_length=32, blank=True)
    new_value = models.CharField(_("新值"), max_length=32)
    old_source = models.TextField(_("原依据"), blank=True)
    new_source = models.TextField(_("新依据"))
    note = models.TextField(_("说明"), blank=True)

    PRIVACY = dict.fromkeys(
        (
            "id",
            "policy_value",
            "at",
            "actor",
            "actor_name",
            "old_value",
            "new_value",
            "old_source",
            "new_source",
            "note",
        ),
        "public",
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("政策参数修改记录")

    def __str__(self) -> str:
        return f"{self.policy_value_id}: {self.old_value} -> {self.new_value}"

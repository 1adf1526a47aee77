from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AreaFigures(models.Model):
    """The stored aggregates of one area, which the dashboards read instead of the registry (tuopin.dashboards.figures
    writes them after an assessment, a screening or an import, for the areas it touched).

    - `registry`: the registry's counts now (households and persons by status, category, cause and population type;
      households identified and exited by year);
    - `yearly`: per year (as text), the latest finished assessment of that year (poor persons, rural population,
      incidence) and the poverty measures of the year (FGT at the poverty line, Alkire–Foster);
    - `programme`: the work of the latest year with projects (funds, rectification, visits, monitoring), for the
      province, cities and counties, from the contest's computed indicators (THE definitions of those rates)."""

    area = models.OneToOneField(
        "areas.Area", on_delete=models.CASCADE, primary_key=True, related_name="+", verbose_name=_("区划")
    )
    parent_code = models.CharField(_("上级代码"), max_length=12, blank=True, db_index=True)
    registry = models.JSONField(_("登记统计"), default=dict)
    yearly = models.JSONField(_("年度统计"), default=dict)
    programme = models.JSONField(_("工作统计"), default=dict)
    refreshed_at = models.DateTimeField(_("刷新时间"))

    # Counts of areas, no person: read only inside the scope, like the assessment's AreaResult.
    PRIVACY = dict.fromkeys(
        ("area", "parent_code", "registry", "yearly", "programme", "refreshed_at"), "public"
    )

    class Meta:
        verbose_name = _("区划统计")
        verbose_name_plural = _("区划统计")

    def __str__(self) -> str:
        return self.area_id

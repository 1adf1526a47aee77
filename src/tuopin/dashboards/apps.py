from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    """Dashboards of every scope with maps: stored aggregates per area (figures.py), refreshed by the batch engine
    after an assessment, a screening or an import; the province's and cities' shapes shipped with the app (maps.py)."""

    name = "tuopin.dashboards"
    label = "dashboards"
    verbose_name = _("统计看板")

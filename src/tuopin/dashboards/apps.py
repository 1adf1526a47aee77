from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    """Dashboards of every scope with maps: stored aggregates per area (figures.py), refreshed by the batch engine
    after an assessment, a screening or an import; the maps are drawn from the shapes of tuopin.areas.maps."""

    name = "tuopin.dashboards"
    label = "dashboards"
    verbose_name = _("统计看板")

    def ready(self) -> None:
        from tuopin.areas.signals import figures_stale
        from tuopin.dashboards.figures import figures_stale_received

        figures_stale.connect(figures_stale_received, dispatch_uid="tuopin.dashboards.figures")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "tuopin.monitoring"
    verbose_name = _("防止返贫监测")

    def ready(self) -> None:
        from tuopin.monitoring.cases import register_procedure

        register_procedure()

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProceduresConfig(AppConfig):
    name = "tuopin.procedures"
    verbose_name = _("识别与退出程序")

    def ready(self) -> None:
        from tuopin.procedures.panels import PROCEDURES_PANEL
        from tuopin.registry.panels import household_panel_register

        household_panel_register(PROCEDURES_PANEL)

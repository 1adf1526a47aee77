from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "tuopin.assessment"
    verbose_name = _("识别与退出评估")

    def ready(self) -> None:
        from tuopin.assessment.panels import DECISION_PANEL
        from tuopin.registry.panels import household_panel_register

        household_panel_register(DECISION_PANEL)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "tuopin.assistance"
    verbose_name = _("帮扶")

    def ready(self) -> None:
        from tuopin.assistance.ledgers import register_ledgers

        register_ledgers()

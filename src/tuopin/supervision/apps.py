from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "tuopin.supervision"
    verbose_name = _("督查整改")

    def ready(self) -> None:
        from tuopin.core.ledgers import ledger_register
        from tuopin.supervision.ledgers import LISTED, RECTIFICATION

        ledger_register(RECTIFICATION)
        ledger_register(LISTED)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MedwasteConfig(AppConfig):
    """The medical-waste collection ledger of seed 000: facilities, a transfer point per township, disposal units,
    weighed handovers (append-only), the two-day rules, the quarterly filing and each city's capacity gap."""

    name = "tuopin.medwaste"
    label = "medwaste"
    verbose_name = _("医疗废物收集")

    def ready(self) -> None:
        from tuopin.ledgers.framework import ledger_register
        from tuopin.medwaste.ledgers import ALL

        for ledger in ALL:
            ledger_register(ledger)

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "tuopin.supervision"
    verbose_name = _("督查整改")

    def ready(self) -> None:
        from tuopin.ledgers.framework import ledger_register
        from tuopin.supervision.ledgers import INSPECTIONS, LISTED, QUESTIONS, RECTIFICATION
        from tuopin.supervision.seed import checklists_seed

        post_migrate.connect(checklists_seed, sender=self, dispatch_uid="tuopin.supervision.seed")

        ledger_register(RECTIFICATION)
        ledger_register(LISTED)
        ledger_register(INSPECTIONS)
        ledger_register(QUESTIONS)

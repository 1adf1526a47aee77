from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ContestConfig(AppConfig):
    """Assessment and the arena contest (擂台赛): indicator systems computed from Tuopin's data, rounds scored by
    judges from their phones, the ranking, grades and the circulated report."""

    name = "tuopin.contest"
    label = "contest"
    verbose_name = _("考核与擂台赛")

    def ready(self) -> None:
        from tuopin.contest.ledgers import CONTEST_VALUES
        from tuopin.contest.seed import systems_seed
        from tuopin.ledgers.framework import ledger_register

        post_migrate.connect(systems_seed, sender=self, dispatch_uid="tuopin.contest.seed")
        ledger_register(CONTEST_VALUES)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContestConfig(AppConfig):
    """Assessment and the arena contest (擂台赛): indicator systems computed from Tuopin's data, rounds scored by
    judges from their phones, the ranking, grades and the circulated report."""

    name = "tuopin.contest"
    label = "contest"
    verbose_name = _("考核与擂台赛")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProceduresConfig(AppConfig):
    name = "tuopin.procedures"
    verbose_name = _("识别与退出程序")

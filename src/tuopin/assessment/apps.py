from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "tuopin.assessment"
    verbose_name = _("识别与退出评估")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedsConfig(AppConfig):
    name = "tuopin.feeds"
    verbose_name = _("部门数据")

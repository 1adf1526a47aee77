from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "tuopin.core"
    verbose_name = _("平台")

    def ready(self) -> None:
        from tuopin.core import lookups  # noqa: F401 - registers the `prefix` and `among` lookups

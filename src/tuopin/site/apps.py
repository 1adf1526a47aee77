from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SiteConfig(AppConfig):
    """The top floor: the home page, the shell's context and the commands that compose every app (demo, bench,
    init, serve, export)."""

    name = "tuopin.site"
    label = "site"
    verbose_name = _("站点")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdministrationConfig(AppConfig):
    """The offices' pages and audited writes over the ground floors: the division tree, the policy values and the
    audit log, read and written as a signed-in user's scope allows."""

    name = "tuopin.administration"
    label = "administration"
    verbose_name = _("基础管理")

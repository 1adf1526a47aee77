from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "tuopin.accounts"
    verbose_name = _("用户")

    def ready(self) -> None:
        # Sign-in events come from django.contrib.auth and django-axes as signals; receiving them is the only
        # way to audit every login path (form, API, admin tools) in one place.
        from tuopin.accounts import signin_audit  # noqa: F401

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PolicyConfig(AppConfig):
    name = "tuopin.policy"
    verbose_name = _("政策参数")

    def ready(self) -> None:
        from tuopin.policy.seed import policy_seed

        post_migrate.connect(policy_seed, sender=self, dispatch_uid="tuopin.policy.seed")

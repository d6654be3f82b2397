from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProactiveConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "doorstep.proactive"
    verbose_name = _("Proactive programmes")

    def ready(self) -> None:
        from django.core import checks

        from doorstep.rules.holdings import register

        from .checks import check_public_url
        from .holdings import ProgrammeHoldings

        checks.register(check_public_url)
        register(ProgrammeHoldings())  # what holds("code") in a rule asks about

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProactiveConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "doorstep.proactive"
    verbose_name = _("Proactive programmes")

    def ready(self) -> None:
        from django.core import checks

        from .checks import check_public_url

        checks.register(check_public_url)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProactiveConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "doorstep.proactive"
    verbose_name = _("Proactive programmes")

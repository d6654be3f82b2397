from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "doorstep.disputes"
    verbose_name = _("Disputes")
    default_auto_field = "django.db.models.BigAutoField"

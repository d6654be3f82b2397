from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "doorstep.visits"
    verbose_name = _("Visits")
    default_auto_field = "django.db.models.BigAutoField"

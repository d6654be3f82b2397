from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightConfig(AppConfig):
    name = "doorstep.insight"
    verbose_name = _("Figures and ledgers")
    default_auto_field = "django.db.models.BigAutoField"

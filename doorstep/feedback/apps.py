from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "doorstep.feedback"
    verbose_name = _("Satisfaction")
    default_auto_field = "django.db.models.BigAutoField"

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DesksConfig(AppConfig):
    name = "doorstep.desks"
    label = "desks"
    verbose_name = _("Desks and appointments")

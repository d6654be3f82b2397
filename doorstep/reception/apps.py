from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReceptionConfig(AppConfig):
    name = "doorstep.reception"
    verbose_name = _("Reception days")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from doorstep.desks.views import compound_sections

        from .public import compound_section

        if compound_section not in compound_sections:
            compound_sections.append(compound_section)

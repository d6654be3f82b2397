from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DesksConfig(AppConfig):
    name = "doorstep.desks"
    label = "desks"
    verbose_name = _("Desks and appointments")

    def ready(self) -> None:
        # A guide lists the desks that offer its matter (the catalogue sits below the desks).
        from doorstep.catalogue.offers import PROVIDERS

        from .guide import desk_offers

        if desk_offers not in PROVIDERS:
            PROVIDERS.append(desk_offers)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightConfig(AppConfig):
    name = "doorstep.insight"
    verbose_name = _("Figures and ledgers")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from doorstep.core.signals import row_closed, tallied_row_changing

        from .rollups import take_in, take_out

        tallied_row_changing.connect(take_out, dispatch_uid="insight-rollups-out")
        row_closed.connect(take_in, dispatch_uid="insight-rollups-in")

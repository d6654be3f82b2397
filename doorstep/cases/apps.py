from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "doorstep.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from doorstep.workdays.signals import schedule_changed

        from .actions.recount import recount_on_schedule_change

        schedule_changed.connect(recount_on_schedule_change, dispatch_uid="cases-recount")

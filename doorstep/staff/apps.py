from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "doorstep.staff"
    label = "staff"
    verbose_name = _("Staff")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .password import note_change_due

        user_logged_in.connect(note_change_due, dispatch_uid="staff-password-change-due")

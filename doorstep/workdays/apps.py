from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _seed_after_migrate(sender, *, apps=None, **kwargs) -> None:
    """Give a fresh database the package's years (like contenttypes does after migrate)."""
    from .seed import seed_missing_years

    if apps is None:  # flush sends post_migrate without the migration state
        from django.apps import apps
    try:
        model = apps.get_model("workdays", "Holiday")
    except LookupError:  # migrated to a point before the table existed
        return
    seed_missing_years(model=model)


class WorkdaysConfig(AppConfig):
    name = "doorstep.workdays"
    label = "workdays"
    verbose_name = _("Working-day calendar")

    def ready(self) -> None:
        from django.core import checks
        from django.db.models.signals import post_delete, post_migrate, post_save

        from . import calendar
        from .checks import check_years_seeded
        from .models import Holiday

        checks.register(check_years_seeded)
        post_save.connect(calendar.invalidate, sender=Holiday, dispatch_uid="workdays-save")
        post_delete.connect(calendar.invalidate, sender=Holiday, dispatch_uid="workdays-del")
        post_migrate.connect(_seed_after_migrate, sender=self, dispatch_uid="workdays-seed")

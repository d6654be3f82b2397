from axes import apps as axes_apps
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db import apps as tasks_db_apps


class DoorstepConfig(AppConfig):
    """The project as an app, so that project-level commands (``demo``, which builds every app's
    part of the demo district) have a home above the domain apps. Its ``static/`` is found like
    any app's, which is why settings name no STATICFILES_DIRS."""

    name = "doorstep"
    label = "doorstep"
    verbose_name = _("Doorstep")


# Two third-party apps name themselves in plain English ("Axes", "Tasks Database Backend") on the
# admin site; these subclasses give them translated names and change nothing else (same label,
# same ready()). Their models' msgids are translated in our own catalogue (LOCALE_PATHS wins).


class AxesConfig(axes_apps.AppConfig):
    verbose_name = _("Login attempts")


class TasksDatabaseConfig(tasks_db_apps.TasksAppConfig):
    verbose_name = _("Background tasks")

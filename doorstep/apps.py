from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DoorstepConfig(AppConfig):
    """The project as an app, so that project-level commands (``demo``, which builds every app's
    part of the demo district) have a home above the domain apps. Its ``static/`` is found like
    any app's, which is why settings name no STATICFILES_DIRS."""

    name = "doorstep"
    label = "doorstep"
    verbose_name = _("Doorstep")

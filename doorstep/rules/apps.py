from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RulesConfig(AppConfig):
    """The rule language: parse, check, compile to SQL, evaluate, explain. No models."""

    name = "doorstep.rules"
    label = "rules"
    verbose_name = _("Rules")

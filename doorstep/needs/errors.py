"""The errors of need actions: a transition the state machine refuses, a need someone else
changed, and a bad field (a ``ValidationError`` keyed by the field, with a code the API maps)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from doorstep.core.errors import field_error

__all__ = ["InvalidTransition", "NeedChanged", "field_error"]


class InvalidTransition(ValidationError):
    def __init__(self, message: str):
        super().__init__(message, code="invalid_transition")


class NeedChanged(ValidationError):
    def __init__(self):
        super().__init__(
            _("Someone else changed this need a moment ago. Reload it to see the change."),
            code="changed",
        )

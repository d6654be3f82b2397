"""The errors of case actions: a transition the state machine refuses, a case (or an
application from another system) someone else changed, and a bad field (a ``ValidationError``
keyed by the field, with a code the API maps)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from doorstep.core.errors import field_error

__all__ = ["ApplicationChanged", "CaseChanged", "InvalidTransition", "field_error"]


class InvalidTransition(ValidationError):
    def __init__(self, message: str):
        super().__init__(message, code="invalid_transition")


class CaseChanged(ValidationError):
    def __init__(self):
        super().__init__(
            _("Someone else changed this case a moment ago. Reload it to see the change."),
            code="changed",
        )


class ApplicationChanged(ValidationError):
    """An application from another system was taken in or declined between the page and the
    write; keyed by ``application`` (the intake form's field)."""

    def __init__(self):
        super().__init__(
            {
                "application": ValidationError(
                    _(
                        "This application was taken in or declined a moment ago. Reload the "
                        "page to see what happened to it."
                    ),
                    code="changed",
                )
            }
        )

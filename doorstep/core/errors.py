"""The one shape of a bad-input error: a ``ValidationError`` keyed by the field, with a code that
the API maps to a status and a message the UI shows beside the field."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def field_error(field: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})

"""The errors of dispute actions: a transition the state machine refuses (409 in the API) and a
bad field (a ``ValidationError`` keyed by the field, 400)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from doorstep.core.errors import field_error

__all__ = ["InvalidTransition", "field_error"]


class InvalidTransition(ValidationError):
    def __init__(self, message: str):
        super().__init__(message, code="invalid_transition")

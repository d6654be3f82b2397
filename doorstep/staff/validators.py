"""Password validators, where Django's own would answer in English."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with a message our catalogue translates: Django 5.2 changed this message's
    msgid (``%d``) and its own zh_Hans catalogue still has the old one, so a staff member who
    types a short password reads English."""

    def get_error_message(self) -> str:
        return ngettext(
            "This password is too short: it must have at least %(min_length)d character.",
            "This password is too short: it must have at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}

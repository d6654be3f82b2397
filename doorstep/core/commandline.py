"""Helpers shared by the management commands."""

from __future__ import annotations

import datetime

from django.core.management.base import CommandError
from django.utils.translation import gettext as _


def iso_date(value: str) -> datetime.date:
    """A YYYY-MM-DD command-line date, or a CommandError in the operator's words."""
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        message = _("Give the date as YYYY-MM-DD, not “%(value)s”.") % {"value": value}
        raise CommandError(message) from None

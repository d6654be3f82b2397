"""System checks of the core app: a server that cannot encrypt refuses to start."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error
from django.core.exceptions import ImproperlyConfigured


def check_encryption_key(app_configs=None, **kwargs) -> list[Error]:
    """``DOORSTEP_ENCRYPTION_KEY`` must be set and decode to 32 bytes, so that a missing or
    mistyped key stops ``runserver``, ``migrate`` and gunicorn's first request at start instead
    of failing the first write of an ID number with a server error."""
    from .crypto import validate_key

    try:
        validate_key(settings.DOORSTEP_ENCRYPTION_KEY)
    except ImproperlyConfigured as exc:
        return [
            Error(
                str(exc),
                hint="Generate one with python -c 'import base64,os; "
                "print(base64.urlsafe_b64encode(os.urandom(32)).decode())' and keep a copy: "
                "without it the stored ID numbers cannot be read.",
                id="core.E001",
            )
        ]
    return []

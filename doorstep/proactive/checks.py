from __future__ import annotations

from django.conf import settings
from django.core.checks import Warning
from django.utils.translation import gettext as _


def check_public_url(app_configs=None, **kwargs) -> list[Warning]:
    """Residents' messages carry a link (accept, decline, opt out) written without a request
    to take the address from: without ``DOORSTEP_PUBLIC_URL`` it is a bare path."""
    if getattr(settings, "DOORSTEP_PUBLIC_URL", ""):
        return []
    return [
        Warning(
            _("DOORSTEP_PUBLIC_URL is not set: the links in residents' messages have no address."),
            hint=_(
                "Set it to the public address of this site, e.g. https://doorstep.example.gov.cn"
            ),
            id="proactive.W001",
        )
    ]

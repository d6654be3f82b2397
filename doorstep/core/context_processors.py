from __future__ import annotations

from django.conf import settings


def doorstep(request):
    return {
        "SITE_TITLE": settings.SITE_TITLE,
        "DEBUG": settings.DEBUG,
        "DEMO": settings.DOORSTEP_DEMO,
    }

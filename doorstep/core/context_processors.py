from __future__ import annotations

from django.conf import settings
from django.utils.functional import SimpleLazyObject


def doorstep(request):
    def profile():
        from doorstep.staff.roles import staff_profile

        return staff_profile(getattr(request, "user", None))

    # Lazy: htmx partials that never render the header cost no query.
    return {
        "SITE_TITLE": settings.SITE_TITLE,
        "DEBUG": settings.DEBUG,
        "DEMO": settings.DOORSTEP_DEMO,
        "staff": SimpleLazyObject(profile),
    }

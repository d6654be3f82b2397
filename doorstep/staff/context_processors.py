from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from .roles import staff_profile


def staff(request):
    """``staff``: the user's roles and capabilities, the one thing templates and the nav ask
    (``{% if staff.can_view_cases %}``). Lazy: htmx partials that never render the header cost
    no query."""
    return {"staff": SimpleLazyObject(lambda: staff_profile(getattr(request, "user", None)))}

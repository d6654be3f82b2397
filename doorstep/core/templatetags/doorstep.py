from __future__ import annotations

import datetime

from django import template

from doorstep.core import phone

register = template.Library()


@register.filter
def minutes(value: datetime.timedelta | None) -> int:
    """Whole minutes of a duration, rounded up (a 30-second wait is "1 minute")."""
    if not value:
        return 0
    return max(1, -(-int(value.total_seconds()) // 60))


@register.filter
def phone_masked(value: str | None) -> str:
    """A mobile number as pages show it (``138****5678``); the full number only by a reveal."""
    return phone.mask(value or "")

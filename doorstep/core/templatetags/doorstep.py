from __future__ import annotations

import datetime

from django import template

register = template.Library()


@register.filter
def minutes(value: datetime.timedelta | None) -> int:
    """Whole minutes of a duration, rounded up (a 30-second wait is "1 minute")."""
    if not value:
        return 0
    return max(1, -(-int(value.total_seconds()) // 60))
